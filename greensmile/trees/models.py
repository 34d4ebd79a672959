"""The tree bank: species, trees registered one by one or as a stand, their measurements over time, and pledges
of trees as loan collateral."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import TimestampMixin, UTCDateTime, enum_type
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.models import Plot


class Species(TimestampMixin, db.Model):
    """A tree species, as data: names, wood density where a published source gives one, the collateral list."""

    __tablename__ = "tree_species"
    __table_args__ = (sa.CheckConstraint("wood_density IS NULL OR (wood_density > 0 AND wood_density < 1.6)",
                                         name="wood_density_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(sa.String(120), unique=True)
    scientific_name: Mapped[str] = mapped_column(sa.String(160), default="")
    wood_density: Mapped[Decimal | None] = mapped_column(sa.Numeric(4, 3))  # g/cm³
    density_source: Mapped[str] = mapped_column(sa.String(300), default="")  # where the density comes from
    # How many of the database's records the species mean is of: a mean of one record is flagged where it is shown.
    density_records: Mapped[int | None] = mapped_column(sa.Integer)
    on_collateral_list: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class TreeStatus(enum.Enum):
    STANDING = "standing"  # growing on the plot
    FELLED = "felled"  # cut (refused while pledged)
    REMOVED = "removed"  # dug out, moved or dead and taken away (refused while pledged)

    @property
    def label(self) -> str:
        return str(TREE_STATUS_LABELS[self])


TREE_STATUS_LABELS = {TreeStatus.STANDING: _l("Standing"), TreeStatus.FELLED: _l("Felled"),
                      TreeStatus.REMOVED: _l("Removed")}


class Stand(TimestampMixin, db.Model):
    """Trees registered as a count (species, how many, planting year), to be split into tagged trees later."""

    __tablename__ = "tree_stands"
    __table_args__ = (sa.CheckConstraint("count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    species_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_species.id"))
    count: Mapped[int]
    planting_year: Mapped[int | None]

    plot: Mapped[Plot] = relationship()
    species: Mapped[Species] = relationship()


class Tree(TimestampMixin, db.Model):
    """One tagged tree."""

    __tablename__ = "trees"
    __table_args__ = (sa.UniqueConstraint("plot_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(sa.String(20))  # the number on the tree's tag
    species_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_species.id"), index=True)
    planted_on: Mapped[date | None]
    planting_year: Mapped[int | None]
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    photo: Mapped[str] = mapped_column(sa.String(64), default="")
    stand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tree_stands.id", ondelete="SET NULL"))
    status: Mapped[TreeStatus] = mapped_column(enum_type(TreeStatus), default=TreeStatus.STANDING)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    plot: Mapped[Plot] = relationship()
    species: Mapped[Species] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(back_populates="tree",
                                                           order_by="Measurement.measured_on, Measurement.id")


class Measurement(db.Model):
    """Girth at breast height and height on one day, by whom; made offline, identified by the phone's id."""

    __tablename__ = "tree_measurements"
    __table_args__ = (
        sa.CheckConstraint("girth_cm > 0 AND girth_cm < 2000", name="girth_range"),
        sa.CheckConstraint("height_m > 0 AND height_m < 120", name="height_range"),
        sa.UniqueConstraint("tree_id", "measured_on"),  # measured once a day
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)  # sent twice, stored once
    tree_id: Mapped[int] = mapped_column(sa.ForeignKey("trees.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date]
    girth_cm: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1))
    height_m: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    measured_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    photo: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    tree: Mapped[Tree] = relationship(back_populates="measurements")
    measured_by: Mapped[User | None] = relationship()


class Pledge(TimestampMixin, db.Model):
    """A tree pledged as collateral: to whom, from when, the loan's reference; released, it may be felled again."""

    __tablename__ = "tree_pledges"
    __table_args__ = (sa.Index("ix_tree_pledges_tree_id_released_on", "tree_id", "released_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_id: Mapped[int] = mapped_column(sa.ForeignKey("trees.id", ondelete="CASCADE"))
    lender_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    loan_reference: Mapped[str] = mapped_column(sa.String(60))
    pledged_on: Mapped[date]
    released_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    tree: Mapped[Tree] = relationship()
    lender: Mapped[Organisation] = relationship()


class PriceTable(db.Model):
    """One version of the guideline price table, loaded by a coordinator from CSV; one version is active."""

    __tablename__ = "tree_price_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(sa.String(300))  # whose prices these are, e.g. the bank's guideline of a year
    active: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    rows: Mapped[list[PriceRow]] = relationship(back_populates="table", order_by="PriceRow.id")
    loaded_by: Mapped[User | None] = relationship()


class PriceRow(db.Model):
    """The price of a cubic metre of one species from a girth upwards (thicker trees fetch more a cubic metre)."""

    __tablename__ = "tree_price_rows"
    __table_args__ = (sa.UniqueConstraint("table_id", "species_id", "min_girth_cm"),
                      sa.CheckConstraint("satang_per_m3 >= 0", name="price_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_price_tables.id", ondelete="CASCADE"), index=True)
    species_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_species.id"))
    min_girth_cm: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1))
    satang_per_m3: Mapped[int] = mapped_column(sa.BigInteger)

    table: Mapped[PriceTable] = relationship(back_populates="rows")
    species: Mapped[Species] = relationship()


class Valuation(db.Model):
    """A tree's estimated value from one measurement, with the price table version and the formula it used."""

    __tablename__ = "tree_valuations"
    __table_args__ = (sa.Index("ix_tree_valuations_tree_id_valued_on", "tree_id", "valued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_id: Mapped[int] = mapped_column(sa.ForeignKey("trees.id", ondelete="CASCADE"))
    measurement_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_measurements.id", ondelete="CASCADE"),
                                                index=True)
    table_id: Mapped[int] = mapped_column(sa.ForeignKey("tree_price_tables.id"), index=True)
    table_version: Mapped[int]
    formula: Mapped[str] = mapped_column(sa.String(120))
    form_factor: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3))
    volume_m3: Mapped[Decimal] = mapped_column(sa.Numeric(10, 4))
    satang_per_m3: Mapped[int] = mapped_column(sa.BigInteger)
    value_satang: Mapped[int] = mapped_column(sa.BigInteger)
    valued_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    measurement: Mapped[Measurement] = relationship()
