"""Sharing a kitchen's lines out among farms: what each farm can still offer, the fair proposal, the
coordinator's adjustments, and each farm's answer."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import User
from greensmile.bulk import notify
from greensmile.bulk.allocation import fair_split
from greensmile.bulk.errors import BulkError, IllegalMove, NotAllowed, OverOffer
from greensmile.bulk.models import BulkLine, BulkOrder, BulkStatus, FarmCapacity, Share, ShareStatus
from greensmile.bulk.services import (
    CERTIFIED,
    amount_text,
    iso_week,
    lock_order,
    move_order,
    move_share,
    record_event,
    require_coordinator,
)
from greensmile.certification import scope
from greensmile.certification.services import today
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.i18n import for_the_record, format_quantity_for
from greensmile.listings import services as listings


@dataclass
class Offer:
    capacity: FarmCapacity
    remaining: Decimal  # what is left of its weekly quantity in the delivery week


def _certified_on(plot_ids: list[int], on: date) -> set[int]:
    statuses = listings.plot_statuses(plot_ids, on)
    return {plot_id for plot_id, status in statuses.items() if status in CERTIFIED}


def offers_for(line: BulkLine, lock: bool = False) -> list[Offer]:
    """Every plot that can give this line: its farm stated capacity for the crop, it is certified organic on the
    delivery date, its price is within the line's maximum, and its week is not yet taken (declining farms out)."""
    order = line.order
    query = (sa.select(FarmCapacity).where(FarmCapacity.crop_id == line.crop_id, FarmCapacity.unit == line.unit,
                                           FarmCapacity.is_active.is_(True))
             .options(joinedload(FarmCapacity.plot), joinedload(FarmCapacity.farmer)).order_by(FarmCapacity.id))
    if line.max_price_satang is not None:
        query = query.where(FarmCapacity.price_satang <= line.max_price_satang)
    if lock:  # two coordinators allocating at once must not both spend the same farm's week
        query = query.with_for_update(of=FarmCapacity)
    capacities = list(db.session.scalars(query).unique())
    declined = {share.farmer_id for share in line.shares if share.status is ShareStatus.DECLINED}
    capacities = [c for c in capacities if c.farmer_id not in declined]
    certified = _certified_on([c.plot_id for c in capacities], order.delivery_on)
    covered = scope.covered_crops([c.plot_id for c in capacities])  # a crop its certificate does not cover: not asked
    capacities = [c for c in capacities if c.plot_id in certified and c.crop_id in covered[c.plot_id]]
    week = iso_week(order.delivery_on)
    held = dict(db.session.execute(
        sa.select(Share.capacity_id, sa.func.sum(Share.quantity))
        .where(Share.capacity_id.in_([c.id for c in capacities]), Share.week == week,
               Share.status.in_([s for s in ShareStatus if s.holds]))
        .group_by(Share.capacity_id)
    ).all()) if capacities else {}
    offers = []
    for capacity in capacities:
        taken = held.get(capacity.id) or Decimal("0.00")  # sum() keeps the Quantity type: already a Decimal
        remaining = capacity.weekly_quantity - taken
        if remaining > 0:
            offers.append(Offer(capacity, remaining))
    return offers


def propose(acting: User, order: BulkOrder) -> dict[int, Decimal]:
    """Ask farms for every line's open quantity, spread fairly; returns each line's shortfall."""
    require_coordinator(acting)
    lock_order(order)
    if order.status not in (BulkStatus.OPEN, BulkStatus.ALLOCATING, BulkStatus.CONFIRMED):
        raise IllegalMove()
    shortfalls: dict[int, Decimal] = {}
    asked: list[Share] = []
    week = iso_week(order.delivery_on)
    for line in order.lines:
        open_quantity = line.shortfall
        if open_quantity <= 0:
            shortfalls[line.id] = Decimal("0.00")
            continue
        offers = offers_for(line, lock=True)
        by_farm: dict[int, list[Offer]] = defaultdict(list)
        for offer in offers:
            by_farm[offer.capacity.farmer_id].append(offer)
        step = Decimal(1) if line.unit.whole_numbers else Decimal("0.01")
        split = fair_split(open_quantity, {farm: sum(o.remaining for o in group) for farm, group in by_farm.items()},
                           step)
        for farm_id, quantity in split.shares.items():
            for offer in by_farm[farm_id]:  # a farm with several plots: fill them in turn
                take = min(quantity, offer.remaining)
                if take <= 0:
                    continue
                share = Share(line=line, plot_id=offer.capacity.plot_id, farmer_id=farm_id,
                              capacity_id=offer.capacity.id, quantity=take, week=week,
                              unit_price_satang=offer.capacity.price_satang, status=ShareStatus.PROPOSED)
                db.session.add(share)
                asked.append(share)
                quantity -= take
        shortfalls[line.id] = split.shortfall
    if asked:
        move_order(order, BulkStatus.ALLOCATING, acting)
    db.session.flush()
    for share in asked:
        record_event(order, "asked", acting, amount_text(share.quantity, share.line.unit), share)
    db.session.flush()
    notify.shares_requested(asked)
    return shortfalls


def adjust(acting: User, share: Share, quantity: Decimal) -> None:
    """The coordinator changes what a farm is asked for (0 takes the request back), never beyond its offer."""
    require_coordinator(acting)
    order = lock_order(share.line.order)
    if share.status is not ShareStatus.PROPOSED:
        raise IllegalMove(_l("The farm has answered already; only a request still waiting can be changed."))
    if quantity <= 0:
        move_share(share, ShareStatus.WITHDRAWN)
        record_event(order, "withdrawn", acting, "", share)
        notify.shares_cancelled([share])
    else:
        quantity = listings.check_quantity(quantity, share.line.unit)
        offer = next((o for o in offers_for(share.line, lock=True) if o.capacity.id == share.capacity_id), None)
        room = (offer.remaining if offer else Decimal(0)) + share.quantity
        if quantity > room:
            raise OverOffer()
        _check_line_room(share.line, quantity - share.quantity)
        changed = quantity != share.quantity
        share.quantity = quantity
        record_event(order, "adjusted", acting, amount_text(quantity, share.line.unit), share)
        if changed:
            notify.shares_requested([share], changed=True)
    _settle_allocation(order, acting)
    db.session.flush()


def ask(acting: User, line: BulkLine, capacity_id: int, quantity: Decimal) -> Share:
    """The coordinator asks one more plot for part of a line, within what its farm offered that week."""
    require_coordinator(acting)
    order = lock_order(line.order)
    if order.status not in (BulkStatus.OPEN, BulkStatus.ALLOCATING, BulkStatus.CONFIRMED):
        raise IllegalMove()
    quantity = listings.check_quantity(quantity, line.unit)
    offer = next((o for o in offers_for(line, lock=True) if o.capacity.id == capacity_id), None)
    if offer is None or quantity > offer.remaining:
        raise OverOffer()
    _check_line_room(line, quantity)
    share = Share(line=line, plot_id=offer.capacity.plot_id, farmer_id=offer.capacity.farmer_id,
                  capacity_id=capacity_id, quantity=quantity, week=iso_week(order.delivery_on),
                  unit_price_satang=offer.capacity.price_satang, status=ShareStatus.PROPOSED)
    db.session.add(share)
    db.session.flush()
    move_order(order, BulkStatus.ALLOCATING, acting)
    record_event(order, "asked", acting, amount_text(quantity, line.unit), share)
    db.session.flush()
    notify.shares_requested([share])
    return share


def _check_line_room(line: BulkLine, more: Decimal) -> None:
    """Never ask farms for more than the kitchen ordered."""
    if line.allocated + more > line.quantity:
        raise BulkError(_l("That is more than the kitchen ordered: %(quantity)s is still open.",
                           quantity=format_quantity_for(line.shortfall, str(get_locale()))))


def confirm_share(farmer: User, share: Share) -> None:
    """The farm will deliver its share, if its plot is still certified for the delivery date."""
    if share.farmer_id != farmer.id:
        raise NotAllowed()
    order = lock_order(share.line.order)
    if share.plot_id not in _certified_on([share.plot_id], order.delivery_on):
        raise BulkError(_l("Plot %(code)s has no valid organic certificate for the delivery date, so it cannot "
                           "supply this kitchen; decline the request.", code=share.plot.code))
    problem = scope.outside_scope(share.plot, share.line.crop)
    if problem:
        raise BulkError(problem)
    move_share(share, ShareStatus.CONFIRMED)
    share.answered_at = utcnow()
    record_event(share.line.order, "confirmed", farmer, "", share)
    notify.share_answered(share)
    _settle_allocation(share.line.order, farmer)
    db.session.flush()


def decline_share(farmer: User, share: Share, reason: str) -> None:
    """The farm cannot deliver: its quantity is open again for the coordinator to ask another farm."""
    if share.farmer_id != farmer.id:
        raise NotAllowed()
    reason = squeeze(reason)
    if not reason:
        raise BulkError(_l("Say why you cannot deliver it: the coordinator will read it."))
    lock_order(share.line.order)
    move_share(share, ShareStatus.DECLINED)
    share.answered_at, share.answer_note = utcnow(), reason[:1000]
    record_event(share.line.order, "declined", farmer, reason, share)
    notify.share_answered(share)
    _settle_allocation(share.line.order, farmer)
    db.session.flush()


def close_allocation(acting: User, order: BulkOrder) -> None:
    """Accept a shortfall: confirm the order with what the farms confirmed, nothing more being asked."""
    require_coordinator(acting)
    lock_order(order)
    if any(share.status is ShareStatus.PROPOSED for line in order.lines for share in line.shares):
        raise IllegalMove(_l("Some farms have not answered yet."))
    if not any(share.status is ShareStatus.CONFIRMED for line in order.lines for share in line.shares):
        raise IllegalMove(_l("No farm has confirmed anything for this order."))
    move_order(order, BulkStatus.CONFIRMED, acting, for_the_record(_l("Shortfall accepted.")))
    db.session.flush()


def _settle_allocation(order: BulkOrder, actor: User | None) -> None:
    """Confirmed once every line is covered by confirmed shares; open again when nothing is asked of anyone."""
    db.session.flush()
    shares = [share for line in order.lines for share in line.shares]
    if order.status is BulkStatus.ALLOCATING:
        waiting = any(share.status is ShareStatus.PROPOSED for share in shares)
        if not waiting and all(line.shortfall <= 0 for line in order.lines):
            move_order(order, BulkStatus.CONFIRMED, actor)
        elif not waiting and not any(share.status is ShareStatus.CONFIRMED for share in shares):
            move_order(order, BulkStatus.OPEN, actor)



def to_allocate(start: date | None = None) -> list[BulkOrder]:
    """The coordinator's queue: orders still waiting for farms, soonest delivery first."""
    start = start or today()
    return list(db.session.scalars(
        sa.select(BulkOrder).where(BulkOrder.status.in_((BulkStatus.OPEN, BulkStatus.ALLOCATING)),
                                   BulkOrder.delivery_on >= start)
        .options(joinedload(BulkOrder.organisation), selectinload(BulkOrder.lines).joinedload(BulkLine.crop),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares))
        .order_by(BulkOrder.delivery_on, BulkOrder.id).limit(200)
    ))


def shares_of_farmer(farmer: User, start: date | None = None) -> list[Share]:
    start = start or today() - timedelta(days=7)
    return list(db.session.scalars(
        sa.select(Share).join(BulkLine, BulkLine.id == Share.line_id).join(BulkOrder, BulkOrder.id == BulkLine.order_id)
        .where(Share.farmer_id == farmer.id, BulkOrder.delivery_on >= start)
        .options(joinedload(Share.line).joinedload(BulkLine.order).joinedload(BulkOrder.organisation),
                 joinedload(Share.line).joinedload(BulkLine.crop), joinedload(Share.plot))
        .order_by(BulkOrder.delivery_on, Share.id).limit(300)
    ))
