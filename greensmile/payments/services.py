"""Online payments: start a PaymentIntent for a checkout, take Stripe's webhooks once each, refund orders.

Webhooks may come twice, late or out of order. Each event is stored once (unique event id); the payment
status moves only through PAYMENT_MOVES, so a stale event (a failure reported after the success) is kept
and ignored. Money that arrives for orders that can no longer be filled is refunded, or flagged for a
coordinator when the refund cannot be made: it is never silently kept.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.i18n import for_the_record
from greensmile.orders import services as orders
from greensmile.orders.errors import OrderError, PaymentProviderError
from greensmile.orders.models import Checkout, Order, OrderStatus, PaymentMethod
from greensmile.payments import gateway
from greensmile.payments import invoices as invoice_payments
from greensmile.payments.models import PAYMENT_MOVES, Payment, PaymentStatus, Refund, WebhookEvent
from greensmile.supporters import services as support_payments

log = logging.getLogger(__name__)


class BadEvent(OrderError):
    message = _l("This webhook could not be read.")


# ---------------------------------------------------------------- starting a payment
def start_payment(checkout: Checkout) -> Payment:
    """Create the checkout's PaymentIntent in THB; PromptPay is confirmed at once to get its QR code."""
    method = checkout.payment_method
    if not method.online:
        raise OrderError(_l("This order is paid at pickup."))
    params = {
        "amount": checkout.total_satang,
        "currency": "thb",
        "payment_method_types": [method.value],
        "description": f"Green Smile {', '.join(order.number for order in checkout.orders)}",
        "metadata": {"checkout_id": str(checkout.id), "checkout_reference": checkout.reference},
    }
    if method is PaymentMethod.PROMPTPAY:
        if not checkout.consumer.email:
            raise OrderError(_l("PromptPay through Stripe needs an e-mail address on your account: add one, "
                                "or pay at pickup."))
        params |= {"confirm": True, "payment_method_data": {
            "type": "promptpay", "billing_details": {"email": checkout.consumer.email}}}
    intent = gateway.call(lambda api: api.payment_intents.create(
        params=params, options={"idempotency_key": f"greensmile-checkout-{checkout.reference}"}))
    payment = Payment(checkout_id=checkout.id, method=method, intent_id=intent.id,
                      amount_satang=checkout.total_satang, currency="thb", status=PaymentStatus.PENDING)
    _take_qr(payment, intent)
    db.session.add(payment)
    db.session.flush()
    return payment


def _take_qr(payment: Payment, intent) -> None:
    image, hosted = gateway.promptpay_qr(intent)
    payment.qr_image_url = image or payment.qr_image_url
    payment.hosted_instructions_url = hosted or payment.hosted_instructions_url


def client_secret(payment: Payment) -> str:
    """For Stripe.js on the card page; fetched, not stored."""
    return gateway.call(lambda api: api.payment_intents.retrieve(payment.intent_id)).client_secret


def payment_of(checkout: Checkout) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.checkout_id == checkout.id))


# ---------------------------------------------------------------- refunds
def refund_order(order: Order) -> Refund:
    """Give an order's money back through Stripe (idempotent per order); raises if Stripe refuses."""
    payment = db.session.scalar(sa.select(Payment).where(Payment.checkout_id == order.checkout_id))
    if payment is None or payment.status is not PaymentStatus.SUCCEEDED:
        raise OrderError(_l("There is no online payment to refund for this order."))
    existing = db.session.scalar(sa.select(Refund).where(Refund.order_id == order.id))
    if existing is not None:
        return existing
    refund = gateway.call(lambda api: api.refunds.create(
        params={"payment_intent": payment.intent_id, "amount": order.total_satang,
                "metadata": {"order_id": str(order.id)}},
        options={"idempotency_key": f"greensmile-refund-{order.checkout.reference}-{order.id}"}))
    row = Refund(payment_id=payment.id, order_id=order.id, amount_satang=order.total_satang,
                 stripe_refund_id=refund.id, status=refund.status or "pending")
    db.session.add(row)
    db.session.flush()
    return row


def needing_attention() -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).where(Payment.needs_attention.is_(True))
                                   .order_by(Payment.id)))


def settle(payment: Payment) -> None:
    """A coordinator has sorted out a flagged payment by hand."""
    payment.needs_attention = False
    db.session.flush()


# ---------------------------------------------------------------- webhooks
def receive_webhook(payload: bytes, signature: str) -> str:
    """Verify, store once, act. Returns what was done (kept on the event row and logged)."""
    gateway.verify(payload, signature)  # raises gateway.BadSignature
    try:
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError) as error:
        raise BadEvent() from error
    row = WebhookEvent(event_id=event_id, type=event_type, payload=payload.decode("utf-8"))
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return "duplicate: already received"
    handler = HANDLERS.get(event_type)
    row.outcome = handler(obj) if handler else "ignored: not an event we act on"
    db.session.flush()
    log.info("stripe event %s %s: %s", event_id, event_type, row.outcome)
    return row.outcome


def _payment_for(obj: dict) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.intent_id == obj.get("id")).with_for_update())


def _move(payment: Payment, target: PaymentStatus) -> bool:
    if target not in PAYMENT_MOVES[payment.status]:
        return False
    payment.status = target
    return True


def _recovered_payment(obj: dict) -> Payment | None:
    """A success for an intent we hold no row for: the app stopped between Stripe's answer and its commit.

    The intent names its checkout in its metadata, so the money still finds its orders."""
    reference = str((obj.get("metadata") or {}).get("checkout_reference") or "")
    checkout = db.session.scalar(sa.select(Checkout).where(Checkout.reference == reference)) if reference else None
    if checkout is None or payment_of(checkout) is not None:
        return None
    payment = Payment(checkout_id=checkout.id, method=checkout.payment_method, intent_id=str(obj.get("id")),
                      amount_satang=checkout.total_satang, currency="thb", status=PaymentStatus.PENDING)
    db.session.add(payment)
    db.session.flush()
    log.warning("payment %s for checkout %s was unknown; recorded from its webhook", payment.intent_id, checkout.id)
    return payment


def _succeeded(obj: dict) -> str:
    payment = _payment_for(obj)
    if payment is None and (outcome := invoice_payments.succeeded(obj) or support_payments.payment_succeeded(obj)):
        return outcome
    payment = payment or _recovered_payment(obj)
    if payment is None:
        log.warning("payment_intent.succeeded for unknown intent %s", obj.get("id"))
        return "ignored: unknown payment intent"
    if not _move(payment, PaymentStatus.SUCCEEDED):
        return f"ignored: payment already {payment.status.value}"
    received = obj.get("amount_received") or obj.get("amount")
    paid_at = utcnow()
    if received != payment.amount_satang:
        _flag(payment, f"received {received} satang, expected {payment.amount_satang}")
    outcomes = []
    # Locked in id order and read afresh: a cancel or an expiry running now waits for us, or we see its result.
    locked = db.session.scalars(
        sa.select(Order).where(Order.checkout_id == payment.checkout_id).order_by(Order.id)
        .with_for_update().execution_options(populate_existing=True)
    ).all()
    for order in locked:
        outcomes.append(f"{order.number}: {_settle_order(payment, order, paid_at)}")
    return "paid; " + "; ".join(outcomes)


def _settle_order(payment: Payment, order: Order, paid_at: datetime) -> str:
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
                refund_order(order)
        except PaymentProviderError as error:
            _flag(payment, f"{order.number}: paid after it was {before.value}; the refund failed: {error}")
            return "flagged: refund failed"
        return "refunded (paid too late)"
    return f"nothing to do ({order.status.value})"


def _flag(payment: Payment, note: str) -> None:
    payment.needs_attention = True
    payment.attention_note = "\n".join(filter(None, [payment.attention_note, note]))
    log.warning("payment %s needs attention: %s", payment.intent_id, note)


def _failed(obj: dict) -> str:
    payment = _payment_for(obj)
    if payment is None:
        return (invoice_payments.failed(obj) or support_payments.payment_failed(obj)
                or "ignored: unknown payment intent")
    if not _move(payment, PaymentStatus.FAILED):
        return f"ignored: payment already {payment.status.value}"
    payment.failure_message = ((obj.get("last_payment_error") or {}).get("message") or "")[:1000]
    return "failed"


def _cancelled(obj: dict) -> str:
    payment = _payment_for(obj)
    if payment is None:
        return support_payments.payment_cancelled(obj) or "ignored: unknown payment intent"
    return "cancelled" if _move(payment, PaymentStatus.CANCELLED) else f"ignored: payment {payment.status.value}"


def _refund_changed(obj: dict) -> str:
    refund = db.session.scalar(sa.select(Refund).where(Refund.stripe_refund_id == obj.get("id")))
    if refund is None:
        return "ignored: unknown refund"
    refund.status = str(obj.get("status") or refund.status)[:32]
    return f"refund {refund.status}"


HANDLERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _cancelled,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "charge.refund.updated": _refund_changed,
}
