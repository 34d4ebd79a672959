from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.db import TimestampMixin, UTCDateTime
from greensmile.extensions import db
from greensmile.plots.models import Plot


class PlotScan(db.Model):
    """How many times a plot's public page was opened on a day: a count, nothing about who."""

    __tablename__ = "plot_scans"
    __table_args__ = (sa.UniqueConstraint("plot_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    count: Mapped[int] = mapped_column(default=0)


class Concern(TimestampMixin, db.Model):
    """Something a member of the public reports about a plot, for the coordinators."""

    __tablename__ = "concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(sa.Text)
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plot: Mapped[Plot] = relationship()


class PublicSnapshot(db.Model):
    """What a plot's public page shows, as one row (greensmile/public/snapshot.py): built from the plot's
    `public_version`, and rebuilt when that version has moved on."""

    __tablename__ = "public_snapshots"

    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int]
    data: Mapped[dict] = mapped_column(sa.JSON)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)
