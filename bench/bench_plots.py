"""The plot registry at the network's size: a 3,000-row CSV import, and the list and search pages over it.

Floors, measured in the same run:
- import: inserting the same 3,000 plot rows with one bare executemany (no checks, no history, no crops);
- pages: a bare Flask view served by the same test client.
Also prints the queries one list page runs with 20 plots and with 3,000: they should be equal.
Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import coordinator_client, database, demo_app, floor_rate, queries_for, rate, report  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.plots import importer  # noqa: E402
from greensmile.plots.models import Plot  # noqa: E402

ROWS = 3000
HEADER = ("plot_code,farmer_name,farmer_phone,group_name,province,district,subdistrict,village,latitude,longitude,"
          "area_rai,plot_type,crops,water_source,notes\n")
DISTRICTS = ["หาดใหญ่", "ควนเนียง", "นาหม่อม", "รัตภูมิ", "สะเดา", "จะนะ", "เทพา", "ระโนด"]
GROUPS = ["กลุ่มเกษตรอินทรีย์ควนเนียง", "กลุ่มผักอินทรีย์นาหม่อม"]
CROPS = ["ผักบุ้ง", "คะน้า", "พริก", "มะเขือ", "กล้วย", "ทุเรียน", "มังคุด", "ข้าว"]
TYPES = ["vegetables", "fruit", "rice", "mixed"]


def make_csv(rows: int) -> bytes:
    lines = [HEADER]
    for n in range(rows):
        crops = "|".join(CROPS[(n + k) % len(CROPS)] for k in range(1 + n % 3))
        lines.append(
            f",เกษตรกร ลำดับ{n % 1000},08{n % 1000:08d},{GROUPS[n % 2]},สงขลา,{DISTRICTS[n % len(DISTRICTS)]},"
            f"ตำบล{n % 40},หมู่ที่ {n % 12} บ้าน{n},{6.5 + (n % 900) / 1000:.6f},{100.2 + (n % 500) / 1000:.6f},"
            f"{1 + n % 9}.{n % 4 * 25},{TYPES[n % 4]},{crops},บ่อบาดาล,\n"
        )
    return "".join(lines).encode()


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def floor_insert(rows: int) -> float:
    """Seconds to write the same number of plot rows with one executemany, then throw them away."""
    with db.engine.connect() as connection:
        transaction = connection.begin()
        owner = connection.execute(sa.text("SELECT id FROM users LIMIT 1")).scalar_one()
        district = connection.execute(sa.text("SELECT id FROM districts LIMIT 1")).scalar_one()
        stamp = datetime.now(timezone.utc)
        values = [
            {"code": f"F{n:05d}", "name": "", "owner_id": owner, "group_id": None, "province": "สงขลา",
             "district_id": district, "subdistrict": "", "village": f"บ้าน{n}", "latitude": Decimal("7.0"),
             "longitude": Decimal("100.4"), "area_m2": Decimal(1600), "plot_type": "vegetables",
             "water_source": "", "neighbour_risks": "", "notes": "", "created_at": stamp, "updated_at": stamp}
            for n in range(rows)
        ]
        started = time.perf_counter()
        connection.execute(Plot.__table__.insert(), values)
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed


def main() -> None:
    page_floor = floor_rate()

    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        client = coordinator_client(app)
        with app.test_request_context():  # 8 demo plots + 12 = the 20 plots of the small case
            extra = make_csv(12).decode().replace("เกษตรกร ลำดับ", "เกษตรกรเล็ก ").replace(",08", ",09").encode()
            assert importer.import_plots(extra, None).ok
            db.session.commit()
        client.get("/plots")
        small = queries_for(app, client, "/plots")
        small_count = 20

        data = make_csv(ROWS)
        with app.test_request_context():
            floor = floor_insert(ROWS)
            seconds, done = timed(lambda: importer.import_plots(data, None))
            assert done.ok, done.row_errors[:3]
            db.session.commit()
            again, second = timed(lambda: importer.import_plots(data, None))
            assert second.unchanged == ROWS
            db.session.rollback()

        large = queries_for(app, client, "/plots")
        search = "/plots?q=บ้าน12&district=2"
        report(f"{ROWS:,}-row plot import ({done.created} plots, {done.farmers_created} farmers) vs executemany",
               seconds, floor, "s", goal=5, database=database(url))
        report(f"re-import of the same {ROWS:,} rows (no change) vs executemany", again, floor, "s", goal=5,
               database=database(url))
        print(f"queries per list page            {small:4d} with {small_count} plots, {large:4d} with "
              f"{small_count + ROWS} plots")
        for label, path in [("plot list, 3,000+ plots", "/plots"), ("Thai search + filter", search),
                            ("page 60 of the list", "/plots?page=60"), ("API list (50 a page)", "/api/v1/plots")]:
            figure = rate(client, path, rounds=60, warm_up=1)
            report(f"{label} {path}", figure, page_floor, "req/s", goal=0.2, database=database(url))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
