"""Demo market for `seed-demo`: pickup points, and produce on sale from the certified and conversion plots."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.certification.services import BANGKOK, today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.listings import pickup_points, services
from greensmile.listings.models import Listing, PickupKind, PickupPoint, Unit
from greensmile.payments import services as payments
from greensmile.plots.demo import demo_code
from greensmile.plots.models import Crop
from greensmile.plots.services import get_by_code

POINTS = [
    (PickupKind.MARKET_STALL, "ตลาดนัดสีเขียว ม.อ. หาดใหญ่", "PSU Green Market, Hat Yai", [3, 6], time(6), time(10),
     "ลานหน้าหอประชุม ม.อ."),
    (PickupKind.TRUCK_STOP, "รถตลาดเขียว จุดจอดควนเนียง", "Green-market truck, Khuan Niang stop", [2, 5], time(7),
     time(9), "หน้าที่ว่าการอำเภอควนเนียง"),
]
PRODUCE = [  # plot number, crop, title, unit, price in satang, quantity
    (1, "ผักบุ้ง", "ผักบุ้งจีนอินทรีย์", Unit.BUNCH, 2000, Decimal("40")),
    (1, "คะน้า", "คะน้าอินทรีย์", Unit.KG, 6000, Decimal("25")),
    # Plot 4 grows ผักกาดขาว (not rice): a listing names only a crop its certificate covers.
    (4, "ผักกาดขาว", "ผักกาดขาว (ระยะปรับเปลี่ยน)", Unit.KG, 5000, Decimal("30")),
]


DEMO_PROMPTPAY = "0800000000"


def seed_market() -> None:
    coordinator = demo_user("coordinator")
    if coordinator is None:
        return
    points = []
    for kind, name, name_en, days, opens, closes, address in POINTS:
        point = db.session.scalar(sa.select(PickupPoint).where(PickupPoint.name == name))
        if point is None:
            point = pickup_points.save_pickup_point(coordinator, None, pickup_points.PickupData(
                kind=kind, name=name, name_en=name_en, weekdays=days, opens_at=opens, closes_at=closes,
                address=address))
        points.append(point)
    harvest = today() + timedelta(days=2)
    while harvest.isoweekday() not in POINTS[1][3]:  # a day the truck stops: a listing naming it is harvested then
        harvest += timedelta(days=1)
    for number, crop_name, title, unit, price, quantity in PRODUCE:
        plot = get_by_code(demo_code(number))
        crop = db.session.scalar(sa.select(Crop).where(Crop.name_th == crop_name)) or db.session.scalar(
            sa.select(Crop).order_by(Crop.id))
        if plot is None or crop is None:
            continue
        on_sale = db.session.scalar(sa.select(Listing.id).where(Listing.plot_id == plot.id, Listing.title == title,
                                                                services.on_sale()))
        if on_sale is not None:
            continue
        try:
            services.create_listing(plot.owner, services.ListingData(
                plot_id=plot.id, crop_id=crop.id, title=title, unit=unit, price_satang=price, quantity=quantity,
                harvest_on=harvest, order_by=datetime.combine(harvest - timedelta(days=1), time(18), tzinfo=BANGKOK),
                pickup_point_ids=[point.id for point in points]))
        except services.ListingError:
            continue  # the plot may not sell (its certificate lapsed in this database)
    # The demo farmer takes PromptPay straight, so the demo shows it; the name says nobody should pay it for real.
    farmer = demo_user("farmer")
    if farmer is not None and payments.account_of(f"user:{farmer.id}") is None:
        payments.set_account(f"user:{farmer.id}", DEMO_PROMPTPAY, "บัญชีตัวอย่าง ห้ามโอนเงินจริง (demo)", coordinator.id)
