"""Consumers' pre-orders: one checkout per basket, one order per farmer behind it, one line per listing."""
from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import Quantity, TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.listings.models import Listing, PickupPoint, Unit


class PaymentMethod(enum.Enum):
    CASH = "cash"  # paid in cash at pickup
    TRANSFER = "transfer"  # paid by bank transfer, checked by the farmer at pickup
    PROMPTPAY = "promptpay"  # paid online through Stripe, by scanning a PromptPay QR code
    CARD = "card"  # paid online through Stripe, by card
    PROMPTPAY_SELLER = "promptpay_seller"  # PromptPay straight to the farmer's own ID; slip, then the farmer confirms

    @property
    def label(self) -> str:
        return str(PAYMENT_METHOD_LABELS[self])

    @property
    def online(self) -> bool:
        """Paid before pickup: the order waits for the money, and lapses if it does not come in time."""
        return self in (PaymentMethod.PROMPTPAY, PaymentMethod.CARD, PaymentMethod.PROMPTPAY_SELLER)

    @property
    def through_stripe(self) -> bool:
        return self in (PaymentMethod.PROMPTPAY, PaymentMethod.CARD)


PAYMENT_METHOD_LABELS = {
    PaymentMethod.CASH: _l("Cash at pickup"),
    PaymentMethod.TRANSFER: _l("Bank transfer, checked at pickup"),
    PaymentMethod.PROMPTPAY: _l("PromptPay (scan a QR code now)"),
    PaymentMethod.CARD: _l("Card (pay now)"),
    PaymentMethod.PROMPTPAY_SELLER: _l("PromptPay straight to the farmer (scan now, then send the slip)"),
}


class OrderStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"  # online payment not yet received; stock held until expires_at
    CONFIRMED = "confirmed"  # placed (paid online, or to be paid at pickup); the farmer prepares it
    READY = "ready"  # harvested and packed, waiting at the pickup point
    COLLECTED = "collected"  # handed over (and paid): done
    CANCELLED = "cancelled"  # cancelled before pickup; nothing had been paid online; stock returned
    EXPIRED = "expired"  # online payment never came in time; stock returned
    REFUNDED = "refunded"  # cancelled after an online payment, which was refunded through Stripe

    @property
    def label(self) -> str:
        return str(ORDER_STATUS_LABELS[self])

    @property
    def holds_stock(self) -> bool:
        return self in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED, OrderStatus.READY,
                        OrderStatus.COLLECTED)


ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.READY: _l("Ready for pickup"),
    OrderStatus.COLLECTED: _l("Collected"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.EXPIRED: _l("Expired (not paid in time)"),
    OrderStatus.REFUNDED: _l("Cancelled and refunded"),
}


class Checkout(TimestampMixin, db.Model):
    """One basket placed at once: the consumer pays once, each farmer sees only their own order."""

    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, never reused: names the checkout to Stripe (metadata, idempotency keys) even if ids are
    # reused, as they are when a test or staging database starts again.
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True, default=lambda: uuid.uuid4().hex)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    total_satang: Mapped[int]

    consumer: Mapped[User] = relationship()
    orders: Mapped[list[Order]] = relationship(back_populates="checkout", order_by="Order.id")


class Order(TimestampMixin, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        sa.Index("ix_orders_status_expires_at", "status", "expires_at"),
        sa.CheckConstraint("total_satang >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(sa.ForeignKey("checkouts.id"), index=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    farmer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    pickup_point_id: Mapped[int] = mapped_column(sa.ForeignKey("pickup_points.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod))
    delivery_address: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    subtotal_satang: Mapped[int]
    fee_satang: Mapped[int] = mapped_column(default=0)
    total_satang: Mapped[int]
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    consumer: Mapped[User] = relationship(foreign_keys=[consumer_id])
    farmer: Mapped[User] = relationship(foreign_keys=[farmer_id])
    pickup_point: Mapped[PickupPoint] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.listing_id",
                                                  cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(back_populates="order", order_by="OrderEvent.id")

    @property
    def number(self) -> str:
        return f"GS-{self.id:06d}"


class OrderLine(db.Model):
    """A reservation: this much of one listing, at the price and label it had when ordered."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "listing_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[Unit] = mapped_column(enum_type(Unit))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price_satang: Mapped[int]
    total_satang: Mapped[int]
    # What the produce was sold as, fixed at ordering: "organic" or "conversion" (never re-labelled later).
    label: Mapped[str] = mapped_column(sa.String(16))
    plot_code: Mapped[str] = mapped_column(sa.String(8))

    order: Mapped[Order] = relationship(back_populates="lines")
    listing: Mapped[Listing] = relationship()


class OrderEvent(db.Model):
    """One status change of an order: who, when, from what to what, why. Append-only."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
