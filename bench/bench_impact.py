"""The public impact figures over 3,000 plots and 100,000 trees: a fixed number of queries, and the time beside
the same aggregate computed by one raw SQL query.

Figures: queries and time of one computation of the impact figures (uncached), and of the /impact page through the
test client (cached and uncached), over the demo data plus 3,000 plots (2,000 certified organic) and 100,000
measured and valued trees. Floor, in the same run on the same database: one raw SQL statement computing the same
totals (certified plots and area, farmers, trees, their latest value and their CO₂ by the Chave et al. 2014
equation in SQL). Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import counted, database, demo_app, report  # noqa: E402
from greensmile.certification import charter  # noqa: E402
from greensmile.certification.models import Certification, CertStatus  # noqa: E402
from greensmile.certification.services import today  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.impact import figures  # noqa: E402
from greensmile.places.models import District  # noqa: E402
from greensmile.plots.models import Plot, PlotType  # noqa: E402
from greensmile.trees.models import Measurement, PriceTable, Species, Tree, TreeStatus, Valuation  # noqa: E402

PLOTS = 3_000
CERTIFIED = 2_000
TREES = 100_000

FLOOR_SQL = """
WITH latest AS (
  SELECT m.tree_id, m.girth_cm, m.height_m FROM tree_measurements m
  JOIN (SELECT tree_id, MAX(measured_on) AS day FROM tree_measurements GROUP BY tree_id) n
    ON n.tree_id = m.tree_id AND n.day = m.measured_on),
value AS (
  SELECT v.tree_id, v.value_satang FROM tree_valuations v
  JOIN (SELECT MAX(id) AS id FROM tree_valuations GROUP BY tree_id) n ON n.id = v.id)
SELECT
  (SELECT COUNT(*) FROM certifications c JOIN standards d ON d.id = c.standard_id AND d.code = 'pgs-organic'
     WHERE c.status IN ('certified', 'certified_with_conditions')
     AND (c.valid_until IS NULL OR c.valid_until >= :today)) AS certified,
  (SELECT SUM(p.area_m2) FROM plots p JOIN certifications c ON c.plot_id = p.id
     JOIN standards d ON d.id = c.standard_id AND d.code = 'pgs-organic'
     WHERE c.status IN ('certified', 'certified_with_conditions')
     AND (c.valid_until IS NULL OR c.valid_until >= :today)) AS area,
  (SELECT COUNT(DISTINCT owner_id) FROM plots) AS farmers,
  (SELECT COUNT(*) FROM trees WHERE status = 'standing') AS trees,
  (SELECT SUM(value.value_satang) FROM value JOIN trees t ON t.id = value.tree_id WHERE t.status = 'standing')
     AS value,
  (SELECT SUM(0.0673 * POWER(s.wood_density * (l.girth_cm / PI()) * (l.girth_cm / PI()) * l.height_m, 0.976)
              * 0.47 * 44 / 12)
     FROM latest l JOIN trees t ON t.id = l.tree_id JOIN tree_species s ON s.id = t.species_id
     WHERE t.status = 'standing' AND s.wood_density IS NOT NULL) AS co2
"""


def _world(app) -> None:
    with app.app_context():
        district = db.session.scalar(sa.select(District).order_by(District.id))
        owner_ids = [row for row in db.session.scalars(sa.text("SELECT id FROM users ORDER BY id"))]
        pgs = charter.ensure_pgs_standard()
        stamp = datetime.now(timezone.utc)
        db.session.execute(sa.insert(Plot), [
            {"code": f"B{n:05d}", "name": "", "owner_id": owner_ids[n % len(owner_ids)], "district_id": district.id,
             "province": "สงขลา", "subdistrict": "", "village": f"บ้าน{n}", "area_m2": Decimal(1600 + n % 7 * 400),
             "plot_type": PlotType.TREE_BANK if n % 3 == 0 else PlotType.VEGETABLES, "water_source": "",
             "neighbour_risks": "", "notes": "", "created_at": stamp, "updated_at": stamp}
            for n in range(PLOTS)])
        plot_ids = list(db.session.scalars(sa.select(Plot.id).where(Plot.code.like("B%")).order_by(Plot.id)))
        db.session.execute(sa.insert(Certification), [
            {"plot_id": plot_id, "standard_id": pgs.id, "status": CertStatus.CERTIFIED,
             "valid_from": today() - timedelta(days=100), "valid_until": today() + timedelta(days=265),
             "updated_at": stamp} for plot_id in plot_ids[:CERTIFIED]])
        species = [Species(name_th=f"ไม้ทดสอบ {n}", wood_density=Decimal("0.601") if n % 2 else None,
                           density_source="bench" if n % 2 else "") for n in range(4)]
        db.session.execute(sa.update(PriceTable).values(active=False))  # the demo's table steps aside
        version = (db.session.scalar(sa.select(sa.func.max(PriceTable.version))) or 0) + 1
        table = PriceTable(version=version, source="bench", active=True, loaded_at=stamp)
        db.session.add_all(species + [table])
        db.session.flush()
        db.session.execute(sa.insert(Tree), [
            {"plot_id": plot_ids[n % PLOTS], "tag": f"T{n}", "species_id": species[n % 4].id,
             "status": TreeStatus.FELLED if n % 50 == 0 else TreeStatus.STANDING, "status_reason": "", "photo": "",
             "created_at": stamp} for n in range(TREES)])
        tree_ids = list(db.session.scalars(sa.select(Tree.id).order_by(Tree.id)))
        db.session.execute(sa.insert(Measurement), [
            {"client_uuid": f"bench-{tree_id}", "tree_id": tree_id, "measured_on": today(),
             "girth_cm": Decimal(40 + tree_id % 90), "height_m": Decimal(6 + tree_id % 12), "photo": "",
             "created_at": stamp} for tree_id in tree_ids])
        measurement_ids = dict(db.session.execute(sa.select(Measurement.tree_id, Measurement.id)).all())
        db.session.execute(sa.insert(Valuation), [
            {"tree_id": tree_id, "measurement_id": measurement_ids[tree_id], "table_id": table.id,
             "table_version": version,
             "formula": "bench", "form_factor": Decimal("0.5"), "volume_m3": Decimal("0.1"),
             "satang_per_m3": 200_000, "value_satang": 20_000 + tree_id % 1000, "valued_on": today(),
             "created_at": stamp} for tree_id in tree_ids])
        db.session.commit()
        # Fresh planner statistics, as autovacuum would have gathered on a live database after a day's work.
        with db.engine.connect() as connection:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, url = demo_app(folder)
        started = time.perf_counter()
        _world(app)
        built = time.perf_counter() - started
        with app.test_request_context():
            figures.compute()  # warm up
            queries, seconds, _impact = counted(figures.compute)
            impact = figures.compute()
            floor_started = time.perf_counter()
            floor = db.session.execute(sa.text(FLOOR_SQL), {"today": today()}).one()
            floor_seconds = time.perf_counter() - floor_started
        client = app.test_client()
        app.config["IMPACT_CACHE_SECONDS"] = 0
        with app.app_context():
            page_q, page_s, _page = counted(lambda: client.get("/impact"))
        app.config["IMPACT_CACHE_SECONDS"] = 120
        client.get("/impact")
        with app.app_context():
            cached_q, cached_s, _page = counted(lambda: client.get("/impact"))
        organic = [s for s in impact.standards if s.code == charter.PGS_ORGANIC][0]
        print(f"database: {url.split(':')[0]}; {PLOTS} plots ({CERTIFIED} certified) and {TREES} trees "
              f"added in {built:.1f} s")
        print(f"impact figures (uncached)  {queries:3d} queries  {seconds * 1000:8.1f} ms   "
              f"{organic.plots} certified plots, {impact.trees} trees, {impact.trees_value_satang / 100:,.0f} baht, "
              f"{impact.trees_co2_kg / 1000:,.1f} t CO2")
        print(f"floor (one raw SQL query)             {floor_seconds * 1000:8.1f} ms   "
              f"{floor.certified} certified plots, {floor.trees} trees, {int(floor.value) / 100:,.0f} baht, "
              f"{float(floor.co2) / 1000:,.1f} t CO2")
        report(f"impact figures uncached, {PLOTS:,} plots + {TREES:,} trees vs one raw aggregate", seconds * 1000,
               floor_seconds * 1000, "ms", goal=1.5, database=database(url))
        print(f"/impact page, uncached     {page_q:3d} queries  {page_s * 1000:8.1f} ms")
        print(f"/impact page, cached       {cached_q:3d} queries  {cached_s * 1000:8.1f} ms "
              f"({page_s / cached_s:.0f} x faster)")


if __name__ == "__main__":
    main()
