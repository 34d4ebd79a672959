"""Stripe's webhooks: verified, stored once each (unique event id), then acted on through the payments core.

They may come twice, late or out of order: a stale one is kept and ignored (the one table of moves refuses it), a
signed one that cannot be read is kept with its refusal and answered 400, and money for an intent we do not know is
kept as a row of its own for coordinators, never silently.
"""
from __future__ import annotations

import hashlib
import json
import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.payments import gateway, registry
from greensmile.payments.errors import PaymentError
from greensmile.payments.models import UNMATCHED, Channel, Payment, PaymentStatus, Refund, WebhookEvent
from greensmile.payments.services import _payable, _succeed, by_reference, flag, move, move_refund

log = logging.getLogger(__name__)


class BadEvent(PaymentError):
    message = _l("This webhook could not be read.")


def receive_webhook(payload: bytes, signature: str) -> str:
    """Verify, store once, act. Returns what was done (kept on the event row and logged). A signed event that
    cannot be read is stored with its refusal, then BadEvent is raised: the caller commits the record, answers 400."""
    gateway.verify(payload, signature)  # raises gateway.BadSignature
    text = payload.decode("utf-8")
    try:
        event = json.loads(text)
    except ValueError:
        event = None
    problem = _malformed(event)
    event_id = event.get("id") if isinstance(event, dict) and isinstance(event.get("id"), str) else None
    event_id = (event_id or "malformed-" + hashlib.sha256(payload).hexdigest())[:255]
    event_type = str(event.get("type"))[:100] if isinstance(event, dict) else "?"
    row = WebhookEvent(event_id=event_id, type=event_type, payload=text)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return "duplicate: already received"
    if problem:
        row.outcome = f"refused: {problem}"[:200]
        db.session.flush()
        log.warning("stripe event %s refused: %s", event_id, problem)
        raise BadEvent()
    handler = HANDLERS.get(event_type)
    row.outcome = (handler(event["data"]["object"]) if handler else "ignored: not an event we act on")[:200]
    db.session.flush()
    log.info("stripe event %s %s: %s", event_id, event_type, row.outcome)
    return row.outcome


def _malformed(event) -> str:
    """What is wrong with a signed event's shape, or '' (read before anything acts on it)."""
    if not isinstance(event, dict):
        return "not a JSON object"
    for name in ("id", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            return f"{name} is not a string"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "data.object is not an object"
    obj = data["object"]
    if not isinstance(obj.get("id"), str):
        return "data.object.id is not a string"
    for name in ("amount", "amount_received"):
        if name in obj and obj[name] is not None and (type(obj[name]) is not int or obj[name] < 0):
            return f"data.object.{name} is not a whole number"
    for name in ("metadata", "last_payment_error"):
        if obj.get(name) is not None and not isinstance(obj[name], dict):
            return f"data.object.{name} is not an object"
    message = (obj.get("last_payment_error") or {}).get("message")
    if message is not None and not isinstance(message, str):
        return "data.object.last_payment_error.message is not a string"
    types = obj.get("payment_method_types")
    if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
        return "data.object.payment_method_types is not a list of strings"
    if obj.get("status") is not None and not isinstance(obj["status"], str):
        return "data.object.status is not a string"
    return ""


def _for_intent(obj: dict) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.intent_id == obj["id"]).with_for_update()
                             .execution_options(populate_existing=True))


def _recovered(obj: dict) -> Payment | None:
    """A success for an intent we hold no row for: the app stopped between Stripe's answer and its commit. The
    intent names its subject in its metadata, so the money still finds what it paid for."""
    metadata = obj.get("metadata") or {}
    kind, subject = str(metadata.get("kind") or ""), str(metadata.get("subject_id") or "")
    if registry.payable(kind) is None or not subject.isdigit():
        return None
    channel = Channel.STRIPE_CARD if "card" in (obj.get("payment_method_types") or []) else Channel.STRIPE_PROMPTPAY
    reference = str(metadata.get("payment_reference") or "")[:24]
    payment = Payment(kind=kind, subject_id=int(subject), amount_satang=int(obj.get("amount") or 1),
                      channel=channel, intent_id=obj["id"], status=PaymentStatus.PENDING)
    if reference and by_reference(reference) is None:
        payment.reference = reference
    db.session.add(payment)
    db.session.flush()
    log.warning("payment %s for %s %s was unknown; recorded from its webhook", obj["id"], kind, subject)
    return payment


def _succeeded(obj: dict) -> str:
    payment = _for_intent(obj) or _recovered(obj)
    received = obj.get("amount_received") or obj.get("amount") or 0
    if payment is None:
        # Money for nothing we know: kept as a row of its own for coordinators, never silently.
        payment = Payment(kind=UNMATCHED, subject_id=0, amount_satang=max(int(received), 1),
                          channel=Channel.STRIPE_PROMPTPAY, intent_id=obj["id"], status=PaymentStatus.SUCCEEDED,
                          paid_at=utcnow())
        db.session.add(payment)
        flag(payment, f"money for an unknown payment intent {obj['id']}: {received} satang")
        db.session.flush()
        return "flagged: unknown payment intent"
    if not move(payment, PaymentStatus.SUCCEEDED):
        return f"ignored: payment already {payment.status.value}"
    if received != payment.amount_satang:
        flag(payment, f"received {received} satang, expected {payment.amount_satang}")
    return "paid; " + _succeed(payment)


def _failed(obj: dict) -> str:
    payment = _for_intent(obj)
    if payment is None:
        return "ignored: unknown payment intent"
    if not move(payment, PaymentStatus.FAILED):
        return f"ignored: payment already {payment.status.value}"
    payment.failure_message = ((obj.get("last_payment_error") or {}).get("message") or "")[:1000]
    return "failed; " + _payable(payment).failed(payment)


def _cancelled(obj: dict) -> str:
    payment = _for_intent(obj)
    if payment is None:
        return "ignored: unknown payment intent"
    if not move(payment, PaymentStatus.CANCELLED):
        return f"ignored: payment {payment.status.value}"
    return "cancelled; " + _payable(payment).cancelled(payment)


def _refund_changed(obj: dict) -> str:
    refund = db.session.scalar(sa.select(Refund).where(Refund.provider_ref == obj["id"]).with_for_update())
    if refund is None:
        return "ignored: unknown refund"
    target = str(obj.get("status") or "")
    if target == refund.status:
        return f"refund {refund.status}"
    if not move_refund(refund, target):
        return f"ignored: refund {refund.status}, not {target[:32]}"
    # A failed or cancelled refund is listed among the refunds due until a coordinator settles it.
    return f"refund {target}"


HANDLERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _cancelled,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
    "charge.refund.updated": _refund_changed,
}
