"""Demo kitchen for `seed-demo`: the demo hospital's delivery details, farms' weekly offers, a standing order, and
last month's deliveries, weighed in and invoiced."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.bulk import delivery, invoices, services, shares
from greensmile.bulk.models import BulkLine, BulkOrder, BulkStatus, BuyerProfile, FarmCapacity, Invoice, StandingOrder
from greensmile.certification.models import Certification
from greensmile.certification.services import BANGKOK, today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.network.models import Organisation
from greensmile.notifications.services import quiet
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
# Last month the hospital ordered less, on Mondays and Thursdays: within what SK001 offers a week.
PAST = [("ผักบุ้ง", Decimal("20")), ("คะน้า", Decimal("12"))]
PAST_WEEKDAYS = (1, 4)


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
    if db.session.scalar(sa.select(Invoice.id).where(Invoice.organisation_id == hospital.id)) is None:
        with quiet():  # the farm was asked and answered last month: nobody is told again today
            _seed_last_month(coordinator, buyer, hospital, crops)
    if db.session.scalar(sa.select(StandingOrder.id).where(StandingOrder.organisation_id == hospital.id)) is None:
        start = today() + timedelta(days=1)
        services.create_standing(buyer, hospital, [1, 4], start, start + timedelta(days=90),
                                 [services.LineData(crops[name].id, Unit.KG, quantity) for name, quantity in STANDING
                                  if name in crops], note="ผักสำหรับอาหารผู้ป่วย")
    else:
        services.generate()


def _seed_last_month(coordinator, buyer, hospital, crops) -> None:
    """Last month as it happened, through the same services people use: orders on Mondays and Thursdays, shares asked
    of the certified plot and confirmed, weighed in on the day (one short, with the kitchen's note), then the month's
    invoice issued. Only days the plot's certificate covered are ordered."""
    plot = get_by_code(demo_code(1))
    certified_from = db.session.scalar(sa.select(sa.func.min(Certification.valid_from))
                                       .where(Certification.plot_id == plot.id)) if plot else None
    if certified_from is None or not all(name in crops for name, _ in PAST):
        return
    month = invoices.month_start(today() - timedelta(days=today().day))
    days = [month + timedelta(days=n) for n in range((invoices.next_month(month) - month).days)]
    days = [day for day in days if day >= certified_from and day.isoweekday() in PAST_WEEKDAYS]
    for number, day in enumerate(days):
        order = BulkOrder(organisation_id=hospital.id, delivery_on=day, status=BulkStatus.OPEN,
                          note="ผักสำหรับอาหารผู้ป่วย", created_by_id=buyer.id)
        db.session.add(order)
        for name, quantity in PAST:
            order.lines.append(BulkLine(crop_id=crops[name].id, unit=Unit.KG, quantity=quantity))
        services.record_event(order, "placed", buyer)
        db.session.flush()
        shares.propose(coordinator, order)
        asked = [share for line in order.lines for share in line.shares]
        for share in asked:
            shares.confirm_share(share.farmer, share)
        for share in asked:
            short = number == 0 and share.line.crop.name_th == "ผักบุ้ง"
            delivery.receive(buyer, share, share.quantity - Decimal("0.5") if short else share.quantity,
                             "ใบเหลืองบางส่วน คัดออกครึ่งกิโล" if short else "")
        _happened_on(order, day)
    if days:
        invoices.issue(coordinator, hospital, month)


def _happened_on(order: BulkOrder, day: date) -> None:
    """Date the records as they would have been: placed a week before, answered two days before, weighed at 7:00."""
    placed = datetime.combine(day - timedelta(days=7), time(9), BANGKOK)
    answered = datetime.combine(day - timedelta(days=2), time(18), BANGKOK)
    weighed = datetime.combine(day, time(7), BANGKOK)
    moments = {"placed": placed, "allocating": placed + timedelta(hours=2), "asked": placed + timedelta(hours=2),
               "confirmed": answered}
    for event in order.events:
        event.created_at = moments.get(event.action, weighed)
    for line in order.lines:
        for share in line.shares:
            share.answered_at, share.received_at = answered, weighed
    db.session.flush()
