"""What coordinators sort out by hand: money with no match, payments made twice, too late or for the wrong amount,
slips their sellers have not confirmed in time, refunds due. Each is settled with a note that stays on record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.payments.errors import PaymentError
from greensmile.payments.models import UNMATCHED, Payment, PaymentStatus, Refund
from greensmile.payments.services import move_refund


@dataclass
class Reconciliation:
    unmatched: list[Payment]  # money for nothing we know
    flagged: list[Payment]  # paid twice, too late, the wrong amount, closed meanwhile
    slips_waiting: list[Payment]  # slips the seller has not confirmed in time
    refunds_due: list[Refund]  # direct refunds not yet transferred back, Stripe refunds that failed

    @property
    def count(self) -> int:
        return len(self.unmatched) + len(self.flagged) + len(self.slips_waiting) + len(self.refunds_due)


def reconciliation(now: datetime | None = None) -> Reconciliation:
    now = now or utcnow()
    flagged = list(db.session.scalars(sa.select(Payment).where(Payment.needs_attention.is_(True))
                                      .order_by(Payment.id)))
    waited = now - timedelta(hours=current_app.config["SLIP_CONFIRM_HOURS"])
    slips_waiting = list(db.session.scalars(sa.select(Payment).where(
        Payment.status == PaymentStatus.SLIP_SENT, Payment.slip_sent_at <= waited).order_by(Payment.slip_sent_at)))
    # Direct refunds not yet transferred, or transferred but not acknowledged by the payer; Stripe's that failed.
    refunds_due = list(db.session.scalars(sa.select(Refund).where(Refund.status.in_(["due", "sent", "failed",
                                                                                      "canceled"]))
                                          .order_by(Refund.id)))
    return Reconciliation([p for p in flagged if p.kind == UNMATCHED], [p for p in flagged if p.kind != UNMATCHED],
                          slips_waiting, refunds_due)


def settle(payment: Payment, acting, note: str) -> None:
    """A coordinator has sorted out a flagged payment by hand (refunded it, matched it): the note says how."""
    note = squeeze(note)
    if not note:
        raise PaymentError(_l("Say how it was sorted out: the note stays with the payment."))
    if not payment.needs_attention:
        raise PaymentError(_l("This payment needs nothing more."))
    payment.needs_attention = False
    payment.attention_note = "\n".join(filter(None, [payment.attention_note,
                                                     f"[{utcnow():%Y-%m-%d}] {acting.display_name}: {note}"]))[:4000]
    db.session.flush()


def waiting_for_seller(payee: str) -> list[Payment]:
    """A seller's direct payments with a slip to look at, oldest first."""
    return list(db.session.scalars(sa.select(Payment).where(
        Payment.payee == payee, Payment.status == PaymentStatus.SLIP_SENT).order_by(Payment.slip_sent_at)))


def refunds_due_from(payee: str) -> list[Refund]:
    return list(db.session.scalars(sa.select(Refund).join(Payment, Payment.id == Refund.payment_id).where(
        Payment.payee == payee, Refund.status == "due").order_by(Refund.id)))


def settle_refund(refund: Refund, acting, note: str) -> None:
    """A coordinator saw the money go back by hand (Stripe's dashboard, a transfer the payer confirmed by phone)."""
    note = squeeze(note)
    if not note:
        raise PaymentError(_l("Say how it was sorted out: the note stays with the payment."))
    if not move_refund(refund, "settled"):
        raise PaymentError(_l("This refund needs nothing more."))
    payment = refund.payment
    payment.attention_note = "\n".join(filter(None, [payment.attention_note, f"[{utcnow():%Y-%m-%d}] "
                                                     f"{acting.display_name}: refund {refund.part}: {note}"]))[:4000]
    db.session.flush()

