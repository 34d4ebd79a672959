"""The network map's data: every plot a person may see, matching the plot list's filters, coloured by its status
under one standard, as one GeoJSON FeatureCollection in a fixed number of queries however many plots. Boundaries
are simplified to about a metre (the map simplifies further on screen at low zoom) and each plot carries a centre
for the clustered markers."""
from __future__ import annotations

import sqlalchemy as sa
from shapely import simplify
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from greensmile.accounts.models import User
from greensmile.certification import overview
from greensmile.certification.models import CertStatus, Standard
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.plots.models import Plot

SIMPLIFY_DEG = 0.00001  # about 1.1 m: below a walked corner's GPS error
MAP_DECIMALS = 6  # about 10 cm, what a boundary keeps
CENTRE_DECIMALS = 5


def _shape(ring: list) -> tuple[dict, list[float]]:
    polygon = Polygon(ring)
    simple = simplify(polygon, SIMPLIFY_DEG, preserve_topology=True)
    if simple.is_empty or not simple.is_valid:
        simple = polygon
    simple = orient(simple, 1.0)  # RFC 7946: the outer ring counterclockwise
    coordinates = [[round(x, MAP_DECIMALS), round(y, MAP_DECIMALS)] for x, y in simple.exterior.coords]
    inside = polygon.representative_point()
    return {"type": "Polygon", "coordinates": [coordinates]}, [round(inside.x, CENTRE_DECIMALS),
                                                                round(inside.y, CENTRE_DECIMALS)]


def features(plot_ids: sa.Select, standard: Standard | None, extra: dict[int, dict] | None = None) -> dict:
    """`plot_ids`: a select of the plots to show (the plot list's search for this person). `extra`: more properties
    by plot (an inspector's planned visit)."""
    extra = extra or {}
    rows = db.session.execute(
        sa.select(Plot.id, Plot.code, Plot.name, Plot.latitude, Plot.longitude, User.display_name)
        .join(User, User.id == Plot.owner_id).where(Plot.id.in_(plot_ids)).order_by(Plot.code)
    ).all()
    rings = boundaries.current_rings(plot_ids)
    statuses = overview.statuses([row.id for row in rows], code=standard.code) if standard else {
        row.id: CertStatus.NOT_CERTIFIED for row in rows}
    found = []
    for row in rows:
        if row.id in rings:
            geometry, centre = _shape(rings[row.id])
        elif row.latitude is not None and row.longitude is not None:
            centre = [round(float(row.longitude), CENTRE_DECIMALS), round(float(row.latitude), CENTRE_DECIMALS)]
            geometry = {"type": "Point", "coordinates": centre}
        else:
            continue  # no position: the list shows it, the map cannot
        properties = {"code": row.code, "name": row.name, "farmer": row.display_name,
                      "status": statuses[row.id].value, "at": centre}
        properties.update(extra.get(row.id, {}))
        found.append({"type": "Feature", "id": row.code, "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": found, "unplaced": len(rows) - len(found)}
