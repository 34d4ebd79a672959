"""Kitchens' bulk and standing orders, farms' weekly capacity, and the allocation of each line across farms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import Role, User
from greensmile.bulk import notify
from greensmile.bulk.errors import BulkError, IllegalMove, NotAllowed
from greensmile.bulk.models import (
    BulkEvent,
    BulkLine,
    BulkOrder,
    BulkStatus,
    BuyerProfile,
    FarmCapacity,
    PaymentTerms,
    Share,
    ShareStatus,
    StandingLine,
    StandingOrder,
    StandingStatus,
)
from greensmile.bulk.transitions import check_bulk_move, check_share_move, check_standing_move
from greensmile.certification import scope
from greensmile.certification.models import CertStatus
from greensmile.certification.services import today
from greensmile.db import compare_and_set, squeeze
from greensmile.extensions import db
from greensmile.i18n import for_the_record, format_quantity_for
from greensmile.listings import services as listings
from greensmile.listings.models import Unit
from greensmile.network.models import Category, Membership, Organisation, OrganisationKind
from greensmile.plots.models import Crop, Plot

MAX_LINES = 30
GENERATE_WEEKS = 2  # `bulk generate` makes each standing order's orders this many weeks ahead
# Produce for a kitchen must be certified organic on the delivery date (not merely in conversion).
CERTIFIED = (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS)


def iso_week(on: date) -> str:
    year, week, _day = on.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------- who may do what
# The buyers that order food for delivery (and are invoiced for it); a rubber exporter buys lots, not kitchen food.
KITCHEN_KINDS = frozenset({OrganisationKind.HOSPITAL_KITCHEN, OrganisationKind.COMMUNITY_KITCHEN,
                           OrganisationKind.SCHOOL})


def buyer_organisations_of(user: User) -> list[Organisation]:
    """The kitchens this user orders for (a coordinator sees them all)."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if not user.has_role(Role.COORDINATOR):
        query = query.join(Membership, Membership.organisation_id == Organisation.id).where(
            Membership.user_id == user.id)
    return [org for org in db.session.scalars(query) if org.kind in KITCHEN_KINDS]


def can_view(user: User, organisation: Organisation) -> bool:
    if user.has_role(Role.COORDINATOR):
        return True
    return (organisation.category is Category.BUYER
            and db.session.get(Membership, (organisation.id, user.id)) is not None)


def can_order_for(user: User, organisation: Organisation) -> bool:
    return can_view(user, organisation) and user.has_role(Role.BUYER, Role.COORDINATOR)


def require_buyer(user: User, organisation: Organisation) -> None:
    if organisation.kind not in KITCHEN_KINDS or not can_order_for(user, organisation):
        raise NotAllowed()


def require_coordinator(user: User) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise NotAllowed(_l("Only a coordinator may allocate orders to farms."))


def lock_order(order: BulkOrder) -> BulkOrder:
    """Take the order's row lock and read it, its lines and shares afresh: two people acting on one order at
    once (two farms confirming, a double-click on "share out", the buyer editing while the coordinator
    allocates) then act one after the other, each seeing what the other did."""
    db.session.flush()
    db.session.execute(sa.select(BulkOrder.id).where(BulkOrder.id == order.id).with_for_update())
    # Re-read in place (populate_existing): objects the caller holds show what is in the database now.
    db.session.scalars(
        sa.select(BulkOrder).where(BulkOrder.id == order.id)
        .options(selectinload(BulkOrder.lines).selectinload(BulkLine.shares))
        .execution_options(populate_existing=True)
    ).one()
    return order


def amount_text(quantity: Decimal, unit: Unit) -> str:
    """A quantity for a history line, in Thai (the network's language of record)."""
    return f"{format_quantity_for(quantity, 'th')} {for_the_record(unit.label)}"


def record_event(order: BulkOrder, action: str, actor: User | None, detail: str = "", share: Share | None = None) -> None:
    db.session.add(BulkEvent(order=order, action=action, actor_id=actor.id if actor else None, detail=detail,
                             share_id=share.id if share is not None else None))


def move_order(order: BulkOrder, target: BulkStatus, actor: User | None, detail: str = "") -> None:
    if order.status is target:
        return
    check_bulk_move(order.status, target)
    if not compare_and_set(order, "status", target):
        raise IllegalMove(_l("Someone else changed this order a moment ago; look at it again."))
    record_event(order, target.value, actor, detail)
    if target is BulkStatus.CONFIRMED:  # every farm asked has answered: the note says who brings what
        notify.note_ready(order)


def move_share(share: Share, target: ShareStatus) -> None:
    check_share_move(share.status, target)
    if not compare_and_set(share, "status", target):
        raise IllegalMove(_l("Someone else answered this share a moment ago; look at it again."))


# ---------------------------------------------------------------- the organisation's delivery details
@dataclass
class ProfileData:
    delivery_address: str
    delivery_weekdays: list[int]
    window_opens: object = None
    window_closes: object = None
    payment_terms: PaymentTerms = PaymentTerms.INVOICE
    invoice_days: int = 30
    contact_name: str = ""


def profile_of(organisation: Organisation) -> BuyerProfile:
    """The saved profile, or an unsaved default (weekday deliveries, a 30-day invoice)."""
    found = db.session.get(BuyerProfile, organisation.id)
    return found or BuyerProfile(organisation_id=organisation.id, delivery_address="", delivery_weekdays="12345",
                                 payment_terms=PaymentTerms.INVOICE, invoice_days=30, contact_name="")


def save_profile(acting: User, organisation: Organisation, data: ProfileData) -> BuyerProfile:
    """Coordinators, and the organisation's own buyers, keep its delivery address, days and terms."""
    require_buyer(acting, organisation)
    if not data.delivery_weekdays:
        raise BulkError(_l("Choose at least one day the kitchen takes deliveries."))
    if data.window_opens and data.window_closes and data.window_closes <= data.window_opens:
        raise BulkError(_l("The delivery window must close after it opens."))
    if not 0 <= data.invoice_days <= 120:
        raise BulkError(_l("Invoices are due within 0 to 120 days."))
    profile = db.session.get(BuyerProfile, organisation.id)
    current = profile or profile_of(organisation)
    if not acting.has_role(Role.COORDINATOR) and (data.payment_terms, data.invoice_days) != (
            current.payment_terms, current.invoice_days):
        raise NotAllowed(_l("Payment terms are agreed with the network: ask a coordinator to change them."))
    if profile is None:
        profile = BuyerProfile(organisation_id=organisation.id)
        db.session.add(profile)
    profile.delivery_address = squeeze(data.delivery_address)[:300]
    profile.delivery_weekdays = "".join(str(day) for day in sorted(set(data.delivery_weekdays)))
    profile.window_opens, profile.window_closes = data.window_opens, data.window_closes
    profile.payment_terms, profile.invoice_days = data.payment_terms, data.invoice_days
    profile.contact_name = squeeze(data.contact_name)[:120]
    db.session.flush()
    return profile


# ---------------------------------------------------------------- farms' weekly capacity
@dataclass
class CapacityData:
    plot_id: int
    crop_id: int
    unit: Unit
    weekly_quantity: Decimal
    price_satang: int
    is_active: bool = True


def save_capacity(farmer: User, capacity: FarmCapacity | None, data: CapacityData) -> FarmCapacity:
    """A farm states what one of its plots can give kitchens each week, and at what price."""
    if capacity is not None and capacity.farmer_id != farmer.id:
        raise NotAllowed()
    plot = db.session.get(Plot, data.plot_id)
    if plot is None or plot.owner_id != farmer.id:
        raise NotAllowed(_l("Choose one of your own plots."))
    crop = db.session.get(Crop, data.crop_id)
    if crop is None:
        raise BulkError(_l("Choose a crop from the list."))
    # A plot not yet decided on may state its capacity ahead: it is only asked once a decision covers the crop.
    problem = scope.outside_scope(plot, crop, undecided_ok=True)
    if problem:
        raise BulkError(problem)
    quantity = listings.check_quantity(data.weekly_quantity, data.unit)
    if not 0 < data.price_satang <= 10_000_000:
        raise BulkError(_l("Enter a price between ฿0.01 and ฿100,000."))
    clash = db.session.scalar(sa.select(FarmCapacity.id).where(
        FarmCapacity.plot_id == plot.id, FarmCapacity.crop_id == data.crop_id, FarmCapacity.unit == data.unit,
        FarmCapacity.id != (capacity.id if capacity else -1)))
    if clash is not None:
        raise BulkError(_l("This plot already offers that crop by that unit: change that entry instead."))
    if capacity is None:
        capacity = FarmCapacity(farmer_id=farmer.id)
        db.session.add(capacity)
    capacity.plot_id, capacity.crop_id, capacity.unit = plot.id, data.crop_id, data.unit
    capacity.weekly_quantity, capacity.price_satang, capacity.is_active = quantity, data.price_satang, data.is_active
    db.session.flush()
    return capacity


def capacities_of(farmer: User) -> list[FarmCapacity]:
    return list(db.session.scalars(
        sa.select(FarmCapacity).where(FarmCapacity.farmer_id == farmer.id)
        .options(joinedload(FarmCapacity.plot), joinedload(FarmCapacity.crop))
        .order_by(FarmCapacity.plot_id, FarmCapacity.crop_id)
    ))


# ---------------------------------------------------------------- placing and changing orders
@dataclass
class LineData:
    crop_id: int
    unit: Unit
    quantity: Decimal
    max_price_satang: int | None = None


def _checked_lines(lines: list[LineData]) -> list[LineData]:
    if not lines:
        raise BulkError(_l("Add at least one line: a crop and how much of it."))
    if len(lines) > MAX_LINES:
        raise BulkError(_l("An order has at most %(count)d lines.", count=MAX_LINES))
    seen, crops = set(), {crop.id: crop for crop in db.session.scalars(
        sa.select(Crop).where(Crop.id.in_({line.crop_id for line in lines})))}
    for line in lines:
        crop = crops.get(line.crop_id)
        if crop is None:
            raise BulkError(_l("Choose a crop from the list."))
        if (line.crop_id, line.unit) in seen:
            raise BulkError(_l("%(crop)s is on the order twice: put it on one line.", crop=crop.name_th))
        seen.add((line.crop_id, line.unit))
        line.quantity = listings.check_quantity(line.quantity, line.unit)
        if line.max_price_satang is not None and not 0 < line.max_price_satang <= 10_000_000:
            raise BulkError(_l("Enter a price between ฿0.01 and ฿100,000."))
    return lines


def _check_delivery_date(organisation: Organisation, delivery_on: date) -> None:
    if delivery_on <= today():
        raise BulkError(_l("Order for tomorrow or later: farms need time to harvest."))
    if delivery_on > today() + timedelta(days=366):
        raise BulkError(_l("Order at most a year ahead."))
    profile = profile_of(organisation)
    if delivery_on.isoweekday() not in profile.weekday_numbers:
        raise BulkError(_l("The kitchen does not take deliveries on that day of the week."))


def place_order(acting: User, organisation: Organisation, delivery_on: date, lines: list[LineData],
                note: str = "") -> BulkOrder:
    """A one-off order for one delivery date."""
    require_buyer(acting, organisation)
    _check_delivery_date(organisation, delivery_on)
    order = BulkOrder(organisation_id=organisation.id, delivery_on=delivery_on, status=BulkStatus.OPEN,
                      note=squeeze(note)[:300], created_by_id=acting.id)
    db.session.add(order)
    _set_lines(order, _checked_lines(lines))
    record_event(order, "placed", acting)
    db.session.flush()
    return order


def _set_lines(order: BulkOrder, lines: list[LineData]) -> None:
    order.lines.clear()
    db.session.flush()  # the old lines go before the new ones meet the unique constraint
    for line in lines:
        order.lines.append(BulkLine(crop_id=line.crop_id, unit=line.unit, quantity=line.quantity,
                                    max_price_satang=line.max_price_satang))


def change_order(acting: User, order: BulkOrder, lines: list[LineData], note: str | None = None) -> BulkOrder:
    """Change a week's lines while it waits for allocation (a standing order's week, or a one-off)."""
    require_buyer(acting, order.organisation)
    lock_order(order)
    if order.status is not BulkStatus.OPEN:
        raise IllegalMove(_l("Farms have been asked already: ask the coordinator to change it."))
    _set_lines(order, _checked_lines(lines))
    if note is not None:
        order.note = squeeze(note)[:300]
    record_event(order, "changed", acting)
    db.session.flush()
    return order


def skip(acting: User, order: BulkOrder) -> None:
    """Not this week: only a standing order's week that farms have not been asked for yet."""
    require_buyer(acting, order.organisation)
    if order.standing_order_id is None:
        raise IllegalMove(_l("Only a week of a standing order can be skipped; cancel a one-off order instead."))
    lock_order(order)
    move_order(order, BulkStatus.SKIPPED, acting)
    db.session.flush()


def unskip(acting: User, order: BulkOrder) -> None:
    require_buyer(acting, order.organisation)
    if order.delivery_on <= today():
        raise IllegalMove(_l("That delivery date has passed."))
    move_order(order, BulkStatus.OPEN, acting)
    db.session.flush()


def cancel(acting: User, order: BulkOrder, reason: str) -> None:
    """Withdraw an order before delivery; every farm asked or committed is told."""
    require_buyer(acting, order.organisation)
    reason = squeeze(reason)
    if not reason:
        raise BulkError(_l("Say why the order is cancelled: the farms will read it."))
    lock_order(order)
    move_order(order, BulkStatus.CANCELLED, acting, reason)
    withdrawn = []
    for line in order.lines:
        for share in line.shares:
            if share.status in (ShareStatus.PROPOSED, ShareStatus.CONFIRMED):
                move_share(share, ShareStatus.WITHDRAWN)
                withdrawn.append(share)
    db.session.flush()
    notify.shares_cancelled(withdrawn, reason)


# ---------------------------------------------------------------- standing orders
def create_standing(acting: User, organisation: Organisation, weekdays: list[int], starts_on: date,
                    ends_on: date, lines: list[LineData], note: str = "") -> StandingOrder:
    """The same lines every week on the chosen days; the first weeks' orders are made at once."""
    require_buyer(acting, organisation)
    days = sorted(set(weekdays))
    if not days or any(day not in range(1, 8) for day in days):
        raise BulkError(_l("Choose at least one day of the week."))
    accepted = profile_of(organisation).weekday_numbers
    if any(day not in accepted for day in days):
        raise BulkError(_l("The kitchen does not take deliveries on that day of the week."))
    if starts_on <= today():
        raise BulkError(_l("Start tomorrow or later: farms need time to harvest."))
    if starts_on > today() + timedelta(days=366):
        raise BulkError(_l("Start within a year."))
    if ends_on < starts_on or ends_on > starts_on + timedelta(days=366):
        raise BulkError(_l("End the standing order after it starts, and within a year."))
    standing = StandingOrder(organisation_id=organisation.id, weekdays="".join(map(str, days)),
                             starts_on=starts_on, ends_on=ends_on, note=squeeze(note)[:300],
                             created_by_id=acting.id, status=StandingStatus.ACTIVE)
    for line in _checked_lines(lines):
        standing.lines.append(StandingLine(crop_id=line.crop_id, unit=line.unit, quantity=line.quantity,
                                           max_price_satang=line.max_price_satang))
    db.session.add(standing)
    db.session.flush()
    generate(standing_ids=[standing.id])
    return standing


def end_standing(acting: User, standing: StandingOrder) -> None:
    """Stop making new weeks; the weeks already made stand (skip or cancel them one by one)."""
    require_buyer(acting, standing.organisation)
    if standing.status is StandingStatus.ENDED:
        return
    check_standing_move(standing.status, StandingStatus.ENDED)
    standing.status = StandingStatus.ENDED
    db.session.flush()


def standing_dates(standing: StandingOrder, start: date, end: date) -> list[date]:
    """The delivery dates of a standing order between start and end (inclusive)."""
    first, last = max(start, standing.starts_on), min(end, standing.ends_on)
    days = set(standing.weekday_numbers)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if (first + timedelta(days=n)).isoweekday() in days]


def generate(on: date | None = None, weeks: int = GENERATE_WEEKS, standing_ids: list[int] | None = None) -> int:
    """Make each active standing order's orders for the coming weeks; a week made before is never made again."""
    start = (on or today()) + timedelta(days=1)
    end = start + timedelta(days=7 * weeks)
    query = sa.select(StandingOrder).where(StandingOrder.status == StandingStatus.ACTIVE,
                                           StandingOrder.ends_on >= start, StandingOrder.starts_on <= end)
    if standing_ids is not None:
        query = query.where(StandingOrder.id.in_(standing_ids))
    made = 0
    for standing in db.session.scalars(query.options(selectinload(StandingOrder.lines)).order_by(StandingOrder.id)):
        existing = set(db.session.scalars(sa.select(BulkOrder.delivery_on).where(
            BulkOrder.standing_order_id == standing.id, BulkOrder.delivery_on >= start)))
        for delivery_on in standing_dates(standing, start, end):
            if delivery_on in existing:
                continue
            order = BulkOrder(organisation_id=standing.organisation_id, delivery_on=delivery_on,
                              standing_order_id=standing.id, status=BulkStatus.OPEN, note=standing.note,
                              created_by_id=standing.created_by_id)
            order.lines = [BulkLine(crop_id=line.crop_id, unit=line.unit, quantity=line.quantity,
                                    max_price_satang=line.max_price_satang) for line in standing.lines]
            try:
                # Two runs at once (cron and a buyer's save): the unique constraint keeps one, the other skips.
                with db.session.begin_nested():
                    db.session.add(order)
                    record_event(order, "generated", None)
            except IntegrityError:
                continue
            made += 1
    db.session.flush()
    return made


# ---------------------------------------------------------------- what people look at
def orders_of(organisations: list[Organisation], start: date | None = None) -> list[BulkOrder]:
    start = start or today() - timedelta(days=14)
    if not organisations:
        return []
    return list(db.session.scalars(
        sa.select(BulkOrder).where(BulkOrder.organisation_id.in_([o.id for o in organisations]),
                                   BulkOrder.delivery_on >= start)
        .options(joinedload(BulkOrder.organisation), selectinload(BulkOrder.lines).joinedload(BulkLine.crop),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares))
        .order_by(BulkOrder.delivery_on, BulkOrder.id).limit(200)
    ))


def order_with_details(order_id: int) -> BulkOrder | None:
    """One order with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(BulkOrder).where(BulkOrder.id == order_id)
        .options(joinedload(BulkOrder.organisation), selectinload(BulkOrder.lines).joinedload(BulkLine.crop),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares).joinedload(Share.plot),
                 selectinload(BulkOrder.lines).selectinload(BulkLine.shares).joinedload(Share.farmer),
                 selectinload(BulkOrder.events).joinedload(BulkEvent.actor))
    )


def standing_orders_of(organisations: list[Organisation]) -> list[StandingOrder]:
    if not organisations:
        return []
    return list(db.session.scalars(
        sa.select(StandingOrder).where(StandingOrder.organisation_id.in_([o.id for o in organisations]))
        .options(joinedload(StandingOrder.organisation), selectinload(StandingOrder.lines).joinedload(StandingLine.crop))
        .order_by(StandingOrder.id.desc())
    ))
