from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.plots.models import Plot


class BoundarySource(enum.Enum):
    WALKED = "walked"  # the phone's GPS points, taken walking round the plot
    DRAWN = "drawn"  # drawn, or a walked one corrected, on a map
    IMPORTED = "imported"  # from a coordinator's GeoJSON or KML file

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self])


SOURCE_LABELS = {
    BoundarySource.WALKED: _l("Walked with a phone's GPS"),
    BoundarySource.DRAWN: _l("Drawn on a map"),
    BoundarySource.IMPORTED: _l("Imported from a file"),
}


class PlotBoundary(db.Model):
    """One boundary of a plot. Never changed: a new one is added, and the newest is the plot's boundary now."""

    __tablename__ = "plot_boundaries"
    __table_args__ = (sa.Index("ix_plot_boundaries_plot_created", "plot_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    # The outer ring, closed, as [longitude, latitude] pairs (GeoJSON's order), six decimals (about 10 cm).
    ring: Mapped[list] = mapped_column(sa.JSON)
    area_m2: Mapped[float] = mapped_column(sa.Float)  # on the WGS 84 ellipsoid
    source: Mapped[BoundarySource] = mapped_column(enum_type(BoundarySource))
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)  # walked: the worst accuracy the phone reported
    # The measured area differs from the plot's declared area by more than BOUNDARY_AREA_TOLERANCE: a coordinator
    # looks at it.
    flagged: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plot: Mapped[Plot] = relationship()
    created_by: Mapped[User | None] = relationship()
