"""Demo supporters for `seed-demo`: the foundation's money pledge to a farmer group (partly transferred, public),
its training for the tree-bank group, and the hospital kitchen's purchase guarantee."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.notifications.services import quiet
from greensmile.plots.models import Crop
from greensmile.supporters import services
from greensmile.supporters.models import DeliveryVia, SupportKind, SupportPledge

FOUNDATION = "มูลนิธิตัวอย่างเพื่อเกษตรอินทรีย์"
HOSPITAL = "ครัวโรงพยาบาลตัวอย่าง หาดใหญ่"


def seed_support() -> None:
    supporter, buyer = demo_user("supporter"), demo_user("buyer")
    names = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    crop = db.session.scalar(sa.select(Crop).where(Crop.name_th == "ผักบุ้ง"))
    if None in (supporter, buyer, crop) or db.session.scalar(sa.select(SupportPledge.id)) is not None:
        return
    foundation, hospital = names[FOUNDATION], names[HOSPITAL]
    start = today() - timedelta(days=60)
    money = services.make_pledge(supporter, foundation, services.PledgeData(
        SupportKind.MONEY, "ทุนค่าตรวจรับรองแปลงอินทรีย์ ปีนี้", group_id=names["กลุ่มเกษตรอินทรีย์ควนเนียง"].id,
        details="โอนเข้าบัญชีกลุ่ม 2 งวด (ข้อมูลตัวอย่าง)", amount_satang=3_000_000, starts_on=start,
        public=True, public_amount=True))
    with quiet():  # delivered weeks ago: nobody is told again today
        services.record_delivery(supporter, money, services.DeliveryData(
            start + timedelta(days=7), DeliveryVia.BANK_TRANSFER, amount_satang=1_500_000, reference="DEMO-TRF-001"))
    training = services.make_pledge(supporter, foundation, services.PledgeData(
        SupportKind.TRAINING, "อบรมการวัดและดูแลต้นไม้ในธนาคารต้นไม้", group_id=names["กลุ่มธนาคารต้นไม้คลองหอยโข่ง"].id,
        starts_on=start, public=True))
    with quiet():
        services.record_delivery(supporter, training, services.DeliveryData(
            start + timedelta(days=20), DeliveryVia.IN_KIND, note="อบรม 1 วัน ผู้เข้าร่วม 14 คน"))
    services.make_pledge(buyer, hospital, services.PledgeData(
        SupportKind.PURCHASE_GUARANTEE, "ผักบุ้ง 20 กก. ต่อสัปดาห์ สำหรับโรงอาหาร", crop_id=crop.id,
        kg_per_week=Decimal("20"), starts_on=today(), ends_on=today() + timedelta(days=120), public=True))
