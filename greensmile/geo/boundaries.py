"""A plot's boundary: checked (closed, at least three corners, not crossing itself, inside Thailand), measured on
the WGS 84 ellipsoid (pyproj), kept with its history.

Geometry is shapely's and pyproj's, not ours. Positions are GeoJSON's [longitude, latitude]. A boundary is never
changed: recording one adds it, and the newest is the plot's boundary now.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from pyproj import Geod
from shapely import make_valid
from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.geo.errors import BoundaryRefused, NotYourPlot
from greensmile.geo.models import BoundarySource, PlotBoundary
from greensmile.plots import services as plots
from greensmile.plots.models import MAX_AREA_M2, Plot

WGS84 = Geod(ellps="WGS84")
MIN_CORNERS = 3
MAX_POINTS = 2000  # a walk taking a point every few metres round a 100-rai plot stays far below
# Natural Earth's 1:10m outline is generalised by up to about a kilometre: a boundary within 2 km of it is inside.
BORDER_TOLERANCE_DEG = 0.02
DECIMALS = 6  # about 10 cm
FLAT_DEG2 = 1e-10  # a square degree is about 12,000 km² here: this is about a square metre


@dataclass(frozen=True)
class Area:
    m2: float

    @property
    def hectares(self) -> float:
        return self.m2 / 10_000

    @property
    def rai_ngan_wa(self) -> tuple[int, int, Decimal]:
        return plots.m2_to_area(Decimal(str(round(self.m2, 2))))


@lru_cache(maxsize=1)
def _thailand():
    path = Path(__file__).parent / "data" / "thailand.geojson"
    outline = shape(json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"])
    return outline.buffer(BORDER_TOLERANCE_DEG)


def _position(value) -> tuple[float, float] | None:
    """A [longitude, latitude] pair (a third number, the altitude, is allowed and dropped), or None."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 3):
        return None
    try:
        lon, lat = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return round(lon, DECIMALS), round(lat, DECIMALS)


def check_ring(positions, *, close: bool = False) -> list[tuple[float, float]]:
    """The closed ring these positions make, or BoundaryRefused naming every problem. `close`: the last corner joins
    the first by itself (a walk or a drawing); otherwise (a file) the ring must already end where it starts."""
    if not isinstance(positions, (list, tuple)) or len(positions) > MAX_POINTS:
        raise BoundaryRefused([_("A boundary is a list of at most %(max)s points.", max=MAX_POINTS)])
    ring = [_position(value) for value in positions]
    if any(point is None for point in ring):
        raise BoundaryRefused([_("Point %(n)s is not a longitude and latitude.", n=ring.index(None) + 1)])
    if close and ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    reasons = []
    if len(ring) < 2 or ring[0] != ring[-1]:
        reasons.append(_("The boundary is not closed: its last point must be its first."))
    corners = len({point for point in ring})
    if corners < MIN_CORNERS:
        raise BoundaryRefused(reasons + [_("A boundary needs at least %(n)s corners.", n=MIN_CORNERS)])
    if reasons:
        raise BoundaryRefused(reasons)
    polygon = Polygon(ring)
    if polygon.convex_hull.area < FLAT_DEG2:
        reasons.append(_("The boundary has no area: its corners lie on one line."))
    elif not polygon.is_valid:
        reasons.append(_crossing(polygon))
    if not _thailand().contains(polygon if polygon.is_valid else make_valid(polygon)):
        reasons.append(_("The boundary lies outside Thailand."))
    if reasons:
        raise BoundaryRefused(reasons)
    if area_of(ring).m2 > float(MAX_AREA_M2):
        raise BoundaryRefused([_("The boundary is larger than any plot can be.")])
    return ring


def _crossing(polygon: Polygon) -> str:
    explanation = explain_validity(polygon)  # e.g. "Self-intersection[100.4005 7.0005]"
    if "[" in explanation:
        try:
            lon, lat = (float(part) for part in explanation.split("[", 1)[1].rstrip("]").split()[:2])
            return _("The boundary crosses itself near %(lat)s, %(lon)s.", lat=f"{lat:.6f}", lon=f"{lon:.6f}")
        except ValueError:
            pass
    return _("The boundary crosses itself.")


def area_of(ring) -> Area:
    lons, lats = zip(*ring)
    area, _perimeter = WGS84.polygon_area_perimeter(lons, lats)
    return Area(abs(area))


def geodesic_area_m2(geometry) -> float:
    """The area on the WGS 84 ellipsoid of any shapely geometry in longitude and latitude (an overlap, a layer's
    area); 0 for a point or a line."""
    return abs(WGS84.geometry_area_perimeter(geometry)[0])


def mismatch(declared_m2: Decimal | float, measured_m2: float) -> bool:
    """Whether the measured area is further from the declared one than BOUNDARY_AREA_TOLERANCE (a share) allows."""
    declared = float(declared_m2 or 0)
    if declared <= 0:
        return False
    return abs(measured_m2 - declared) / declared > current_app.config["BOUNDARY_AREA_TOLERANCE"]


def record(acting: User, plot: Plot, positions, source: BoundarySource, *, accuracy_m: float | None = None,
           close: bool = False) -> PlotBoundary:
    """Add a boundary to the plot (the newest is its boundary now). The caller commits."""
    if not plots.can_map(acting, plot):
        raise NotYourPlot()
    ring = check_ring(positions, close=close)
    area = area_of(ring)
    if accuracy_m is not None and not (math.isfinite(accuracy_m) and 0 <= accuracy_m < 10_000):
        accuracy_m = None
    boundary = PlotBoundary(plot=plot, ring=[list(point) for point in ring], area_m2=round(area.m2, 2),
                            source=source, accuracy_m=accuracy_m, flagged=mismatch(plot.area_m2, area.m2),
                            created_by=acting)
    db.session.add(boundary)
    db.session.flush()
    return boundary


def current(plot: Plot) -> PlotBoundary | None:
    return db.session.scalar(sa.select(PlotBoundary).where(PlotBoundary.plot_id == plot.id)
                             .order_by(PlotBoundary.created_at.desc(), PlotBoundary.id.desc()).limit(1))


def history(plot: Plot) -> list[PlotBoundary]:
    return list(db.session.scalars(sa.select(PlotBoundary).where(PlotBoundary.plot_id == plot.id)
                                   .order_by(PlotBoundary.created_at.desc(), PlotBoundary.id.desc())))


def current_for(plot_ids: list[int]) -> dict[int, PlotBoundary]:
    """The boundary now of each of these plots that has one, in one query."""
    if not plot_ids:
        return {}
    newest = (sa.select(PlotBoundary.plot_id, sa.func.max(PlotBoundary.id).label("id"))
              .where(PlotBoundary.plot_id.in_(plot_ids)).group_by(PlotBoundary.plot_id).subquery())
    return {b.plot_id: b for b in db.session.scalars(sa.select(PlotBoundary).join(newest, newest.c.id == PlotBoundary.id))}


def current_rings(plot_ids: sa.Select) -> dict[int, list]:
    """The ring now of each plot the select names (a select of plot ids) that has a boundary, in one query, without
    building boundary objects (the network map reads thousands)."""
    newest = (sa.select(sa.func.max(PlotBoundary.id)).where(PlotBoundary.plot_id.in_(plot_ids))
              .group_by(PlotBoundary.plot_id))
    return dict(db.session.execute(sa.select(PlotBoundary.plot_id, PlotBoundary.ring)
                                   .where(PlotBoundary.id.in_(newest))).all())


PUBLIC_DECIMALS = 2  # 1.1 km north-south, about 1.1 km east-west at Thailand's latitudes


def rounded(longitude: float, latitude: float) -> tuple[float, float]:
    """A position as the public may see it: to the nearest hundredth of a degree, so the plot lies within about
    800 m of what is shown, and no closer is told."""
    return round(longitude, PUBLIC_DECIMALS), round(latitude, PUBLIC_DECIMALS)


def centre(boundary: PlotBoundary) -> tuple[float, float]:
    """A point inside the boundary, as (longitude, latitude)."""
    point = Polygon(boundary.ring).representative_point()
    return point.x, point.y


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance along the ellipsoid between two (longitude, latitude) positions."""
    return WGS84.inv(a[0], a[1], b[0], b[1])[2] / 1000


def flagged() -> list[PlotBoundary]:
    """Plots whose boundary now disagrees with their declared area, for the coordinators."""
    boundaries = current_for(list(db.session.scalars(sa.select(PlotBoundary.plot_id).distinct())))
    return sorted((b for b in boundaries.values() if b.flagged), key=lambda b: b.plot_id)
