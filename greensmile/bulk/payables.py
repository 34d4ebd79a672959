"""Kitchens paying their monthly invoice: PromptPay through Stripe, or PromptPay straight to the network's own ID
(a coordinator confirms the money came). A bank transfer can still be marked by a coordinator, as before.

PromptPay only: institutions pay by bank app, and a PromptPay QR code is what their finance office scans."""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.bulk import services as bulk
from greensmile.bulk.errors import NotAllowed
from greensmile.bulk.invoices import can_view_invoice
from greensmile.bulk.models import Invoice, InvoiceStatus
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.orders.errors import OrderError
from greensmile.payments import registry
from greensmile.payments import services as payments
from greensmile.payments.errors import NoPromptPayId
from greensmile.payments.models import NETWORK, Channel, Payment, PaymentStatus


def latest(invoice: Invoice) -> Payment | None:
    return payments.latest("invoice", invoice.id)


def start(acting: User, invoice: Invoice, direct: bool) -> Payment:
    """The kitchen's buyer asks for the invoice's PromptPay QR code (the same one again if asked twice)."""
    if not bulk.can_order_for(acting, invoice.organisation):
        raise NotAllowed()
    # The invoice row is locked first: a double-click waits here and then finds the first click's payment.
    db.session.execute(sa.select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    db.session.refresh(invoice)
    if invoice.status is not InvoiceStatus.ISSUED:
        raise OrderError(_l("This invoice is paid already."))
    channel = Channel.PROMPTPAY_DIRECT if direct else Channel.STRIPE_PROMPTPAY
    existing = latest(invoice)
    if existing is not None and existing.channel is channel and existing.status in (
            PaymentStatus.PENDING, PaymentStatus.SLIP_SENT):
        return existing
    if direct:
        account = payments.account_of(NETWORK)
        if account is None:
            raise NoPromptPayId(_l("The network has no PromptPay ID yet: pay through Stripe or by bank transfer."))
        return payments.start_direct("invoice", invoice.id, invoice.total_satang, account, acting.id)
    return payments.start_stripe("invoice", invoice.id, invoice.total_satang, card=False,
                                 description=f"Green Smile {invoice.number}", email=acting.email or "",
                                 payer_id=acting.id)


def _paid(payment: Payment) -> str:
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.id == payment.subject_id).with_for_update()
                                .execution_options(populate_existing=True))
    if invoice is None:
        payments.flag(payment, f"invoice {payment.subject_id} is gone")
        return "flagged: no such invoice"
    if invoice.status is InvoiceStatus.PAID or payment.amount_satang != invoice.total_satang or payment.needs_attention:
        # Paid twice, or not the amount due: the money is kept on record for a coordinator, the invoice unchanged.
        payments.flag(payment, f"{payment.amount_satang} satang for {invoice.number} "
                               f"({invoice.status.value}, {invoice.total_satang} satang due)")
        return "flagged: invoice was paid already" if invoice.status is InvoiceStatus.PAID else "flagged: wrong amount"
    slip = next((s.reference for s in payment.slips if s.status == "accepted"), "")
    invoice.status, invoice.paid_at = InvoiceStatus.PAID, utcnow()
    invoice.payment_reference = payment.intent_id or slip or payment.reference
    return f"invoice {invoice.number} paid"


def _invoice_of(payment: Payment) -> Invoice | None:
    return db.session.get(Invoice, payment.subject_id)


def _may_view(user, payment: Payment) -> bool:
    invoice = _invoice_of(payment)
    return invoice is not None and can_view_invoice(user, invoice)


def _may_pay(user, payment: Payment) -> bool:
    invoice = _invoice_of(payment)
    return invoice is not None and bulk.can_order_for(user, invoice.organisation)


def _wanted(payment: Payment) -> bool:
    invoice = _invoice_of(payment)
    return invoice is not None and invoice.status is InvoiceStatus.ISSUED


def _may_confirm(user, payment: Payment) -> bool:
    # The network's own account: its coordinators see the money come in.
    return payment.payee == NETWORK and user.has_role(Role.COORDINATOR)


def register() -> None:
    registry.register(registry.Payable(
        "invoice", paid=_paid, may_view=_may_view, may_pay=_may_pay, may_confirm=_may_confirm, wanted=_wanted,
        payer_may_cancel=True,
        title=lambda payment: _("Invoice %(number)s", number=_invoice_of(payment).number) if _invoice_of(payment)
        else "",
        back_url=lambda payment: url_for("bulk.invoice", invoice_id=payment.subject_id)))
