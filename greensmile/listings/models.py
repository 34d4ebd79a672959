"""What farmers offer for sale, and where buyers collect it.

A listing's stock is two counters: `quantity` offered and `quantity_reserved` by orders. Reservations are
the order lines themselves; the counter only ever moves through one conditional UPDATE (services.reserve).
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import Quantity, TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.places.models import District
from greensmile.plots.models import Crop, Plot


class PickupKind(enum.Enum):
    MARKET_STALL = "market_stall"  # a stall at a market, open on its market days
    TRUCK_STOP = "truck_stop"  # a stop of the mobile green-market truck, on its days and hours
    DELIVERY = "delivery"  # delivered to the buyer's door by a farmer or group, for a fee

    @property
    def label(self) -> str:
        return str(PICKUP_KIND_LABELS[self])


PICKUP_KIND_LABELS = {
    PickupKind.MARKET_STALL: _l("Market stall"),
    PickupKind.TRUCK_STOP: _l("Green-market truck stop"),
    PickupKind.DELIVERY: _l("Home delivery"),
}

WEEKDAY_LABELS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]


class PickupPoint(TimestampMixin, db.Model):
    """Where an order is handed over: a stall, a truck stop, or delivery to the buyer's address."""

    __tablename__ = "pickup_points"
    __table_args__ = (sa.CheckConstraint("fee_satang >= 0", name="fee_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PickupKind] = mapped_column(enum_type(PickupKind))
    name: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    # ISO weekdays it is open, e.g. "36" = Wednesday and Saturday; empty = by arrangement.
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="")
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]
    fee_satang: Mapped[int] = mapped_column(default=0)
    # A delivery offered by one farmer (they manage it), or run by a group; stalls and stops by coordinators.
    farmer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    district: Mapped[District | None] = relationship()
    farmer: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    def display_name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(day) for day in self.weekdays]

    @property
    def is_delivery(self) -> bool:
        return self.kind is PickupKind.DELIVERY


class Unit(enum.Enum):
    KG = "kg"  # weighed: quantities to 0.01 kg
    BUNCH = "bunch"  # counted
    PIECE = "piece"  # counted
    BOX = "box"  # counted

    @property
    def label(self) -> str:
        return str(UNIT_LABELS[self])

    @property
    def whole_numbers(self) -> bool:
        return self is not Unit.KG


UNIT_LABELS = {Unit.KG: _l("kg"), Unit.BUNCH: _l("bunch"), Unit.PIECE: _l("piece"), Unit.BOX: _l("box")}


class ListingStatus(enum.Enum):
    ACTIVE = "active"  # on sale while stock lasts and until the order cut-off
    WITHDRAWN = "withdrawn"  # taken off sale by the farmer; orders already placed stand
    LAPSED = "lapsed"  # taken off sale by itself: the plot's certificate lapsed (status_reason says how)

    @property
    def label(self) -> str:
        return str(LISTING_STATUS_LABELS[self])


LISTING_STATUS_LABELS = {
    ListingStatus.ACTIVE: _l("On sale"),
    ListingStatus.WITHDRAWN: _l("Withdrawn"),
    ListingStatus.LAPSED: _l("Withdrawn: certificate lapsed"),
}

listing_pickup_points = sa.Table(
    "listing_pickup_points",
    db.metadata,
    sa.Column("listing_id", sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("pickup_point_id", sa.ForeignKey("pickup_points.id"), primary_key=True, index=True),
)


class Listing(TimestampMixin, db.Model):
    """A quantity of one crop from one plot, at a price per unit, for a harvest date."""

    __tablename__ = "listings"
    __table_args__ = (
        sa.CheckConstraint("price_satang > 0", name="price_positive"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        # The database itself refuses an oversold listing, whatever the code above it does.
        sa.CheckConstraint("quantity_reserved >= 0 AND quantity_reserved <= quantity", name="reserved_within_stock"),
        sa.Index("ix_listings_status_order_by", "status", "order_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id"), index=True)
    farmer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    crop_id: Mapped[int] = mapped_column(sa.ForeignKey("crops.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[Unit] = mapped_column(enum_type(Unit))
    price_satang: Mapped[int]
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    quantity_reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    harvest_on: Mapped[date] = mapped_column(index=True)
    order_by: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus), default=ListingStatus.ACTIVE)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plot: Mapped[Plot] = relationship()
    farmer: Mapped[User] = relationship()
    crop: Mapped[Crop] = relationship()
    pickup_points: Mapped[list[PickupPoint]] = relationship(secondary=listing_pickup_points,
                                                            order_by=PickupPoint.id)
    photos: Mapped[list[ListingPhoto]] = relationship(back_populates="listing", order_by="ListingPhoto.id",
                                                      cascade="all, delete-orphan")

    @property
    def available(self) -> Decimal:
        return self.quantity - self.quantity_reserved


class ListingPhoto(TimestampMixin, db.Model):
    __tablename__ = "listing_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]

    listing: Mapped[Listing] = relationship(back_populates="photos")
