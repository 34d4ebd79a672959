"""The network map's data over the network's size: 3,000 plots, each with a walked boundary of 40 corners, as one
GeoJSON request a coordinator's phone makes.

Floor, measured in the same run: one raw SQL query of the same rows (each plot's code, name, position, farmer and
the newest boundary's ring), its rows dumped to JSON as they come: no checks, no statuses, no simplification.
Prints the time and the bytes of each (and the bytes gzipped, what a proxy sends a phone), their ratios, and the
SQL statements one request runs with the demo's plots and with 3,000 more: they should be equal.
Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import gzip
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.bench_plots import make_csv  # noqa: E402
from bench.support import coordinator_client, database, demo_app, queries_for, report  # noqa: E402
from greensmile.accounts.models import User  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.geo import files  # noqa: E402
from greensmile.plots import importer  # noqa: E402
from greensmile.plots.models import Plot  # noqa: E402

ROWS = 3000
CORNERS = 40  # a walk taking a point every few metres round a plot of about 2 rai
ROUNDS = 10
PATH = "/plots/map.geojson"


def walked_ring(lon: float, lat: float, n: int) -> list[list[float]]:
    """A roundish plot of about 3,000 m² whose corners wobble like GPS points."""
    ring = []
    for k in range(CORNERS):
        angle = 2 * math.pi * k / CORNERS
        radius = 30 + 2 * math.sin(7 * angle + n)
        ring.append([round(lon + radius * math.cos(angle) / 110_400, 6), round(lat + radius * math.sin(angle) / 110_574, 6)])
    return ring + [ring[0]]


def boundaries_file(app) -> bytes:
    """A boundary for every plot, spread over Hat Yai and Na Mom (the CSV's positions reach into Malaysia, where a
    boundary is refused)."""
    with app.app_context():
        codes = db.session.scalars(sa.select(Plot.code).order_by(Plot.id)).all()
    features = [{"type": "Feature", "properties": {"plot_code": code},
                 "geometry": {"type": "Polygon", "coordinates": [
                     walked_ring(100.35 + (n % 60) * 0.004, 6.9 + (n // 60) * 0.004, n)]}}
                for n, code in enumerate(codes)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


RAW = sa.text("""
    SELECT p.code, p.name, p.latitude, p.longitude, u.display_name, b.ring
    FROM plots p JOIN users u ON u.id = p.owner_id
    LEFT JOIN plot_boundaries b ON b.id = (SELECT max(id) FROM plot_boundaries WHERE plot_id = p.id)
    ORDER BY p.code
""")


def raw_query(app) -> tuple[float, int]:
    """Seconds and bytes of the floor: the same rows in one query, dumped as they come."""
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(RAW).all()  # warm
            started = time.perf_counter()
            for _ in range(ROUNDS):
                rows = connection.execute(RAW).all()
                body = json.dumps([[code, name, str(lat) if lat is not None else None, str(lon) if lon is not None
                                    else None, who, ring if isinstance(ring, (list, type(None))) else json.loads(ring)]
                                   for code, name, lat, lon, who, ring in rows], ensure_ascii=False)
            return (time.perf_counter() - started) / ROUNDS, len(body.encode())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        client = coordinator_client(app)
        small = queries_for(app, client, PATH)
        with app.test_request_context():
            small_plots = db.session.scalar(sa.select(sa.func.count()).select_from(Plot))
            assert importer.import_plots(make_csv(ROWS), None).ok
            db.session.commit()
        data = boundaries_file(app)
        with app.test_request_context():
            started = time.perf_counter()
            coordinator = db.session.scalar(sa.select(User).where(User.email == "bench@example.com"))
            imported_report = files.import_boundaries(coordinator, data, "bench.geojson")
            assert imported_report.ok, (imported_report.file_errors, imported_report.errors[:3])
            db.session.commit()
            imported = time.perf_counter() - started
        large = queries_for(app, client, PATH)

        client.get(PATH)  # warm
        started = time.perf_counter()
        for _ in range(ROUNDS):
            answer = client.get(PATH)
            assert answer.status_code == 200
        seconds = (time.perf_counter() - started) / ROUNDS
        body = answer.get_data()
        features = len(json.loads(body)["features"])
        floor_seconds, floor_bytes = raw_query(app)
        zipped = len(gzip.compress(body, 6))

        print(f"boundaries imported              {imported:7.2f} s for {imported_report.added} plots of {CORNERS} corners")
        print(f"network map data, {features} plots  {seconds * 1000:7.0f} ms   floor (one raw query) "
              f"{floor_seconds * 1000:6.0f} ms   {seconds / floor_seconds:5.1f} × floor")
        report(f"network map data, {features} plots vs one raw query", seconds * 1000, floor_seconds * 1000, "ms",
               database=database(url))
        print(f"bytes                            {len(body):9,d}   floor {floor_bytes:9,d}   "
              f"{len(body) / floor_bytes:5.2f} × floor   gzipped {zipped:,d} ({zipped / floor_bytes:4.2f} × floor)")
        print(f"queries per request              {small:4d} with {small_plots} plots, {large:4d} with "
              f"{small_plots + ROWS} plots")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
