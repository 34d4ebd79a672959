"""Money owed and paid, whatever is paid for: one payment row per attempt, its slips, refunds, every webhook kept.

A payment names what it pays for only as (kind, subject_id): a checkout, an order, an invoice, a pledge. The
domains that own those register, at start-up, what happens when their payment succeeds, fails or is refunded
(see registry.py); nothing here imports them.
"""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db

# Crockford's alphabet without look-alikes: a reference a payer may have to type or read out.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short random reference, fit for tag 62 of a Thai QR (letters and digits) and for a URL."""
    return "GS" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(12))


class Channel(enum.Enum):
    STRIPE_PROMPTPAY = "stripe_promptpay"  # a PromptPay QR code made by Stripe; Stripe's webhook says it was paid
    STRIPE_CARD = "stripe_card"  # a card taken by Stripe.js on our page; Stripe's webhook says it was paid
    PROMPTPAY_DIRECT = "promptpay_direct"  # our Thai QR to the seller's own PromptPay ID; the slip, then the seller

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])

    @property
    def through_stripe(self) -> bool:
        return self is not Channel.PROMPTPAY_DIRECT


CHANNEL_LABELS = {
    Channel.STRIPE_PROMPTPAY: _l("PromptPay through Stripe"),
    Channel.STRIPE_CARD: _l("Card through Stripe"),
    Channel.PROMPTPAY_DIRECT: _l("PromptPay straight to the seller"),
}


class PaymentStatus(enum.Enum):
    PENDING = "pending"  # asked for; the payer has not paid yet (or their slip was not accepted)
    SLIP_SENT = "slip_sent"  # direct PromptPay: the payer sent a slip; the seller has not yet said the money came
    SUCCEEDED = "succeeded"  # the money arrived: Stripe says so, or the seller (or a slip verifier) confirmed it
    FAILED = "failed"  # the last attempt failed; the payer may try again until what is paid for lapses
    CANCELLED = "cancelled"  # called off before any money moved

    @property
    def label(self) -> str:
        return str(PAYMENT_STATUS_LABELS[self])

    @property
    def open(self) -> bool:
        return self in (PaymentStatus.PENDING, PaymentStatus.SLIP_SENT, PaymentStatus.FAILED)


P = PaymentStatus
# The one table of payment moves, for every channel: a stale event (a failure reported after the success)
# changes nothing, and a confirmed payment never goes back.
PAYMENT_MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.PENDING: frozenset({P.SLIP_SENT, P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    # The seller confirms, or says the money did not come (the payer may send another slip), or it is called off.
    P.SLIP_SENT: frozenset({P.SUCCEEDED, P.PENDING, P.CANCELLED}),
    # The payer may try again after a failure.
    P.FAILED: frozenset({P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    P.SUCCEEDED: frozenset(),
    P.CANCELLED: frozenset(),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Waiting for the payer"),
    PaymentStatus.SLIP_SENT: _l("Slip sent, waiting for the seller"),
    PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.FAILED: _l("Payment failed"),
    PaymentStatus.CANCELLED: _l("Payment cancelled"),
}


# The kind of a payment for nothing we know (Stripe's money for an unknown intent): kept for coordinators.
UNMATCHED = "unmatched"
# The owner of the network's own PromptPay ID (a farmer's is "user:<id>", a group's "organisation:<id>").
NETWORK = "network"


class PromptPayAccount(TimestampMixin, db.Model):
    """Where a seller takes PromptPay: a farmer's, a group's or the network's own ID. One per owner, kept current."""

    __tablename__ = "promptpay_accounts"
    __table_args__ = (sa.CheckConstraint("id_kind IN ('mobile', 'national_id', 'ewallet')", name="id_kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>", "organisation:<id>" or "network": who is paid, and who confirms that the money came.
    owner: Mapped[str] = mapped_column(sa.String(40), unique=True)
    id_kind: Mapped[str] = mapped_column(sa.String(16))
    id_value: Mapped[str] = mapped_column(sa.String(20))
    # The name the payer's bank app shows before they pay: they check it matches.
    account_name: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        sa.Index("ix_payments_kind_subject", "kind", "subject_id"),
        sa.CheckConstraint("amount_satang > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, never reused: names the payment in URLs, in our QR code's tag 62, to Stripe and in idempotency keys.
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True, default=new_reference)
    kind: Mapped[str] = mapped_column(sa.String(32))
    subject_id: Mapped[int]
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus), default=PaymentStatus.PENDING)
    amount_satang: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="thb")
    payer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Stripe: the PaymentIntent, and for PromptPay the QR code Stripe gives for it.
    intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    qr_image_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    hosted_instructions_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    failure_message: Mapped[str] = mapped_column(sa.Text, default="")
    # Direct PromptPay: who is paid, as it was when the QR code was made (a later change of ID changes no QR).
    payee: Mapped[str] = mapped_column(sa.String(40), default="")
    payee_id_kind: Mapped[str] = mapped_column(sa.String(16), default="")
    payee_id_value: Mapped[str] = mapped_column(sa.String(20), default="")
    payee_name: Mapped[str] = mapped_column(sa.String(120), default="")
    slip_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Money that came in but could not be used as meant (paid twice, too late, the wrong amount, unknown):
    # coordinators see it on the reconciliation page until someone settles it. Never silently kept.
    needs_attention: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    attention_note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # Named, not imported: accounts sit below every domain, and the payments core needs only the name.
    payer = relationship("User", foreign_keys=[payer_id])
    slips: Mapped[list[PaymentSlip]] = relationship(back_populates="payment", order_by="PaymentSlip.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class PaymentSlip(TimestampMixin, db.Model):
    """A transfer slip a payer sent for a direct PromptPay payment. Its reference is unique across every payment:
    one transfer pays one thing (slip reuse is the common fraud), and a refused slip keeps its reference too."""

    __tablename__ = "payment_slips"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    sending_bank: Mapped[str] = mapped_column(sa.String(8), default="")
    amount_satang: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(16))  # "qr" (read from the slip's QR code) or "typed"
    image_key: Mapped[str] = mapped_column(sa.String(255), default="")
    verified_by: Mapped[str] = mapped_column(sa.String(64), default="")  # a slip-verification provider, if any
    status: Mapped[str] = mapped_column(sa.String(16), default="sent")  # sent, accepted, refused
    refused_reason: Mapped[str] = mapped_column(sa.Text, default="")
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    payment: Mapped[Payment] = relationship(back_populates="slips")


# The one table of refund moves. Through Stripe, as Stripe reports them (a refund reported succeeded can still fail);
# direct, the seller transfers back ("sent") and the payer says it arrived ("received"). A coordinator settles by
# hand what Stripe could not refund, or a direct refund the payer never acknowledged.
REFUND_MOVES: dict[str, frozenset[str]] = {
    "pending": frozenset({"requires_action", "succeeded", "failed", "canceled"}),
    "requires_action": frozenset({"succeeded", "failed", "canceled"}),
    "succeeded": frozenset({"failed"}),
    "failed": frozenset({"settled"}),
    "canceled": frozenset({"settled"}),
    "due": frozenset({"sent", "settled"}),
    "sent": frozenset({"received", "settled"}),
    "received": frozenset(),
    "settled": frozenset(),
}

REFUND_STATUS_LABELS = {
    "pending": _l("Refund under way"),
    "requires_action": _l("Refund under way"),
    "succeeded": _l("Refunded"),
    "failed": _l("Refund failed"),
    "canceled": _l("Refund cancelled"),
    "due": _l("To transfer back"),
    "sent": _l("Transferred back, waiting for the payer to see it"),
    "received": _l("Refunded"),
    "settled": _l("Settled by hand"),
}


class Refund(TimestampMixin, db.Model):
    """Money given back for one part of a payment (an order of a checkout, say); one per part, so retries are
    harmless. Through Stripe it carries Stripe's refund id; direct, the seller's transfer back and its reference."""

    __tablename__ = "refunds"
    __table_args__ = (sa.UniqueConstraint("payment_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    part: Mapped[str] = mapped_column(sa.String(64))  # e.g. "order:12"; "whole" for the whole payment
    amount_satang: Mapped[int] = mapped_column(sa.BigInteger)
    # Stripe's refund id, or the reference of the seller's transfer back; empty while a direct refund is due.
    provider_ref: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    # One of REFUND_MOVES: as Stripe reports it, or due / sent / received for a direct refund; settled by hand.
    status: Mapped[str] = mapped_column(sa.String(32))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    payment: Mapped[Payment] = relationship(back_populates="refunds")

    @property
    def label(self) -> str:
        return str(REFUND_STATUS_LABELS.get(self.status, self.status))


class WebhookEvent(db.Model):
    """Every Stripe event received, raw, once: the unique event id makes a repeated delivery a no-op."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(200), default="")
