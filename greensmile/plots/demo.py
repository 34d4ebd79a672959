"""Demo plots for `seed-demo`: a few farmers' plots across Songkhla, with fixed codes so reruns change nothing."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation
from greensmile.places.models import District
from greensmile.plots import services
from greensmile.plots.codes import check_character
from greensmile.plots.models import ChangeSource, Crop, PlotType


def demo_code(number: int) -> str:
    payload = f"SK{number:03d}"
    return payload + check_character(payload)


# (code number, farmer e-mail or (name, phone), group, district code, subdistrict, village,
#  lat, lon, rai, type, crops, water source, neighbour risks)
DEMO_PLOTS = [
    (1, "farmer@demo.greensmile.example", "กลุ่มเกษตรอินทรีย์ควนเนียง", "9013", "รัตภูมิ", "บ้านควนเนียง",
     "7.1605", "100.4180", "2.5", PlotType.VEGETABLES, ["ผักบุ้ง", "คะน้า", "ผักกวางตุ้ง", "พริก"], "บ่อบาดาล",
     "สวนยางของเพื่อนบ้านทางทิศเหนือ ใช้ปุ๋ยเคมี มีคูน้ำกั้น"),
    (2, "farmer@demo.greensmile.example", "กลุ่มเกษตรอินทรีย์ควนเนียง", "9013", "ห้วยลึก", "บ้านห้วยลึก",
     "7.1712", "100.3954", "4", PlotType.MIXED, ["กล้วย", "มะละกอ", "ตะไคร้", "ข่า"], "สระน้ำในไร่", ""),
    (3, "inspector@demo.greensmile.example", "กลุ่มผักอินทรีย์นาหม่อม", "9012", "นาหม่อม", "บ้านนาหม่อม",
     "6.9607", "100.5467", "1.75", PlotType.VEGETABLES, ["ถั่วฝักยาว", "แตงกวา", "มะเขือ", "โหระพา"],
     "คลองชลประทาน", "นาข้าวเคมีอยู่ทางต้นน้ำ"),
    (4, ("สมพร ใจเย็น", "0812345001"), "กลุ่มผักอินทรีย์นาหม่อม", "9012", "พิจิตร", "บ้านพิจิตร",
     "6.9801", "100.5302", "3", PlotType.VEGETABLES, ["ผักบุ้ง", "ผักกาดขาว", "ต้นหอม", "ผักชี"], "บ่อบาดาล", ""),
    (5, ("ประยูร ดินดี", "0812345002"), "กลุ่มเกษตรอินทรีย์ควนเนียง", "9013", "บางเหรียง", "บ้านบางเหรียง",
     "7.2231", "100.3710", "6", PlotType.FRUIT, ["มังคุด", "ลองกอง", "เงาะ", "ทุเรียน"], "ลำห้วย", ""),
    (6, ("สุดา นาดี", "0812345003"), "กลุ่มผักอินทรีย์นาหม่อม", "9012", "ทุ่งขมิ้น", "บ้านทุ่งขมิ้น",
     "6.9423", "100.5611", "8", PlotType.RICE, ["ข้าว", "ข้าวสังข์หยด"], "คลองชลประทาน", ""),
    (7, ("วินัย ยางงาม", "0812345004"), "กลุ่มสวนยางยั่งยืนรัตภูมิ", "9009", "เขาพระ", "บ้านเขาพระ",
     "7.1201", "100.2702", "12", PlotType.RUBBER, ["ยางพารา", "สะตอ"], "น้ำฝน", ""),
    (8, ("มาลี ป่างาม", "0812345005"), "กลุ่มธนาคารต้นไม้คลองหอยโข่ง", "9016", "คลองหอยโข่ง",
     "บ้านคลองหอยโข่ง", "6.9310", "100.3402", "5", PlotType.TREE_BANK, ["จำปาดะ", "ขนุน", "สะตอ"], "ลำห้วย", ""),
]


def _farmer(ref, groups: dict[str, Organisation], group_name: str) -> User:
    if isinstance(ref, str):
        return accounts.get_user_by_email(ref)
    name, phone = ref
    farmer = db.session.scalar(sa.select(User).where(User.phone == phone, User.display_name == name))
    if farmer is None:
        farmer = accounts.create_user(email=None, display_name=name, phone=phone, roles=(Role.FARMER,))
    group = groups[group_name]
    if db.session.get(Membership, (group.id, farmer.id)) is None:
        db.session.add(Membership(organisation=group, user=farmer))
        db.session.flush()
    return farmer


def seed_crops() -> None:
    services.load_crop_catalogue()


def seed_plots() -> None:
    groups = {group.name: group for group in db.session.scalars(sa.select(Organisation))}
    districts = {district.code: district for district in db.session.scalars(sa.select(District))}
    crops = {crop.name_th: crop for crop in db.session.scalars(sa.select(Crop))}
    for number, ref, group_name, district_code, subdistrict, village, lat, lon, rai, plot_type, crop_names, water, risks in DEMO_PLOTS:
        code = demo_code(number)
        if services.get_by_code(code) is not None:
            continue
        farmer = _farmer(ref, groups, group_name)
        data = services.PlotData(
            name=f"แปลง{village}", group_id=groups[group_name].id, district_id=districts[district_code].id,
            subdistrict=subdistrict, village=village, latitude=Decimal(lat), longitude=Decimal(lon),
            area_m2=services.area_to_m2(Decimal(rai)), plot_type=plot_type,
            crop_ids=[crops[name].id for name in crop_names], water_source=water, neighbour_risks=risks,
        )
        services.create_plot(None, farmer, data, code=code, source=ChangeSource.SEED)
