"""Kitchens paying their monthly invoice online: a PromptPay PaymentIntent in THB, confirmed by Stripe's webhook.

PromptPay only: institutions pay by bank app or transfer, and a PromptPay QR code is what their finance
office scans; a transfer can still be marked by a coordinator as before."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.bulk import services as bulk
from greensmile.bulk.errors import NotAllowed
from greensmile.bulk.models import Invoice, InvoiceStatus
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.orders.errors import OrderError, PaymentUnavailable
from greensmile.orders.services import online_payment_enabled
from greensmile.payments import gateway
from greensmile.payments.models import InvoicePayment, PaymentStatus

log = logging.getLogger(__name__)


def payment_of(invoice: Invoice) -> InvoicePayment | None:
    return db.session.scalar(sa.select(InvoicePayment).where(InvoicePayment.invoice_id == invoice.id))


def start(acting: User, invoice: Invoice) -> InvoicePayment:
    """The kitchen's buyer asks for the invoice's PromptPay QR code (the same one again if asked twice)."""
    if not bulk.can_order_for(acting, invoice.organisation):
        raise NotAllowed()
    if not online_payment_enabled():
        raise PaymentUnavailable(_l("Online payment is not available; pay by bank transfer."))
    # The invoice row is locked first: a double-click waits here and then finds the first click's payment.
    db.session.execute(sa.select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    if invoice.status is not InvoiceStatus.ISSUED:
        raise OrderError(_l("This invoice is paid already."))
    existing = payment_of(invoice)
    if existing is not None and existing.status in (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED):
        return existing
    if not acting.email:
        raise OrderError(_l("PromptPay through Stripe needs an e-mail address on your account: add one, "
                            "or pay by bank transfer."))
    # A failed attempt is retried with a new intent (a new key); a request repeated after a lost answer, the same.
    attempt = existing.intent_id if existing is not None else "first"
    intent = gateway.promptpay_intent(
        invoice.total_satang, f"Green Smile {invoice.number}",
        {"invoice_number": invoice.number, "invoice_reference": invoice.reference}, acting.email,
        f"greensmile-invoice-{invoice.reference}-{attempt}")
    if existing is not None:  # a failed attempt: a new intent, the same row
        existing.intent_id, existing.status, existing.failure_message = intent.id, PaymentStatus.PENDING, ""
        payment = existing
    else:
        payment = InvoicePayment(invoice_id=invoice.id, intent_id=intent.id, amount_satang=invoice.total_satang,
                                 status=PaymentStatus.PENDING)
        db.session.add(payment)
    payment.qr_image_url, payment.hosted_instructions_url = gateway.promptpay_qr(intent)
    db.session.flush()
    return payment


def _for_intent(obj: dict) -> InvoicePayment | None:
    return db.session.scalar(sa.select(InvoicePayment).where(InvoicePayment.intent_id == obj.get("id"))
                             .with_for_update())


def succeeded(obj: dict) -> str | None:
    """A webhook's success for an invoice intent; None when the intent is not an invoice's."""
    payment = _for_intent(obj)
    if payment is None:
        return None
    if payment.status is PaymentStatus.SUCCEEDED:
        return "ignored: invoice payment already succeeded"
    payment.status = PaymentStatus.SUCCEEDED
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.id == payment.invoice_id).with_for_update()
                                .execution_options(populate_existing=True))
    received = obj.get("amount_received") or obj.get("amount")
    if invoice.status is InvoiceStatus.PAID or received != invoice.total_satang:
        # Paid twice, or not the amount due: the money is kept on record for a coordinator, the invoice unchanged.
        payment.needs_attention = True
        payment.attention_note = (f"received {received} satang for {invoice.number} "
                                  f"({invoice.status.value}, {invoice.total_satang} satang due)")
        log.warning("invoice payment %s needs attention: %s", payment.intent_id, payment.attention_note)
        return "flagged: invoice was paid already" if invoice.status is InvoiceStatus.PAID else (
            "flagged: wrong amount")
    invoice.status, invoice.paid_at, invoice.payment_reference = InvoiceStatus.PAID, utcnow(), payment.intent_id
    return f"invoice {invoice.number} paid"


def failed(obj: dict) -> str | None:
    payment = _for_intent(obj)
    if payment is None:
        return None
    if payment.status is PaymentStatus.SUCCEEDED:
        return "ignored: invoice payment already succeeded"
    payment.status = PaymentStatus.FAILED
    payment.failure_message = ((obj.get("last_payment_error") or {}).get("message") or "")[:1000]
    return "invoice payment failed"


def needing_attention() -> list[InvoicePayment]:
    return list(db.session.scalars(sa.select(InvoicePayment).where(InvoicePayment.needs_attention.is_(True))
                                   .order_by(InvoicePayment.id)))


def settle(payment: InvoicePayment) -> None:
    """A coordinator has sorted out a flagged invoice payment by hand (refunded it in Stripe's dashboard)."""
    payment.needs_attention = False
    db.session.flush()
