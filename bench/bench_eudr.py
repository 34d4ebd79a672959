"""A rubber lot's EUDR geolocation file at the size the acceptance names: 500 harvest lines over 300 member plots (half
with a walked boundary of 30 corners, half a point), every record complete.

Floor, measured in the same run: one raw SQL read of the same rows (each plot in the lot with its producer's name,
place, position and newest boundary ring), dumped to JSON as it comes: no statuses, no checks, no six-decimal writing.
Prints the time of the file (with the reference-layer checks made already, and once when they are made), its bytes,
and the SQL statements it runs for a lot of 50 lines over 30 plots and for 500 over 300: they should be equal.
Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import counted, database, demo_app, report  # noqa: E402
from greensmile.accounts import services as accounts  # noqa: E402
from greensmile.accounts.models import Role, User  # noqa: E402
from greensmile.certification.services import today  # noqa: E402
from greensmile.db import utcnow  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.geo import boundaries  # noqa: E402
from greensmile.geo.models import BoundarySource, PlotBoundary  # noqa: E402
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position  # noqa: E402
from greensmile.places.models import District  # noqa: E402
from greensmile.plots.models import Plot, PlotType  # noqa: E402
from greensmile.rubber import eudr_export, lots  # noqa: E402
from greensmile.rubber.eudr_models import CutoffDeclaration, LandDocument  # noqa: E402
from greensmile.rubber.models import Harvest, Lot, LotHarvest, RubberProduct, RubberProfile  # noqa: E402

ROUNDS = 10
CORNERS = 30


def walked(lon: float, lat: float, n: int) -> list[list[float]]:
    ring = []
    for k in range(CORNERS):
        angle = 2 * math.pi * k / CORNERS
        radius = 60 + 4 * math.sin(5 * angle + n)
        ring.append([round(lon + radius * math.cos(angle) / 110_400, 6), round(lat + radius * math.sin(angle) / 110_574, 6)])
    return ring + [ring[0]]


def build(plots_count: int, lines: int, tag: str) -> int:
    """A group of `plots_count` complete member rubber plots and a lot of `lines` harvests for an exporter; its id.
    Rows are written in bulk: the bench measures reading the file, not recording."""
    coordinator = db.session.scalar(sa.select(User).join(User.roles).where(sa.text("user_roles.role = 'coordinator'")))
    group = Organisation(name=f"กลุ่มยางทดสอบ {tag}", kind=OrganisationKind.FSC_GROUP)
    exporter = Organisation(name=f"ผู้ส่งออกทดสอบ {tag}", kind=OrganisationKind.RUBBER_EXPORTER)
    db.session.add_all([group, exporter])
    db.session.flush()
    district = db.session.scalar(sa.select(District).where(District.code == "9013"))
    farmer = accounts.create_user(email=f"bench-rubber-{tag}@example.com", display_name=f"ชาวสวน {tag}",
                                  password="bench-password", roles=(Role.FARMER,))
    db.session.add(Membership(organisation=group, user=farmer, position=Position.MANAGER))
    db.session.flush()
    stamp = utcnow()
    # each plot its own farmer (no password: accounts a coordinator made), so a lazy load per producer would show
    owners = [row.id for row in db.session.execute(sa.insert(User).returning(User.id), [
        {"email": None, "phone": f"09{tag[0] == 'l':1d}{n:07d}", "display_name": f"ชาวสวน {tag}{n}", "address": "",
         "password_hash": None, "locale": "th", "is_active": True, "session_token": f"{tag}{n:031d}"[:32],
         "created_at": stamp} for n in range(plots_count)])]
    first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Plot.id), 0))) + 1
    db.session.execute(sa.insert(Plot), [
        {"code": f"B{tag[0]}{n:04d}"[:6], "name": f"สวนยาง {n}", "owner_id": owners[n], "group_id": group.id,
         "province": "สงขลา", "district_id": district.id, "subdistrict": "ควนเนียง", "village": f"บ้าน {n}",
         "latitude": Decimal(f"{7.05 + (n // 20) * 0.004:.6f}"), "longitude": Decimal(f"{100.35 + (n % 20) * 0.004:.6f}"),
         "area_m2": Decimal("16000"), "plot_type": PlotType.RUBBER.value, "water_source": "", "neighbour_risks": "",
         "notes": "", "created_at": stamp, "updated_at": stamp} for n in range(plots_count)])
    plots = db.session.scalars(sa.select(Plot).where(Plot.group_id == group.id).order_by(Plot.id)).all()
    assert plots[0].id >= first
    db.session.execute(sa.insert(RubberProfile), [
        {"plot_id": p.id, "planting_year": 2010, "clone": "RRIM 600", "tapped_trees": 400, "tapping_system": "S/2 d/3",
         "created_at": stamp, "updated_at": stamp} for p in plots])
    db.session.execute(sa.insert(PlotBoundary), [
        {"plot_id": p.id, "ring": walked(float(p.longitude), float(p.latitude), n),
         "area_m2": boundaries.area_of(walked(float(p.longitude), float(p.latitude), n)).m2,
         "source": BoundarySource.WALKED.value, "accuracy_m": 5.0, "flagged": False, "created_by_id": farmer.id,
         "created_at": stamp} for n, p in enumerate(plots) if n % 2 == 0])
    db.session.execute(sa.insert(CutoffDeclaration), [
        {"plot_id": p.id, "kind": "signature", "image": "bench.jpg", "witness_name": "", "declared_by_id": farmer.id,
         "recorded_by_id": farmer.id, "created_at": stamp} for p in plots])
    db.session.execute(sa.insert(LandDocument), [
        {"plot_id": p.id, "doc_type": "chanote", "other_type": "", "number": f"{10000 + n}", "raot_number": "",
         "image": "bench.jpg", "recorded_by_id": farmer.id, "created_at": stamp} for n, p in enumerate(plots)])
    day = today() - timedelta(days=5)
    db.session.execute(sa.insert(Harvest), [
        {"plot_id": plots[n % plots_count].id, "harvested_on": day - timedelta(days=n // plots_count),
         "product": RubberProduct.CUP_LUMP.value, "weight_kg": Decimal("20"), "drc_percent": Decimal("50"),
         "dry_rubber_kg": Decimal("10"), "note": "", "recorded_by_id": farmer.id, "created_at": stamp,
         "updated_at": stamp} for n in range(lines)])
    harvests = db.session.scalars(sa.select(Harvest.id).join(Plot, Plot.id == Harvest.plot_id)
                                  .where(Plot.group_id == group.id)).all()
    lot = lots.create_lot(coordinator, group, exporter)
    db.session.execute(sa.insert(LotHarvest), [{"lot_id": lot.id, "harvest_id": h, "fsc_status": ""}
                                               for h in harvests])
    db.session.commit()
    return lot.id


RAW = sa.text("""
    SELECT p.code, p.name, p.village, p.subdistrict, p.latitude, p.longitude, p.area_m2, u.display_name, b.ring
    FROM plots p
    JOIN users u ON u.id = p.owner_id
    LEFT JOIN plot_boundaries b ON b.id = (SELECT max(id) FROM plot_boundaries WHERE plot_id = p.id)
    WHERE p.id IN (SELECT h.plot_id FROM rubber_lot_harvests lh JOIN rubber_harvests h ON h.id = lh.harvest_id
                   WHERE lh.lot_id = :lot)
""")


def raw_read(lot_id: int) -> float:
    with db.engine.connect() as connection:
        connection.execute(RAW, {"lot": lot_id}).all()
        started = time.perf_counter()
        for _ in range(ROUNDS):
            rows = connection.execute(RAW, {"lot": lot_id}).all()
            json.dumps([[str(v) if isinstance(v, Decimal) else (json.loads(v) if isinstance(v, str) and v[:1] == "["
                                                                   else v) for v in row] for row in rows],
                       ensure_ascii=False)
    return (time.perf_counter() - started) / ROUNDS


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        with app.test_request_context():
            tables = {t for t in sa.inspect(db.engine).get_table_names()}
            assert {"rubber_lot_harvests", "rubber_harvests"} <= tables, sorted(t for t in tables if "rubber" in t)
            small = build(30, 50, "s")
            large = build(300, 500, "l")

            def file_of(lot_id):
                return lambda: eudr_export.geolocation_files(db.session.get(Lot, lot_id))

            cold_queries, cold, _files = counted(file_of(large))  # makes each plot's check
            db.session.commit()
            small_queries, _t, _f = counted(file_of(small))
            db.session.commit()  # each measured call opens its own transaction
            small_queries, _t, _f = counted(file_of(small))
            db.session.commit()
            large_queries, _t, files = counted(file_of(large))
            db.session.expire_all()
            started = time.perf_counter()
            for _ in range(ROUNDS):
                db.session.expire_all()
                files = eudr_export.geolocation_files(db.session.get(Lot, large))
            seconds = (time.perf_counter() - started) / ROUNDS
            db.session.rollback()  # SQLite: the raw read needs the session's transaction closed
            floor = raw_read(large)
            (name, data), = files
            features = len(json.loads(data)["features"])
        print(f"geolocation file, 500 lines over {features} plots  {seconds * 1000:7.1f} ms   "
              f"floor (one raw read) {floor * 1000:6.1f} ms   {seconds / floor:5.1f} × floor   {len(data):,d} bytes")
        report("EUDR geolocation file, 500 lines vs one raw read", seconds * 1000, floor * 1000, "ms",
               database=database(url))
        print(f"the first time (each plot checked against the layers) {cold * 1000:7.1f} ms, {cold_queries} queries")
        print(f"queries per file                 {small_queries:4d} for 50 lines over 30 plots, {large_queries:4d} "
              f"for 500 lines over 300 plots")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
