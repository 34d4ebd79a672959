"""What paying for a pre-order means, told to the payments core at start-up.

Two kinds: a "checkout" paid at once through Stripe (card or Stripe's PromptPay), and an "order" paid straight to
its farmer's own PromptPay ID (one order per farmer, so one QR code per farmer). Either way the orders are locked
in id order and read afresh before they move: a cancel or an expiry running now waits for us, or we see its result.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.i18n import for_the_record
from greensmile.orders import notify
from greensmile.orders import services as orders
from greensmile.orders.models import Checkout, Order, OrderStatus
from greensmile.payments import registry
from greensmile.payments import services as payments
from greensmile.payments.gateway import PaymentProviderError


def _locked(*conditions) -> list[Order]:
    return list(db.session.scalars(sa.select(Order).where(*conditions).order_by(Order.id).with_for_update()
                                   .execution_options(populate_existing=True)))


def _settle(payment, order: Order) -> str:
    paid_at = utcnow()
    if order.status is OrderStatus.PENDING_PAYMENT:
        orders.confirm_paid(order, paid_at)
        return "confirmed"
    if order.status is OrderStatus.EXPIRED and orders.revive(order, paid_at):
        return "confirmed after expiry (stock still there)"
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        order.paid_at = paid_at
        before = order.status
        try:
            with db.session.begin_nested():
                orders.record(order, OrderStatus.REFUNDED, None, for_the_record(
                    _l("Paid after the order had lapsed or been cancelled: the money is given back.")))
                payments.refund_part(payment, f"order:{order.id}", order.total_satang)
        except PaymentProviderError as error:
            payments.flag(payment, f"{order.number}: paid after it was {before.value}; the refund failed: {error}")
            return "flagged: refund failed"
        return "refunded (paid too late)"
    payments.flag(payment, f"{order.number}: paid again while {order.status.value}")
    return f"flagged: paid twice ({order.status.value})"


def _checkout_paid(payment) -> str:
    locked = _locked(Order.checkout_id == payment.subject_id)
    return "; ".join(f"{order.number}: {_settle(payment, order)}" for order in locked) or "no orders"


def _order_paid(payment) -> str:
    locked = _locked(Order.id == payment.subject_id)
    return "; ".join(f"{order.number}: {_settle(payment, order)}" for order in locked) or "no order"


def _order_waits(payment) -> str:
    """A slip came: the produce is held for the farmer to look, for SLIP_CONFIRM_HOURS. Not for ever: a slip with a
    made-up reference must not lock a harvest. Confirmed later, the order comes back if the produce is still there,
    else the farmer gives the money back."""
    hours = current_app.config["SLIP_CONFIRM_HOURS"]
    for order in _locked(Order.id == payment.subject_id, Order.status == OrderStatus.PENDING_PAYMENT):
        order.expires_at = utcnow() + timedelta(hours=hours)
        notify.slip_to_confirm(order)
    return "held for the farmer"


def _order_slip_refused(payment) -> str:
    """The farmer did not find the money: the buyer has the usual time again to pay or send another slip."""
    minutes = current_app.config["ORDER_PAYMENT_MINUTES"]
    for order in _locked(Order.id == payment.subject_id, Order.status == OrderStatus.PENDING_PAYMENT):
        order.expires_at = utcnow() + timedelta(minutes=minutes)
    return "waiting for another slip"


def _checkout_of(payment) -> Checkout | None:
    return db.session.get(Checkout, payment.subject_id)


def _order_of(payment) -> Order | None:
    return db.session.get(Order, payment.subject_id)


def _may_view_checkout(user, payment) -> bool:
    checkout = _checkout_of(payment)
    return checkout is not None and (checkout.consumer_id == user.id or user.has_role(Role.COORDINATOR))


def _may_view_order(user, payment) -> bool:
    order = _order_of(payment)
    return order is not None and orders.can_view(user, order)


def _may_pay_order(user, payment) -> bool:
    order = _order_of(payment)
    return order is not None and order.consumer_id == user.id


def _order_wanted(payment) -> bool:
    order = _order_of(payment)
    return order is not None and order.status is OrderStatus.PENDING_PAYMENT


def _may_pay_checkout(user, payment) -> bool:
    checkout = _checkout_of(payment)
    return checkout is not None and checkout.consumer_id == user.id


def _may_confirm_order(user, payment) -> bool:
    # Only the farmer can see their own bank account: nobody else can say the money came.
    order = _order_of(payment)
    return order is not None and order.farmer_id == user.id


def _order_title(payment) -> str:
    order = _order_of(payment)
    return _("Order %(number)s from %(farmer)s", number=order.number, farmer=order.farmer.display_name) if order else ""


def _checkout_title(payment) -> str:
    checkout = _checkout_of(payment)
    return ", ".join(order.number for order in checkout.orders) if checkout else ""


def register() -> None:
    registry.register(registry.Payable(
        "checkout", paid=_checkout_paid, may_view=_may_view_checkout, may_pay=_may_pay_checkout, title=_checkout_title,
        back_url=lambda payment: url_for("orders.mine")))
    registry.register(registry.Payable(
        "order", paid=_order_paid, slip_sent=_order_waits, failed=_order_slip_refused, may_view=_may_view_order,
        may_pay=_may_pay_order, may_confirm=_may_confirm_order, wanted=_order_wanted, title=_order_title,
        back_url=lambda payment: url_for("orders.detail", order_id=payment.subject_id)))
