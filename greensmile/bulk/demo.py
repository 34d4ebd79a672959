"""Demo kitchen for `seed-demo`: the demo hospital's delivery details, farms' weekly offers, a standing order."""
from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.bulk import services
from greensmile.bulk.models import BuyerProfile, FarmCapacity, StandingOrder
from greensmile.certification.services import today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.network.models import Organisation
from greensmile.plots.demo import demo_code
from greensmile.plots.models import Crop
from greensmile.plots.services import get_by_code

HOSPITAL = "ครัวโรงพยาบาลตัวอย่าง หาดใหญ่"
OFFERS = [  # plot number, crop, kg a week, price in satang per kg
    (1, "ผักบุ้ง", Decimal("40"), 4500),
    (1, "คะน้า", Decimal("25"), 5500),
    (4, "ผักบุ้ง", Decimal("30"), 4000),  # in conversion: not asked for kitchens until it is certified
]
STANDING = [("ผักบุ้ง", Decimal("30")), ("คะน้า", Decimal("15"))]  # kg on each delivery day


def seed_kitchens() -> None:
    coordinator, buyer = demo_user("coordinator"), demo_user("buyer")
    hospital = db.session.scalar(sa.select(Organisation).where(Organisation.name == HOSPITAL))
    if coordinator is None or buyer is None or hospital is None:
        return
    crops = {crop.name_th: crop for crop in db.session.scalars(sa.select(Crop))}
    if db.session.get(BuyerProfile, hospital.id) is None:
        services.save_profile(coordinator, hospital, services.ProfileData(
            delivery_address="ฝ่ายโภชนาการ อาคารบริการ ชั้น 1 ถนนรัถการ อ.หาดใหญ่", delivery_weekdays=[1, 2, 3, 4, 5],
            window_opens=time(6), window_closes=time(8), invoice_days=30, contact_name="วิไล ครัวสะอาด"))
    for number, crop_name, quantity, price in OFFERS:
        plot, crop = get_by_code(demo_code(number)), crops.get(crop_name)
        if plot is None or crop is None:
            continue
        exists = db.session.scalar(sa.select(FarmCapacity.id).where(FarmCapacity.plot_id == plot.id,
                                                                    FarmCapacity.crop_id == crop.id))
        if exists is None:
            services.save_capacity(plot.owner, None, services.CapacityData(plot.id, crop.id, Unit.KG, quantity, price))
    if db.session.scalar(sa.select(StandingOrder.id).where(StandingOrder.organisation_id == hospital.id)) is None:
        start = today() + timedelta(days=1)
        services.create_standing(buyer, hospital, [1, 4], start, start + timedelta(days=90),
                                 [services.LineData(crops[name].id, Unit.KG, quantity) for name, quantity in STANDING
                                  if name in crops], note="ผักสำหรับอาหารผู้ป่วย")
    else:
        services.generate()
