"""Online payments through Stripe: one PaymentIntent per checkout, refunds per order, every webhook kept."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.bulk.models import Invoice
from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.orders.models import Checkout, Order, PaymentMethod


class PaymentStatus(enum.Enum):
    PENDING = "pending"  # the PaymentIntent exists; the payer has not paid yet
    SUCCEEDED = "succeeded"  # Stripe says the money was taken
    FAILED = "failed"  # the last attempt failed; the payer may try again until the order expires
    CANCELLED = "cancelled"  # the PaymentIntent was cancelled before any money moved

    @property
    def label(self) -> str:
        return str(PAYMENT_STATUS_LABELS[self])


P = PaymentStatus
# The one table of payment moves: a stale event (a failure reported after the success) changes nothing.
PAYMENT_MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    P.PENDING: frozenset({P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    # The payer may try again after a failure, until the order expires.
    P.FAILED: frozenset({P.SUCCEEDED, P.FAILED, P.CANCELLED}),
    P.SUCCEEDED: frozenset(),
    P.CANCELLED: frozenset(),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Waiting for the payer"),
    PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.FAILED: _l("Payment failed"),
    PaymentStatus.CANCELLED: _l("Payment cancelled"),
}


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(sa.ForeignKey("checkouts.id"), unique=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    intent_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    amount_satang: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="thb")
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus), default=PaymentStatus.PENDING)
    # PromptPay: the QR code Stripe gives for a confirmed intent (image URL and hosted instructions).
    qr_image_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    hosted_instructions_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    failure_message: Mapped[str] = mapped_column(sa.Text, default="")
    # Money arrived for orders that could no longer be filled and could not be refunded automatically:
    # coordinators see these until someone settles them by hand.
    needs_attention: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    attention_note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    checkout: Mapped[Checkout] = relationship()
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


class Refund(TimestampMixin, db.Model):
    """Money given back for one order; one per order (the unique constraint makes retries harmless)."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), unique=True)
    amount_satang: Mapped[int]
    stripe_refund_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    status: Mapped[str] = mapped_column(sa.String(32))  # as Stripe reports it: pending, succeeded, failed

    payment: Mapped[Payment] = relationship(back_populates="refunds")
    order: Mapped[Order] = relationship()


class WebhookEvent(db.Model):
    """Every Stripe event received, raw, once: the unique event id makes a repeated delivery a no-op."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[str] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(sa.String(200), default="")


class InvoicePayment(TimestampMixin, db.Model):
    """A kitchen's monthly invoice paid through Stripe (a PromptPay PaymentIntent): one per invoice."""

    __tablename__ = "invoice_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), unique=True)
    intent_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    amount_satang: Mapped[int]
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus), default=PaymentStatus.PENDING)
    qr_image_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    hosted_instructions_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    failure_message: Mapped[str] = mapped_column(sa.Text, default="")
    # Money that came in for an invoice already paid another way: a coordinator gives it back.
    needs_attention: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    attention_note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    invoice: Mapped[Invoice] = relationship()
