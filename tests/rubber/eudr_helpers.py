"""A rubber lot whose two plots have complete EUDR records, built through the services, and layers to check them."""
from __future__ import annotations

import json
from decimal import Decimal

from greensmile.certification.models import PledgeKind
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from greensmile.rubber import eudr, eudr_risk, lots
from greensmile.rubber.eudr_models import LandDocumentType, LayerKind
from tests.certification.helpers import png
from tests.geo.shapes import LAT, LON, hexagon, square
from tests.rubber.helpers import RubberGroup, harvest, make_group

# Plot 0 has a walked boundary; plot 1, a point 2 km east.
POINT = (Decimal("7.004000"), Decimal("100.420000"))


def complete(world: RubberGroup, n: int) -> None:
    plot, farmer = world.plots[n], world.farmers[n]
    if n == 0:
        boundaries.record(farmer, plot, hexagon(60), BoundarySource.WALKED, close=True)
    else:
        plot.latitude, plot.longitude = POINT
    eudr.declare(world.manager, plot, PledgeKind.SIGNATURE, png())
    eudr.record_land_document(world.manager, plot, eudr.LandDocumentData(LandDocumentType.CHANOTE, f"1234{n}",
                                                                          raot_number=f"90-{n}"), png())
    db.session.flush()


def ready_lot():
    """(world, lot): two complete plots, a harvest of each in a lot for the exporter."""
    world = make_group()
    for n in (0, 1):
        complete(world, n)
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [harvest(world, 0).id, harvest(world, 1, days_ago=5).id])
    return world, lot


def layer_file(*rings, names=None) -> bytes:
    features = [{"type": "Feature", "properties": {"name": (names or {}).get(n, f"ป่าสงวน {n + 1}")},
                 "geometry": {"type": "Polygon", "coordinates": [ring]}} for n, ring in enumerate(rings)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def reserve_over_plot_0() -> list[list[float]]:
    """A square of 200 m whose west edge runs through the centre of plot 0's hexagon (radius 60 m, on LON, LAT):
    it covers the east half of the plot."""
    return square(200, lon=LON, lat=LAT - 100 / 110_574)


def load(world: RubberGroup, *rings, kind: LayerKind = LayerKind.FOREST_RESERVE):
    report = eudr_risk.load_layer(world.coordinator, "ป่าสงวนแห่งชาติ (ตัวอย่าง)", kind, "กรมป่าไม้", layer_file(*rings))
    assert report.ok, (report.file_errors, report.errors)
    return report.layer
