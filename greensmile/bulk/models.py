"""Institutional buying: kitchens' bulk and standing orders, farms' weekly capacity, shares, deliveries, invoices.

A bulk order has lines (crop, quantity, unit); each line is filled by shares, one per plot, that the
coordinator proposes and each farm confirms or declines. A share records what the kitchen received, so the
invoice follows the scales, and the plot and its certificate status on the delivery date, so every kilo can be
traced back (and a plot forward to every kitchen it fed).
"""
from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import Quantity, TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.network.models import Organisation
from greensmile.plots.models import Crop, Plot


class PaymentTerms(enum.Enum):
    INVOICE = "invoice"  # a monthly invoice, due a set number of days after it is issued
    PAY_NOW = "pay_now"  # each monthly invoice is due at once, paid online (Stripe PromptPay) when issued

    @property
    def label(self) -> str:
        return str(PAYMENT_TERMS_LABELS[self])


PAYMENT_TERMS_LABELS = {
    PaymentTerms.INVOICE: _l("Monthly invoice, paid by bank transfer within the agreed days"),
    PaymentTerms.PAY_NOW: _l("Pay online by PromptPay as soon as the invoice is issued"),
}


class BuyerProfile(TimestampMixin, db.Model):
    """What a buying organisation needs beyond its name: where and when to deliver, how it pays."""

    __tablename__ = "buyer_profiles"
    __table_args__ = (sa.CheckConstraint("invoice_days >= 0 AND invoice_days <= 120", name="invoice_days_range"),)

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    delivery_address: Mapped[str] = mapped_column(sa.String(300), default="")
    # ISO weekdays deliveries are taken, e.g. "12345"; and the window on those days.
    delivery_weekdays: Mapped[str] = mapped_column(sa.String(7), default="12345")
    window_opens: Mapped[time | None]
    window_closes: Mapped[time | None]
    payment_terms: Mapped[PaymentTerms] = mapped_column(enum_type(PaymentTerms), default=PaymentTerms.INVOICE)
    invoice_days: Mapped[int] = mapped_column(default=30)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(day) for day in self.delivery_weekdays]


class FarmCapacity(TimestampMixin, db.Model):
    """A farm's standing offer to kitchens: up to this much of a crop from a plot each week, at this price."""

    __tablename__ = "farm_capacities"
    __table_args__ = (
        sa.UniqueConstraint("plot_id", "crop_id", "unit"),
        sa.CheckConstraint("weekly_quantity > 0", name="weekly_quantity_positive"),
        sa.CheckConstraint("price_satang > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    farmer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crops.id"), index=True)
    unit: Mapped[Unit] = mapped_column(enum_type(Unit))
    weekly_quantity: Mapped[Decimal] = mapped_column(Quantity)
    price_satang: Mapped[int]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plot: Mapped[Plot] = relationship()
    farmer: Mapped[User] = relationship()
    crop: Mapped[Crop] = relationship()


class StandingStatus(enum.Enum):
    ACTIVE = "active"  # makes an order for each chosen weekday until its end date
    ENDED = "ended"  # stopped early by the buyer; orders already made stand

    @property
    def label(self) -> str:
        return str(STANDING_STATUS_LABELS[self])


STANDING_STATUS_LABELS = {StandingStatus.ACTIVE: _l("Active"), StandingStatus.ENDED: _l("Ended")}


class StandingOrder(TimestampMixin, db.Model):
    """The same lines every week on chosen weekdays, from a start to an end date."""

    __tablename__ = "standing_orders"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    weekdays: Mapped[str] = mapped_column(sa.String(7))  # ISO weekdays, e.g. "14" = Monday and Thursday
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[StandingStatus] = mapped_column(enum_type(StandingStatus), default=StandingStatus.ACTIVE)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    lines: Mapped[list[StandingLine]] = relationship(back_populates="standing_order", order_by="StandingLine.id",
                                                     cascade="all, delete-orphan")

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(day) for day in self.weekdays]


class StandingLine(db.Model):
    __tablename__ = "standing_lines"
    __table_args__ = (
        sa.UniqueConstraint("standing_order_id", "crop_id", "unit"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standing_order_id: Mapped[int] = mapped_column(sa.ForeignKey("standing_orders.id", ondelete="CASCADE"),
                                                   index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crops.id"))
    unit: Mapped[Unit] = mapped_column(enum_type(Unit))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    max_price_satang: Mapped[int | None]

    standing_order: Mapped[StandingOrder] = relationship(back_populates="lines")
    crop: Mapped[Crop] = relationship()


class BulkStatus(enum.Enum):
    OPEN = "open"  # placed; the buyer may still change it; waiting for the coordinator to allocate
    ALLOCATING = "allocating"  # shares proposed to farms; waiting for them to confirm
    CONFIRMED = "confirmed"  # every share confirmed by its farm (any shortfall accepted); to be delivered
    DELIVERED = "delivered"  # the kitchen has weighed and recorded what arrived
    SKIPPED = "skipped"  # this week of a standing order is not wanted
    CANCELLED = "cancelled"  # withdrawn before delivery

    @property
    def label(self) -> str:
        return str(BULK_STATUS_LABELS[self])


BULK_STATUS_LABELS = {
    BulkStatus.OPEN: _l("Waiting for allocation"),
    BulkStatus.ALLOCATING: _l("Waiting for farms to confirm"),
    BulkStatus.CONFIRMED: _l("Confirmed by the farms"),
    BulkStatus.DELIVERED: _l("Delivered"),
    BulkStatus.SKIPPED: _l("Skipped this week"),
    BulkStatus.CANCELLED: _l("Cancelled"),
}


class BulkOrder(TimestampMixin, db.Model):
    """What one organisation wants delivered on one date: once, or one week of a standing order."""

    __tablename__ = "bulk_orders"
    __table_args__ = (
        # `bulk generate` makes each week of a standing order once, however often it runs.
        sa.UniqueConstraint("standing_order_id", "delivery_on"),
        sa.Index("ix_bulk_orders_organisation_id_delivery_on", "organisation_id", "delivery_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    delivery_on: Mapped[date] = mapped_column(index=True)
    standing_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("standing_orders.id"))
    status: Mapped[BulkStatus] = mapped_column(enum_type(BulkStatus), default=BulkStatus.OPEN)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    standing_order: Mapped[StandingOrder | None] = relationship()
    lines: Mapped[list[BulkLine]] = relationship(back_populates="order", order_by="BulkLine.id",
                                                 cascade="all, delete-orphan")
    events: Mapped[list[BulkEvent]] = relationship(back_populates="order", order_by="BulkEvent.id")

    @property
    def number(self) -> str:
        return f"BK-{self.id:06d}"


class BulkLine(db.Model):
    __tablename__ = "bulk_lines"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "crop_id", "unit"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_orders.id", ondelete="CASCADE"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crops.id"), index=True)
    unit: Mapped[Unit] = mapped_column(enum_type(Unit))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    max_price_satang: Mapped[int | None]

    order: Mapped[BulkOrder] = relationship(back_populates="lines")
    crop: Mapped[Crop] = relationship()
    shares: Mapped[list[Share]] = relationship(back_populates="line", order_by="Share.id")

    @property
    def live_shares(self) -> list[Share]:
        return [share for share in self.shares if share.status.holds]

    @property
    def allocated(self) -> Decimal:
        return sum((share.quantity for share in self.live_shares), Decimal("0.00"))

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal("0.00"), self.quantity - self.allocated)


class ShareStatus(enum.Enum):
    PROPOSED = "proposed"  # the coordinator asks this farm for this much; the farm has not answered
    CONFIRMED = "confirmed"  # the farm will deliver it
    DECLINED = "declined"  # the farm cannot; its quantity is open again for another farm
    WITHDRAWN = "withdrawn"  # taken back by the coordinator before the farm answered
    RECEIVED = "received"  # weighed in by the kitchen (received_quantity may be less than asked)
    REJECTED = "rejected"  # refused by the kitchen on arrival, with a reason; not invoiced

    @property
    def label(self) -> str:
        return str(SHARE_STATUS_LABELS[self])

    @property
    def holds(self) -> bool:
        """Counts against the line (and the farm's week): asked, promised or delivered."""
        return self in (ShareStatus.PROPOSED, ShareStatus.CONFIRMED, ShareStatus.RECEIVED, ShareStatus.REJECTED)


SHARE_STATUS_LABELS = {
    ShareStatus.PROPOSED: _l("Asked, waiting for the farm"),
    ShareStatus.CONFIRMED: _l("Confirmed by the farm"),
    ShareStatus.DECLINED: _l("Declined by the farm"),
    ShareStatus.WITHDRAWN: _l("Withdrawn"),
    ShareStatus.RECEIVED: _l("Received"),
    ShareStatus.REJECTED: _l("Rejected on arrival"),
}


class Share(TimestampMixin, db.Model):
    """The part of one line that one plot fills, from proposal to the kitchen's scales."""

    __tablename__ = "bulk_shares"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("received_quantity IS NULL OR received_quantity >= 0", name="received_not_negative"),
        sa.Index("ix_bulk_shares_plot_id_status", "plot_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_lines.id", ondelete="CASCADE"), index=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id"))
    farmer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    capacity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("farm_capacities.id", ondelete="SET NULL"),
                                                    index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price_satang: Mapped[int]
    status: Mapped[ShareStatus] = mapped_column(enum_type(ShareStatus), default=ShareStatus.PROPOSED)
    # The ISO week the share falls in, e.g. "2026-W49": a farm's weekly capacity is counted per week.
    week: Mapped[str] = mapped_column(sa.String(8), index=True)
    answer_note: Mapped[str] = mapped_column(sa.Text, default="")  # why the farm declined, or a remark
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    received_note: Mapped[str] = mapped_column(sa.Text, default="")  # why it was rejected, or a remark
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The plot's organic status on the delivery date, fixed when the kitchen records the delivery.
    certificate_status: Mapped[str] = mapped_column(sa.String(32), default="")
    certificate_valid_until: Mapped[date | None]
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)

    line: Mapped[BulkLine] = relationship(back_populates="shares")
    plot: Mapped[Plot] = relationship()
    farmer: Mapped[User] = relationship(foreign_keys=[farmer_id])
    invoice: Mapped[Invoice | None] = relationship(back_populates="shares")

    @property
    def invoiced_quantity(self) -> Decimal:
        return self.received_quantity if self.status is ShareStatus.RECEIVED and self.received_quantity else (
            Decimal("0.00"))


class BulkEvent(db.Model):
    """One step of a bulk order: placed, allocated, a share asked, answered, adjusted, received. Append-only."""

    __tablename__ = "bulk_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_orders.id", ondelete="CASCADE"), index=True)
    share_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bulk_shares.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(32))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[BulkOrder] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))


EVENT_LABELS = {
    "placed": _l("Placed"),
    "generated": _l("Made from the standing order"),
    "changed": _l("Changed by the kitchen"),
    "asked": _l("Farm asked"),
    "adjusted": _l("Request changed"),
    "withdrawn": _l("Request withdrawn"),
    "declined": _l("Declined by the farm"),
    "received": _l("Received"),
    "rejected": _l("Rejected on arrival"),
    "open": _l("Waiting for allocation"),
    "allocating": _l("Waiting for farms to confirm"),
    "confirmed": _l("Confirmed"),
    "delivered": _l("Delivered"),
    "skipped": _l("Skipped this week"),
    "cancelled": _l("Cancelled"),
}


class InvoiceStatus(enum.Enum):
    ISSUED = "issued"  # sent to the organisation, waiting for payment
    PAID = "paid"  # paid (bank transfer marked by a coordinator, or online through Stripe)

    @property
    def label(self) -> str:
        return str(INVOICE_STATUS_LABELS[self])


INVOICE_STATUS_LABELS = {InvoiceStatus.ISSUED: _l("Waiting for payment"), InvoiceStatus.PAID: _l("Paid")}


class Invoice(TimestampMixin, db.Model):
    """One organisation's month: every share received that month, priced at what was received."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "month"),
        sa.CheckConstraint("total_satang >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # Random, never reused: names the invoice to Stripe (idempotency keys) even where numbers repeat, as they do
    # when a staging database starts again.
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True, default=lambda: uuid.uuid4().hex)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    month: Mapped[date]  # the first day of the month it covers
    issued_on: Mapped[date]
    due_on: Mapped[date]
    total_satang: Mapped[int]
    status: Mapped[InvoiceStatus] = mapped_column(enum_type(InvoiceStatus), default=InvoiceStatus.ISSUED)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    payment_reference: Mapped[str] = mapped_column(sa.String(120), default="")
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    shares: Mapped[list[Share]] = relationship(back_populates="invoice", order_by="Share.id")
