"""The demand outlook: the coming weeks of kitchens' standing demand per crop, against farms' declared capacity,
so farmers can plan what to plant."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from greensmile.accounts.models import User
from greensmile.bulk.models import BulkLine, BulkOrder, BulkStatus, FarmCapacity, StandingOrder, StandingStatus
from greensmile.bulk.services import iso_week, standing_dates
from greensmile.certification.overview import pgs_statuses
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.plots.models import Crop
from greensmile.supporters.services import guarantees_between

WEEKS = 8
COUNTED = (BulkStatus.OPEN, BulkStatus.ALLOCATING, BulkStatus.CONFIRMED, BulkStatus.DELIVERED)


@dataclass
class OutlookRow:
    crop: Crop
    unit: Unit
    demand: list[Decimal]  # per week
    capacity: Decimal  # declared for certified plots by every farm, per week
    mine: Decimal = Decimal("0.00")  # declared by the farmer looking, per week
    guaranteed: list[Decimal] = field(default_factory=list)  # supporters' purchase guarantees, per week (kg)

    @property
    def gaps(self) -> list[Decimal]:
        return [demand - self.capacity for demand in self.demand]


@dataclass
class Outlook:
    weeks: list[date]  # the Monday of each week
    rows: list[OutlookRow] = field(default_factory=list)


def outlook(farmer: User | None = None, start: date | None = None, weeks: int = WEEKS) -> Outlook:
    """Demand per crop and week: the weeks already made into orders as they stand (changed or skipped), the
    weeks not yet made as their standing order says."""
    first = start or today()
    monday = first - timedelta(days=first.weekday())
    mondays = [monday + timedelta(days=7 * n) for n in range(weeks)]
    end = mondays[-1] + timedelta(days=6)
    index = {iso_week(day): n for n, day in enumerate(mondays)}
    demand: dict[tuple[int, Unit], list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * weeks)

    made = db.session.execute(
        sa.select(BulkOrder.delivery_on, BulkOrder.standing_order_id, BulkOrder.status, BulkLine.crop_id,
                  BulkLine.unit, BulkLine.quantity)
        .join(BulkLine, BulkLine.order_id == BulkOrder.id, isouter=True)
        .where(BulkOrder.delivery_on >= first, BulkOrder.delivery_on <= end,
               BulkOrder.standing_order_id.is_not(None))
    ).all()
    made_dates = {(row.standing_order_id, row.delivery_on) for row in made}
    for row in made:
        if row.status in COUNTED and row.crop_id is not None:
            demand[(row.crop_id, row.unit)][index[iso_week(row.delivery_on)]] += row.quantity

    standing = db.session.scalars(
        sa.select(StandingOrder).where(StandingOrder.status == StandingStatus.ACTIVE, StandingOrder.ends_on >= first,
                                       StandingOrder.starts_on <= end)
        .options(selectinload(StandingOrder.lines))
    ).all()
    for order in standing:
        for day in standing_dates(order, first, end):
            if (order.id, day) in made_dates:
                continue
            for line in order.lines:
                demand[(line.crop_id, line.unit)][index[iso_week(day)]] += line.quantity

    capacity: dict[tuple[int, Unit], Decimal] = defaultdict(lambda: Decimal("0.00"))
    mine: dict[tuple[int, Unit], Decimal] = defaultdict(lambda: Decimal("0.00"))
    offered = db.session.execute(sa.select(FarmCapacity.crop_id, FarmCapacity.unit, FarmCapacity.weekly_quantity,
                                           FarmCapacity.farmer_id, FarmCapacity.plot_id)
                                 .where(FarmCapacity.is_active.is_(True))).all()
    # Only what allocation can ask for: plots certified organic today (not those in conversion or lapsed).
    certified = {plot_id for plot_id, status in pgs_statuses(sorted({r.plot_id for r in offered}), first).items()
                 if status.is_valid_certificate}
    for row in offered:
        if row.plot_id not in certified:
            continue
        capacity[(row.crop_id, row.unit)] += row.weekly_quantity
        if farmer is not None and row.farmer_id == farmer.id:
            mine[(row.crop_id, row.unit)] += row.weekly_quantity

    # Supporters' purchase guarantees ("20 kg a week for the canteen until March"): shown beside the orders, not
    # added to them, since a guarantor's own standing orders may be what fills its guarantee.
    guaranteed: dict[tuple[int, Unit], list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * weeks)
    for promise in guarantees_between(first, end):
        for n, day in enumerate(mondays):
            if promise.starts_on <= day + timedelta(days=6) and promise.ends_on >= day:
                guaranteed[(promise.crop_id, Unit.KG)][n] += promise.kg_per_week

    keys = set(demand) | set(capacity) | set(guaranteed)
    crops = {crop.id: crop for crop in db.session.scalars(sa.select(Crop).where(Crop.id.in_({k[0] for k in keys})))}
    rows = [OutlookRow(crops[crop_id], unit, demand[(crop_id, unit)] if (crop_id, unit) in demand
                       else [Decimal("0.00")] * weeks, capacity[(crop_id, unit)], mine[(crop_id, unit)],
                       guaranteed[(crop_id, unit)] if (crop_id, unit) in guaranteed else [Decimal("0.00")] * weeks)
            for crop_id, unit in keys]
    rows.sort(key=lambda row: (-max(max(row.demand), max(row.guaranteed)), row.crop.name_th))
    return Outlook(mondays, rows)
