"""Sustainable rubber: rubber plots' details, harvests in dry rubber, and lots whose FSC claim is traced plot by plot.

A harvest goes into one lot only (a unique constraint). A lot's claim is computed from each contributing plot's
FSC status on its harvest date and the group's certificate, never typed in.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import Quantity, TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.models import Plot


class RubberProfile(TimestampMixin, db.Model):
    """What a rubber plot is: when it was planted, with which clone, how many trees are tapped and how."""

    __tablename__ = "rubber_profiles"
    __table_args__ = (
        sa.CheckConstraint("planting_year >= 1900 AND planting_year <= 2200", name="planting_year_range"),
        sa.CheckConstraint("tapped_trees >= 0", name="tapped_trees_not_negative"),
    )

    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), primary_key=True)
    planting_year: Mapped[int]
    clone: Mapped[str] = mapped_column(sa.String(40))  # e.g. RRIM 600, RRIT 251
    tapped_trees: Mapped[int] = mapped_column(default=0)
    tapping_system: Mapped[str] = mapped_column(sa.String(40), default="")  # e.g. S/2 d/3
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plot: Mapped[Plot] = relationship()


class RubberProduct(enum.Enum):
    FIELD_LATEX = "field_latex"  # น้ำยางสด: counted at its dry rubber content (DRC %), measured at the buyer
    CUP_LUMP = "cup_lump"  # ยางก้อนถ้วย: counted at its DRC %, as buying stations price it
    UNSMOKED_SHEET = "unsmoked_sheet"  # ยางแผ่นดิบ: counted at its DRC %, the moisture it still holds taken off
    RIBBED_SMOKED_SHEET = "ribbed_smoked_sheet"  # ยางแผ่นรมควัน: dried sheet, traded by weight as dry rubber

    @property
    def label(self) -> str:
        return str(PRODUCT_LABELS[self])

    @property
    def needs_drc(self) -> bool:
        return self is not RubberProduct.RIBBED_SMOKED_SHEET


PRODUCT_LABELS = {
    RubberProduct.FIELD_LATEX: _l("Field latex"),
    RubberProduct.CUP_LUMP: _l("Cup lump"),
    RubberProduct.UNSMOKED_SHEET: _l("Unsmoked sheet"),
    RubberProduct.RIBBED_SMOKED_SHEET: _l("Ribbed smoked sheet"),
}


class Harvest(TimestampMixin, db.Model):
    """One harvest record from one plot: what was sold or delivered, its weight, and the dry rubber in it."""

    __tablename__ = "rubber_harvests"
    __table_args__ = (
        sa.CheckConstraint("weight_kg > 0", name="weight_positive"),
        sa.CheckConstraint("dry_rubber_kg > 0", name="dry_rubber_positive"),
        sa.CheckConstraint("drc_percent IS NULL OR (drc_percent > 0 AND drc_percent <= 100)", name="drc_range"),
        sa.Index("ix_rubber_harvests_plot_id_harvested_on", "plot_id", "harvested_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id"))
    harvested_on: Mapped[date]
    product: Mapped[RubberProduct] = mapped_column(enum_type(RubberProduct))
    weight_kg: Mapped[Decimal] = mapped_column(Quantity)
    drc_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    dry_rubber_kg: Mapped[Decimal] = mapped_column(Quantity)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    plot: Mapped[Plot] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    lot_entry: Mapped[LotHarvest | None] = relationship(back_populates="harvest", uselist=False)


class LotStatus(enum.Enum):
    OPEN = "open"  # the group is putting it together
    SHIPPED = "shipped"  # handed to the buyer: its contents no longer change

    @property
    def label(self) -> str:
        return str(LOT_STATUS_LABELS[self])


LOT_STATUS_LABELS = {LotStatus.OPEN: _l("Being assembled"), LotStatus.SHIPPED: _l("Shipped")}


class Lot(TimestampMixin, db.Model):
    """Rubber a group sells to one buyer (an exporter), made of its members' harvest records."""

    __tablename__ = "rubber_lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)  # same alphabet and check character as plots
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    status: Mapped[LotStatus] = mapped_column(enum_type(LotStatus), default=LotStatus.OPEN)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    shipped_on: Mapped[date | None]
    # Fixed when the lot is shipped, from its contributions' statuses then: what was sold as "FSC 100%" stays so.
    claim: Mapped[str] = mapped_column(sa.String(20), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    group: Mapped[Organisation] = relationship(foreign_keys=[group_id])
    buyer: Mapped[Organisation] = relationship(foreign_keys=[buyer_id])
    entries: Mapped[list[LotHarvest]] = relationship(back_populates="lot", order_by="LotHarvest.harvest_id",
                                                     cascade="all, delete-orphan")


class LotHarvest(db.Model):
    __tablename__ = "rubber_lot_harvests"

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("rubber_lots.id", ondelete="CASCADE"), primary_key=True)
    # Unique: a harvest record goes into one lot only, so its rubber is never sold twice.
    harvest_id: Mapped[int] = mapped_column(sa.ForeignKey("rubber_harvests.id"), primary_key=True, unique=True)
    # The plot's FSC status on the harvest date, fixed when the lot is shipped.
    fsc_status: Mapped[str] = mapped_column(sa.String(32), default="")

    lot: Mapped[Lot] = relationship(back_populates="entries")
    harvest: Mapped[Harvest] = relationship(back_populates="lot_entry")
