"""Pre-orders: the cart, one checkout that reserves stock at once, the order's life, expiry, pick lists.

Reservations always take listing rows in ascending id order (reserve) and give them back in the same order
(release), so two transactions never wait on each other in a circle.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, lazyload, selectinload

from greensmile.accounts.models import Role, User
from greensmile.db import MAX_ID, compare_and_set, squeeze, utcnow
from greensmile.extensions import db
from greensmile.i18n import for_the_record, format_quantity_for
from greensmile.listings import services as listings
from greensmile.listings.errors import BadQuantity
from greensmile.listings.models import Listing, PickupPoint, Unit
from greensmile.orders import notify
from greensmile.orders.errors import NotYourOrder, OrderChanged, OrderError, PaymentUnavailable, SoldOut
from greensmile.orders.models import Checkout, Order, OrderEvent, OrderLine, OrderStatus, PaymentMethod
from greensmile.orders.transitions import check_order_move
from greensmile.payments import gateway
from greensmile.payments import services as payments
from greensmile.payments.errors import AmountTooSmall
from greensmile.plots.models import Crop, Plot

MAX_CART_LINES = 30


def line_total(price_satang: int, quantity: Decimal) -> int:
    """Price × quantity in whole satang, rounded half up (0.5 satang is never left to a float)."""
    return int((Decimal(price_satang) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _qty(value: Decimal) -> str:
    return format_quantity_for(value, str(get_locale()))


def _seller(farmer_id: int) -> str:
    return f"user:{farmer_id}"


def payment_methods(farmer_ids: list[int] | None = None) -> list[PaymentMethod]:
    """PromptPay straight to the farmers when every farmer in the basket has a PromptPay ID; Stripe's PromptPay and
    card when the Stripe secret key and webhook secret are set; cash and transfer at pickup always."""
    methods = []
    if farmer_ids and len(payments.accounts_of([_seller(i) for i in farmer_ids])) == len(set(farmer_ids)):
        methods.append(PaymentMethod.PROMPTPAY_SELLER)
    if gateway.enabled():
        methods += [PaymentMethod.PROMPTPAY, PaymentMethod.CARD]
    return methods + [PaymentMethod.CASH, PaymentMethod.TRANSFER]


# ---------------------------------------------------------------- the cart (kept in the visitor's session)
def parse_quantity(text: str) -> Decimal:
    try:
        quantity = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise BadQuantity(_l("Enter a quantity as a number.")) from None
    if not quantity.is_finite():
        raise BadQuantity(_l("Enter a quantity as a number."))
    return quantity


def cart_from_session(raw: dict | None) -> dict[int, Decimal]:
    """The cart as stored in the session cookie ({listing id: quantity text}); anything odd is dropped."""
    cart = {}
    for key, value in (raw or {}).items():
        try:
            quantity = Decimal(str(value))
        except (InvalidOperation, ValueError):
            continue
        if str(key).isdigit() and int(key) <= MAX_ID and quantity.is_finite() and quantity > 0:
            cart[int(key)] = quantity
    return dict(list(cart.items())[:MAX_CART_LINES])


def cart_to_session(cart: dict[int, Decimal]) -> dict[str, str]:
    return {str(listing_id): str(quantity) for listing_id, quantity in cart.items()}


def set_in_cart(cart: dict[int, Decimal], listing: Listing, quantity: Decimal) -> dict[int, Decimal]:
    """Put a quantity of a listing in the cart (0 takes it out); checks the unit and what is left now."""
    cart = dict(cart)
    if quantity == 0:
        cart.pop(listing.id, None)
        return cart
    listings.check_quantity(quantity, listing.unit)
    if listing.available < quantity:
        raise SoldOut(_l("Only %(available)s %(unit)s left.", available=_qty(listing.available), unit=listing.unit.label))
    if listing.id not in cart and len(cart) >= MAX_CART_LINES:
        raise OrderError(_l("The cart is full."))
    cart[listing.id] = quantity
    return cart


@dataclass
class CartLine:
    listing: Listing
    quantity: Decimal
    total_satang: int
    label: str
    problem: str = ""


@dataclass
class CartGroup:
    """What one farmer will fill: the lines, where they can all be collected, the subtotal."""

    farmer: User
    lines: list[CartLine] = field(default_factory=list)
    pickup_points: list[PickupPoint] = field(default_factory=list)

    @property
    def subtotal_satang(self) -> int:
        return sum(line.total_satang for line in self.lines)


def cart_view(cart: dict[int, Decimal], *, photos: bool = True) -> list[CartGroup]:
    """The cart grouped by farmer, each line priced and checked against what is on sale now (`photos`: with the
    listings' photos, for the cart page; a checkout does without)."""
    if not cart:
        return []
    options = [joinedload(Listing.farmer), joinedload(Listing.plot), joinedload(Listing.crop),
               selectinload(Listing.pickup_points)]
    found = db.session.scalars(
        sa.select(Listing).where(Listing.id.in_(list(cart)))
        .options(*options, selectinload(Listing.photos) if photos else lazyload(Listing.photos))
        .order_by(Listing.id)
    ).unique().all()
    # Stock is judged from the rows loaded above: a second read could see a later commit than the first.
    sellable = set(db.session.scalars(sa.select(Listing.id).where(Listing.id.in_(list(cart)),
                                                                  listings.on_sale(in_stock=False))))
    labels = listings.labels_for(list(found))
    groups: dict[int, CartGroup] = {}
    for listing in found:
        quantity = cart[listing.id]
        group = groups.setdefault(listing.farmer_id, CartGroup(listing.farmer))
        problem = ""
        if listing.available <= 0:
            problem = str(SoldOut.message)
        elif listing.id not in sellable:
            problem = str(_l("No longer on sale."))
        elif listing.available < quantity:
            problem = str(_l("Only %(available)s %(unit)s left.", available=_qty(listing.available),
                             unit=listing.unit.label))
        group.lines.append(CartLine(listing, quantity, line_total(listing.price_satang, quantity),
                                    labels.get(listing.id, ""), problem))
    for group in groups.values():
        common = None
        for line in group.lines:
            ids = {point.id for point in line.listing.pickup_points if point.is_active}
            common = ids if common is None else common & ids
        points = {point.id: point for line in group.lines for point in line.listing.pickup_points}
        group.pickup_points = [points[i] for i in sorted(common or ())]
    return list(groups.values())


# ---------------------------------------------------------------- placing an order
@dataclass
class PickupChoice:
    pickup_point_id: int | None
    delivery_address: str = ""


def record(order: Order, target: OrderStatus, actor: User | None, reason: str = "") -> None:
    """Move the order through the transition table; refuse if someone else moved it since it was read."""
    before = order.status
    if before is not None:
        check_order_move(before, target)
    if before is not None and order.id is not None:
        # Conditional on the status we read: of two moves at once (a double-click, the farmer and the buyer,
        # a late webhook and expiry) exactly one goes through, so stock is never released twice.
        if not compare_and_set(order, "status", target):
            raise OrderChanged()
    else:
        order.status = target
    order.events.append(OrderEvent(from_status=before, to_status=target, actor_id=actor.id if actor else None,
                                   reason=reason))


def place_order(consumer: User, cart: dict[int, Decimal], choices: dict[int, PickupChoice],
                method: PaymentMethod, note: str = "", now: datetime | None = None,
                groups: list[CartGroup] | None = None, methods: list[PaymentMethod] | None = None) -> Checkout:
    """Reserve every line at once and make one order per farmer; nothing is kept if any line fails. `groups` and
    `methods`: the cart and the ways to pay as the caller read them in this transaction (the checkout page did)."""
    now = now or utcnow()
    groups = cart_view(cart, photos=False) if groups is None else groups
    if not groups:
        raise OrderError(_l("The cart is empty."))
    if method not in (methods if methods is not None else payment_methods([group.farmer.id for group in groups])):
        raise PaymentUnavailable()
    for group in groups:
        for line in group.lines:
            if line.problem:
                raise SoldOut(_l("%(title)s: %(problem)s", title=line.listing.title, problem=line.problem))
    checkout = Checkout(consumer_id=consumer.id, payment_method=method, total_satang=0)
    db.session.add(checkout)
    for group in groups:
        choice = choices.get(group.farmer.id)
        point = next((p for p in group.pickup_points if choice and p.id == choice.pickup_point_id), None)
        if point is None:
            raise OrderError(_l("Choose where to collect the order from %(farmer)s.",
                                farmer=group.farmer.display_name))
        address = squeeze(choice.delivery_address)
        if point.is_delivery and not address:
            raise OrderError(_l("Enter the delivery address for the order from %(farmer)s.",
                                farmer=group.farmer.display_name))
        order = Order(
            checkout=checkout, consumer_id=consumer.id, farmer_id=group.farmer.id, pickup_point_id=point.id,
            payment_method=method, delivery_address=address if point.is_delivery else "",
            note=squeeze(note)[:300], subtotal_satang=group.subtotal_satang,
            fee_satang=point.fee_satang if point.is_delivery else 0, status=None,
        )
        order.total_satang = order.subtotal_satang + order.fee_satang
        for line in group.lines:
            order.lines.append(OrderLine(
                listing_id=line.listing.id, title=line.listing.title, unit=line.listing.unit,
                quantity=line.quantity, unit_price_satang=line.listing.price_satang,
                total_satang=line.total_satang, label=line.label, plot_code=line.listing.plot.code))
        if method.online:
            order.expires_at = now + timedelta(minutes=current_app.config["ORDER_PAYMENT_MINUTES"])
            record(order, OrderStatus.PENDING_PAYMENT, consumer)
        else:
            record(order, OrderStatus.CONFIRMED, consumer)
        db.session.add(order)
    checkout.total_satang = sum(order.total_satang for order in checkout.orders)
    if method.through_stripe and checkout.total_satang < gateway.STRIPE_MIN_THB_SATANG:
        raise AmountTooSmall(_l("Paying through Stripe starts at ฿10. Add more, or pay the farmer straight by "
                                "PromptPay or at pickup."))
    db.session.flush()
    # Take stock last, in listing id order: the conditional UPDATE decides who gets the last kilo, and the row
    # lock it takes is held only from here to the commit.
    for listing_id in sorted(cart):
        if not listings.reserve(listing_id, cart[listing_id], now):
            title = next(line.listing.title for group in groups for line in group.lines
                         if line.listing.id == listing_id)
            raise SoldOut(_l("%(title)s is sold out: someone else ordered the last of it just now.", title=title))

    if method is PaymentMethod.PROMPTPAY_SELLER:
        # Our own QR code to each farmer's PromptPay ID: made here, in this transaction, with no network.
        accounts = payments.accounts_of([_seller(order.farmer_id) for order in checkout.orders])
        for order in checkout.orders:
            payments.start_direct("order", order.id, order.total_satang, accounts[_seller(order.farmer_id)],
                                  consumer.id)
    if not method.online:
        for order in checkout.orders:
            notify.order_placed(order)
    return checkout


def direct_payments(checkout: Checkout) -> list:
    """The newest payment of each of the checkout's orders paid straight to their farmers, in order."""
    newest = {payment.subject_id: payment for payment in payments.payments_for("order", [o.id for o in checkout.orders])}
    return [newest[order.id] for order in checkout.orders if order.id in newest]


def abandon(checkout: Checkout, reason: str) -> None:
    """The online payment could not even be started: cancel the waiting orders and give the stock back."""
    for order in checkout.orders:
        if order.status is OrderStatus.PENDING_PAYMENT:
            record(order, OrderStatus.CANCELLED, None, reason)
            order.expires_at = None
            listings.release({line.listing_id: line.quantity for line in order.lines})
    db.session.flush()


# ---------------------------------------------------------------- the order's life
def can_view(user: User, order: Order) -> bool:
    return user.id in (order.consumer_id, order.farmer_id) or user.has_role(Role.COORDINATOR)


def confirm_paid(order: Order, paid_at: datetime) -> None:
    """An online payment arrived for a waiting order."""
    record(order, OrderStatus.CONFIRMED, None)
    order.paid_at = paid_at
    order.expires_at = None
    notify.order_placed(order, paid=True)


def revive(order: Order, paid_at: datetime) -> bool:
    """A payment arrived after the order expired: take the stock again if all of it is still there."""
    savepoint = db.session.begin_nested()
    for line in order.lines:
        if not listings.reserve(line.listing_id, line.quantity, after_cutoff=True):
            savepoint.rollback()
            return False
    savepoint.commit()
    record(order, OrderStatus.CONFIRMED, None,
           for_the_record(_l("The payment arrived after the order had lapsed; the produce was still there.")))
    order.paid_at = paid_at
    notify.order_placed(order, paid=True)
    return True


def mark_ready(order: Order, farmer: User) -> None:
    if order.farmer_id != farmer.id:
        raise NotYourOrder()
    record(order, OrderStatus.READY, farmer)
    db.session.flush()
    notify.order_ready(order)


def mark_collected(order: Order, farmer: User) -> None:
    """Handed over; an order paid at pickup counts as paid now."""
    if order.farmer_id != farmer.id:
        raise NotYourOrder()
    record(order, OrderStatus.COLLECTED, farmer)
    if order.paid_at is None:
        order.paid_at = utcnow()
    db.session.flush()


def cancel(order: Order, actor: User, reason: str) -> None:
    """Cancel before pickup and give the stock back; money paid online is refunded through Stripe."""
    reason = (reason or "").strip()
    is_consumer = actor.id == order.consumer_id
    is_farmer = actor.id == order.farmer_id or actor.has_role(Role.COORDINATOR)
    if not (is_consumer or is_farmer):
        raise NotYourOrder()
    if not is_farmer and order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED):
        raise OrderError(_l("The farmer has already packed this order; ask them to cancel it."))
    if is_farmer and not is_consumer and not reason:
        raise OrderError(_l("Say why the order is cancelled: the buyer will read it."))
    paid_online = order.payment_method.online and order.paid_at is not None
    record(order, OrderStatus.REFUNDED if paid_online else OrderStatus.CANCELLED, actor, reason)
    order.cancel_reason = reason
    order.expires_at = None
    if paid_online:
        # Before the stock goes back: Stripe is called while only this order's row is locked, never the
        # listings every checkout needs. Paid straight to the farmer, the refund is theirs to transfer back.
        kind, subject = ("checkout", order.checkout_id) if order.payment_method.through_stripe else ("order", order.id)
        payment = payments.succeeded_payment(kind, subject)
        if payment is None:
            raise OrderError(_l("There is no online payment to refund for this order."))
        payments.refund_part(payment, f"order:{order.id}", order.total_satang, actor.id)
    # A direct QR code not yet confirmed stays open: a buyer who paid a moment ago can still send the slip, and the
    # farmer then gives the money back (see orders/payables.py).
    listings.release({line.listing_id: line.quantity for line in order.lines})
    db.session.flush()
    notify.order_cancelled(order, actor)


def expire_due(now: datetime | None = None, limit: int = 500) -> int:
    """Expire unpaid online orders past their time and give their stock back. Safe to run every minute."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now)
        .order_by(Order.id).limit(limit)
    ).all()
    if not due:
        return 0
    expired = []
    for order_id in due:
        # The status check in the UPDATE makes two runs at once (or a payment landing now) expire it once.
        moved = db.session.execute(
            # expires_at again: a slip sent meanwhile holds the order for its farmer (expires_at cleared).
            sa.update(Order).where(Order.id == order_id, Order.status == OrderStatus.PENDING_PAYMENT,
                                   Order.expires_at <= now)
            .values(status=OrderStatus.EXPIRED, expires_at=None).execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            expired.append(order_id)
            db.session.add(OrderEvent(order_id=order_id, from_status=OrderStatus.PENDING_PAYMENT,
                                      to_status=OrderStatus.EXPIRED))
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for line in db.session.scalars(sa.select(OrderLine).where(OrderLine.order_id.in_(expired))):
        returned[line.listing_id] += line.quantity
    listings.release(dict(returned))
    for order in [o for o in db.session.identity_map.values() if isinstance(o, Order) and o.id in expired]:
        db.session.expire(order)
    db.session.flush()
    return len(expired)


# ---------------------------------------------------------------- what people look at
def orders_of_consumer(consumer: User) -> list[Order]:
    return list(db.session.scalars(
        sa.select(Order).where(Order.consumer_id == consumer.id)
        .options(joinedload(Order.farmer), joinedload(Order.pickup_point), selectinload(Order.lines))
        .order_by(Order.id.desc()).limit(200)
    ))


def incoming_orders(farmer: User, status: OrderStatus | None = None) -> sa.Select:
    query = (sa.select(Order).where(Order.farmer_id == farmer.id)
             .options(joinedload(Order.consumer), joinedload(Order.pickup_point), selectinload(Order.lines))
             .order_by(Order.id.desc()))
    if status is not None:
        query = query.where(Order.status == status)
    return query


PICKED = (OrderStatus.CONFIRMED, OrderStatus.READY)


@dataclass
class PickRow:
    crop: str
    unit: Unit
    quantity: Decimal
    pickup_point: PickupPoint | None = None


@dataclass
class PickList:
    harvest_on: date
    by_crop: list[PickRow]
    by_point: list[PickRow]
    orders: list[Order]


def pick_list(farmer: User, harvest_on: date) -> PickList:
    """What to harvest for one date: the total per crop, and per pickup point, over confirmed orders."""
    base = (sa.select(Crop.name_th, OrderLine.unit, Order.pickup_point_id, OrderLine.quantity, Order.id)
            .join(Order, Order.id == OrderLine.order_id).join(Listing, Listing.id == OrderLine.listing_id)
            .join(Crop, Crop.id == Listing.crop_id)
            .where(Order.farmer_id == farmer.id, Order.status.in_(PICKED), Listing.harvest_on == harvest_on))
    rows = db.session.execute(base).all()
    by_crop: dict[tuple, Decimal] = defaultdict(Decimal)
    by_point: dict[tuple, Decimal] = defaultdict(Decimal)
    for crop, unit, point_id, quantity, _order_id in rows:
        by_crop[(crop, unit)] += quantity
        by_point[(point_id, crop, unit)] += quantity
    points = {p.id: p for p in db.session.scalars(
        sa.select(PickupPoint).where(PickupPoint.id.in_({key[0] for key in by_point})))}
    orders = list(db.session.scalars(
        sa.select(Order).where(Order.id.in_({row[4] for row in rows}))
        .options(joinedload(Order.consumer), joinedload(Order.pickup_point), selectinload(Order.lines))
        .order_by(Order.pickup_point_id, Order.id)
    )) if rows else []
    return PickList(
        harvest_on,
        [PickRow(crop, unit, quantity) for (crop, unit), quantity in sorted(by_crop.items(),
                                                                            key=lambda kv: kv[0][0])],
        [PickRow(crop, unit, quantity, points[point_id])
         for (point_id, crop, unit), quantity in sorted(by_point.items(), key=lambda kv: (kv[0][0], kv[0][1]))],
        orders,
    )


def harvest_dates(farmer: User) -> list[date]:
    """Harvest dates that have orders to fill, soonest first."""
    return list(db.session.scalars(
        sa.select(Listing.harvest_on).join(OrderLine, OrderLine.listing_id == Listing.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.farmer_id == farmer.id, Order.status.in_(PICKED)).distinct().order_by(Listing.harvest_on)
    ))


def plot_of(listing_id: int) -> Plot | None:
    return db.session.scalar(sa.select(Plot).join(Listing, Listing.plot_id == Plot.id)
                             .where(Listing.id == listing_id))
