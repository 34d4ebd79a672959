"""Supporters' pledges: money, inputs, training or a purchase guarantee, to a farmer group, to a plot's
certification costs or to the network; each delivery recorded, money paid by transfer or through Stripe."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.models import Crop, Plot


class SupportKind(enum.Enum):
    MONEY = "money"  # baht, paid by transfer or through Stripe
    INPUTS = "inputs"  # seeds, seedlings, compost, tools
    TRAINING = "training"  # courses, visits, advice
    PURCHASE_GUARANTEE = "purchase_guarantee"  # a promise to buy so much a week until a date

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {SupportKind.MONEY: _l("Money"), SupportKind.INPUTS: _l("Inputs"),
               SupportKind.TRAINING: _l("Training"), SupportKind.PURCHASE_GUARANTEE: _l("Purchase guarantee")}


class SupportStatus(enum.Enum):
    PLEDGED = "pledged"  # promised, nothing delivered yet
    PARTLY_DELIVERED = "partly_delivered"  # some delivered
    DELIVERED = "delivered"  # all delivered: closed
    WITHDRAWN = "withdrawn"  # the supporter took the pledge back: closed

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_open(self) -> bool:
        return self in (SupportStatus.PLEDGED, SupportStatus.PARTLY_DELIVERED)


# "Promised", not "Pledged": that word is the tree bank's (loan collateral), and one msgid has one translation.
STATUS_LABELS = {SupportStatus.PLEDGED: _l("Promised"), SupportStatus.PARTLY_DELIVERED: _l("Partly delivered"),
                 SupportStatus.DELIVERED: _l("Delivered"), SupportStatus.WITHDRAWN: _l("Withdrawn")}

# The one table of legal moves.
SUPPORT_MOVES = {
    SupportStatus.PLEDGED: {SupportStatus.PARTLY_DELIVERED, SupportStatus.DELIVERED, SupportStatus.WITHDRAWN},
    SupportStatus.PARTLY_DELIVERED: {SupportStatus.PARTLY_DELIVERED, SupportStatus.DELIVERED,
                                     SupportStatus.WITHDRAWN},
    SupportStatus.DELIVERED: set(),
    SupportStatus.WITHDRAWN: set(),
}


class DeliveryVia(enum.Enum):
    BANK_TRANSFER = "bank_transfer"  # money sent by transfer, recorded by hand
    STRIPE = "stripe"  # money paid through Stripe (PromptPay), recorded by its webhook
    PROMPTPAY = "promptpay"  # money paid by PromptPay straight to the group or the network, confirmed by them
    IN_KIND = "in_kind"  # inputs handed over, training given, produce bought

    @property
    def label(self) -> str:
        return str(VIA_LABELS[self])


VIA_LABELS = {DeliveryVia.BANK_TRANSFER: _l("Bank transfer"), DeliveryVia.STRIPE: _l("Paid online (Stripe)"),
              DeliveryVia.PROMPTPAY: _l("PromptPay, confirmed by the receiver"), DeliveryVia.IN_KIND: _l("In kind")}


class SupportPledge(TimestampMixin, db.Model):
    __tablename__ = "support_pledges"
    __table_args__ = (
        sa.CheckConstraint("NOT (group_id IS NOT NULL AND plot_id IS NOT NULL)", name="one_beneficiary"),
        sa.CheckConstraint("amount_satang IS NULL OR amount_satang > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supporter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)  # a farmer group
    plot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plots.id"), index=True)  # its certification costs
    kind: Mapped[SupportKind] = mapped_column(enum_type(SupportKind))
    title: Mapped[str] = mapped_column(sa.String(200))  # one line, e.g. "20 kg of vegetables a week until March"
    details: Mapped[str] = mapped_column(sa.Text, default="")  # private: supporter, beneficiary, coordinators
    amount_satang: Mapped[int | None] = mapped_column(sa.BigInteger)  # money pledged
    crop_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crops.id"))  # purchase guarantee: what
    kg_per_week: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))  # purchase guarantee: how much
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # title on the impact page
    public_amount: Mapped[bool] = mapped_column(default=False, server_default=sa.false())  # and the amount
    status: Mapped[SupportStatus] = mapped_column(enum_type(SupportStatus), default=SupportStatus.PLEDGED)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supporter: Mapped[Organisation] = relationship(foreign_keys=[supporter_id])
    group: Mapped[Organisation | None] = relationship(foreign_keys=[group_id])
    plot: Mapped[Plot | None] = relationship()
    crop: Mapped[Crop | None] = relationship()
    deliveries: Mapped[list[SupportDelivery]] = relationship(back_populates="pledge", order_by="SupportDelivery.id")


class SupportDelivery(TimestampMixin, db.Model):
    __tablename__ = "support_deliveries"
    __table_args__ = (sa.CheckConstraint("amount_satang IS NULL OR amount_satang > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("support_pledges.id", ondelete="CASCADE"), index=True)
    delivered_on: Mapped[date]
    via: Mapped[DeliveryVia] = mapped_column(enum_type(DeliveryVia))
    amount_satang: Mapped[int | None] = mapped_column(sa.BigInteger)
    quantity_kg: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # A transfer's reference or the Stripe intent: unique, so one payment is never counted twice.
    reference: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    pledge: Mapped[SupportPledge] = relationship(back_populates="deliveries")
    recorded_by: Mapped[User | None] = relationship()
