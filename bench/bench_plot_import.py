"""The plot CSV import as a job, at 100,000 rows (BENCH_IMPORT_ROWS to change it): the upload request, the worker's
import phase by phase, a re-import of the exported registry with a few rows changed, and a file whose last row is bad.

A realistic file: 100,000 plots of 40,000 farmers (most with a phone, some known only by name in their group) in
Songkhla's 16 districts, 60 farmer groups (created by the first import), one to four crops of the catalogue, a few
notes with commas, quotes and line breaks.

Floor, measured in the same run: inserting the same number of plot rows with one bare executemany (no checks, no
history, no crops, no farmers). Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import csv
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.bench_plots import floor_insert  # noqa: E402
from bench.support import coordinator_client, database, demo_app, report  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.jobs import services as jobs  # noqa: E402
from greensmile.places.services import DISTRICTS_CSV  # noqa: E402
from greensmile.plots import csvdata  # noqa: E402
from greensmile.plots import jobs as plot_jobs  # noqa: E402
from greensmile.plots.models import ImportStatus, Plot, PlotImport  # noqa: E402
from greensmile.plots.services import CROPS_CSV  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
FARMERS = ROWS * 2 // 5
GROUPS = 60
FIRST = ["สมชาย", "สมศรี", "บุญมี", "มานพ", "สุดา", "ประเสริฐ", "วันเพ็ญ", "อารี", "สมพงษ์", "จันทร์เพ็ญ", "ณรงค์",
         "ละเอียด", "ประยูร", "สายสุนีย์", "ธนากร", "กาญจนา", "อับดุลเลาะ", "ซาการียา", "ฮาซัน", "มารีนา"]
SYLLABLES = ["ศรี", "ทอง", "แก้ว", "บุญ", "สุข", "ใจ", "รัก", "มี", "ดี", "แสง", "จันทร์", "เพชร", "นาค", "สมบูรณ์",
             "ประเสริฐ", "วงศ์", "พันธ์", "ชัย", "เจริญ", "ยอด"]
TYPES = ["vegetables", "fruit", "rice", "mixed", "rubber", "ผัก", "สวนผลไม้", "นาข้าว"]
WATER = ["บ่อบาดาล", "สระน้ำ", "คลองชลประทาน", "น้ำฝน", "", ""]


def _catalogues() -> tuple[list[str], list[str]]:
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        districts = [row["name_th"] for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    with CROPS_CSV.open(encoding="utf-8") as handle:
        crops = [row["name_th"] for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    return districts, crops


def farmer_name(n: int) -> str:
    """40,000 different names: a first name and a surname of two syllables and a third."""
    a, b, c = n % len(FIRST), (n // len(FIRST)) % len(SYLLABLES), n // (len(FIRST) * len(SYLLABLES))
    return f"{FIRST[a]} {SYLLABLES[b]}{SYLLABLES[c % len(SYLLABLES)]}{SYLLABLES[(c // len(SYLLABLES)) % len(SYLLABLES)]}"


def realistic_csv(rows: int, *, bad_last_row: bool = False) -> bytes:
    districts, crops = _catalogues()
    out = io.StringIO()
    out.write("\ufeff")  # as Excel saves "CSV UTF-8"
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csvdata.COLUMNS)
    farmers = max(rows * 2 // 5, 1)
    for n in range(rows):
        farmer = (n * 7919) % farmers  # a farmer's plots are spread over the file, as a merged register has them
        nth_plot = n // farmers
        phone = "" if farmer % 7 == 0 else f"08{farmer:08d}"  # one in seven known by name and group only
        group = f"กลุ่มเกษตรอินทรีย์บ้าน{SYLLABLES[farmer % GROUPS % 20]}{SYLLABLES[farmer % GROUPS // 20]}"
        district = districts[farmer % len(districts)]
        plot_type = TYPES[(farmer + nth_plot) % len(TYPES)]
        if bad_last_row and n == rows - 1:
            plot_type = "ยานอวกาศ"
        grown = "|".join(crops[(farmer + nth_plot * 3 + k * 11) % len(crops)] for k in range(1 + n % 4))
        note = ""
        if n % 50 == 0:
            note = 'ติดถนน, มีป้าย "อินทรีย์"\nใกล้สวนยางเพื่อนบ้าน'
        writer.writerow([
            "", farmer_name(farmer), phone, group, "สงขลา" if n % 3 else "", district, f"ตำบล{SYLLABLES[farmer % 20]}",
            f"หมู่ {1 + farmer % 12}", f"{6.5 + (farmer % 1400) / 1000 + nth_plot / 10000:.6f}",
            f"{100.0 + (farmer // 1400) / 30 + nth_plot / 10000:.6f}", f"{0.25 + (n % 120) / 4:g}", plot_type, grown,
            WATER[n % len(WATER)], note,
        ])
    return out.getvalue().encode("utf-8")


class PhaseClock:
    """When each phase of the worker's import began (the import's own progress, timed)."""

    def __init__(self):
        self.marks: list[tuple[str, float]] = []
        self.original = plot_jobs.ProgressWriter.__call__
        clock = self

        def timed(writer, phase, done, total):
            if not clock.marks or clock.marks[-1][0] != phase.value:
                clock.marks.append((phase.value, time.perf_counter()))
            clock.original(writer, phase, done, total)

        plot_jobs.ProgressWriter.__call__ = timed

    def phases(self, end: float) -> str:
        ends = [at for _, at in self.marks[1:]] + [end]
        text = ", ".join(f"{name} {stop - start:.1f} s" for (name, start), stop in zip(self.marks, ends))
        self.marks.clear()
        return text


def send(app, client, data: bytes, *, dry_run: bool = False, create_groups: bool = False) -> tuple[float, int]:
    page = client.get("/plots/import").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "submission_key": key, "file": (io.BytesIO(data), "plots.csv")}
    if dry_run:
        form["dry_run"] = "y"
    if create_groups:
        form["create_groups"] = "y"
    started = time.perf_counter()
    response = client.post("/plots/import", data=form, content_type="multipart/form-data")
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:500])
    return elapsed, int(response.location.rsplit("/", 1)[1])


def work(app, clock: PhaseClock, import_id: int) -> tuple[float, str, PlotImport]:
    started = time.perf_counter()
    with app.app_context():
        jobs.run_once("bench")
        end = time.perf_counter()
        plot_import = db.session.get(PlotImport, import_id)
        db.session.expunge(plot_import)
    return end - started, clock.phases(end), plot_import


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        client = coordinator_client(app)
        clock = PhaseClock()

        data = realistic_csv(ROWS)
        limit = app.config["PLOT_IMPORT_MAX_BYTES"]
        print(f"the file: {ROWS:,} rows, {len(data) / 1e6:.1f} MB (upload limit {limit / 1e6:.1f} MB), "
              f"{FARMERS:,} farmers, database {url.split(':')[0]}")
        with app.test_request_context():
            floor = floor_insert(ROWS)
        print(f"floor (bare executemany of {ROWS:,} plot rows) {floor:7.2f} s")

        request_seconds, first_id = send(app, client, data, create_groups=True)
        seconds, phases, done = work(app, clock, first_id)
        assert done.status is ImportStatus.DONE, (done.status, (done.report or {}).get("row_errors", [])[:3])
        print(f"upload request (store, ask the worker) {request_seconds:7.2f} s")
        print(f"first import, as a job       {seconds:7.1f} s   {seconds / floor:6.1f} × floor   "
              f"{ROWS / seconds:7.0f} rows/s   ({done.report['created']:,} plots, "
              f"{done.report['farmers_created']:,} farmers)")
        print(f"    {phases}")
        report(f"{ROWS:,}-row plot import as a job vs executemany", seconds, floor, "s", database=database(url))

        with app.test_request_context():
            out = io.StringIO()
            csvdata.export_plots(out)
            exported = out.getvalue()
        lines = exported.splitlines(keepends=True)
        changed = [line.replace(",vegetables,", ",mixed,") if n % 20 == 1 else line for n, line in enumerate(lines)]
        _, second_id = send(app, client, "".join(changed).encode())
        seconds, phases, again = work(app, clock, second_id)
        assert again.status is ImportStatus.DONE, (again.report or {}).get("row_errors", [])[:3]
        print(f"re-import of the export      {seconds:7.1f} s   {seconds / floor:6.1f} × floor   "
              f"{ROWS / seconds:7.0f} rows/s   ({again.report['updated']:,} changed, "
              f"{again.report['unchanged']:,} unchanged)")
        print(f"    {phases}")

        _, bad_id = send(app, client, realistic_csv(ROWS, bad_last_row=True))
        seconds, phases, bad = work(app, clock, bad_id)
        assert bad.status is ImportStatus.FAILED and [line for line, _ in bad.report["row_errors"]] == [ROWS + 1]
        print(f"bad last row, nothing written {seconds:6.1f} s   {seconds / floor:6.1f} × floor")
        print(f"    {phases}")
        with app.app_context():
            plots = db.session.scalar(sa.select(sa.func.count()).select_from(Plot))
            db.engine.dispose()
        print(f"plots in the registry after all three: {plots:,}")


if __name__ == "__main__":
    main()
