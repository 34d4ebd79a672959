"""Erasing one farmer from a database the size of the province's: the demo data plus 3,000 plots' change histories and
20,000 notices to other people, a tenth of which name the farmer (a seller's name in a buyer's notice).

Floor, measured in the same run: reading every text and JSON cell of every table once (one SELECT per table), which is
what a search for the farmer's name across the whole database would do. The erasure reads only the columns the rooms
named as copies, looking for each of the farmer's values (the demo farmer's name and e-mail), and rewrites the cells
that hold one in one statement per column. Prints the time (median of rounds, each rolled back), the ratio, the SQL
statements and the cells rewritten. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import counted, database, demo_app, report  # noqa: E402
from greensmile.accounts.models import User  # noqa: E402
from greensmile.db import utcnow  # noqa: E402
from greensmile.demo import demo_user  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.notifications.models import Channel, Delivery, Notification  # noqa: E402
from greensmile.plots.models import ChangeSource, Plot, PlotChange  # noqa: E402
from greensmile.privacy import erasure  # noqa: E402

ROUNDS = 5
NOTICES = 20_000
CHANGES = 3_000


def fill(farmer: User) -> None:
    others = list(db.session.scalars(sa.select(User.id).where(User.id != farmer.id)))
    plots = list(db.session.scalars(sa.select(Plot.id)))
    now = utcnow()
    db.session.execute(sa.insert(Notification), [{
        "user_id": others[n % len(others)], "kind": "order.placed", "title": f"คำสั่งซื้อ GS-{n:05d}",
        "body": f"สั่งผักจาก {farmer.display_name if n % 10 == 0 else 'สวนอื่น'} จำนวน {n % 7 + 1} กิโลกรัม",
        "facts": [["ผู้ขาย", farmer.display_name if n % 10 == 0 else "สวนอื่น"], ["ยอดรวม", "฿120"]],
        "channel": Channel.EMAIL, "delivery": Delivery.SENT, "created_at": now, "url": "", "note": "",
        "retry_key": f"bench-{n}",
    } for n in range(NOTICES)])
    db.session.execute(sa.insert(PlotChange), [{
        "plot_id": plots[n % len(plots)], "user_id": None, "source": ChangeSource.IMPORT, "action": "updated",
        "changes": {"village": ["", f"หมู่ {n % 12 + 1}"]}, "created_at": now,
    } for n in range(CHANGES)])
    db.session.commit()


def floor_read() -> float:
    started = time.perf_counter()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, (sa.String, sa.Text, sa.JSON)) and not isinstance(c.type, sa.Enum)]
        if columns:
            db.session.execute(sa.select(*columns)).all()
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        with app.app_context():
            farmer, coordinator = demo_user("farmer"), demo_user("coordinator")
            fill(farmer)
            asked = erasure.ask(farmer, farmer, "")
            db.session.commit()
            asked_id, coordinator_id = asked.id, coordinator.id
            floors, times, statements, changed = [], [], 0, 0
            for _ in range(ROUNDS):
                floors.append(floor_read())
                request = db.session.get(type(asked), asked_id)
                acting = db.session.get(User, coordinator_id)
                statements, seconds, outcome = counted(lambda: erasure.carry_out(request, acting))
                times.append(seconds)
                changed = outcome["erased"]["swept"]
                db.session.rollback()
            floor, took = statistics.median(floors), statistics.median(times)
            values = len(erasure.personal_values(db.session.get(User, farmer.id)))
        print(f"erasing one farmer ({NOTICES:,} notices, {CHANGES:,} plot changes, {values} values swept)  "
              f"{took * 1000:8.1f} ms")
        print(f"floor: reading every text and JSON cell once                           {floor * 1000:8.1f} ms")
        print(f"{statements} SQL statements   {changed} cells rewritten")
        report("erasing one farmer vs reading every text and JSON cell", took * 1000, floor * 1000, "ms",
               database=database(url))


if __name__ == "__main__":
    main()
