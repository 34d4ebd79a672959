"""The CSV upload as a job: the page stores the file and answers at once, the worker imports it, all or nothing, and the
import's page follows it (queued, then phase and counts, then the report). Progress is written through a connection of
its own, so another request sees it while the import's transaction is still open (PostgreSQL; SQLite has one writer)."""
from __future__ import annotations

import io
import re

import flask_migrate
import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.jobs.models import Job, JobStatus
from greensmile.plots import importer
from greensmile.plots import jobs as plot_jobs
from greensmile.plots.models import ImportPhase, ImportStatus, Plot, PlotImport
from tests.conftest import csrf_token, form_keys, login
from tests.dbutil import scratch_database
from tests.factories import PASSWORD, make_user
from tests.plots.test_import_export import GOOD, HEADER, _counts, catalogue

LOCATION = re.compile(r"/plots/imports/(\d+)$")


def many_rows(count: int, *, bad_line: int | None = None) -> bytes:
    """`count` good rows of 900 farmers (the 3,000-row test's shape); a bad plot type on `bad_line` if given."""
    lines = [HEADER]
    for n in range(count):
        kind = "ยานอวกาศ" if bad_line is not None and n + 2 == bad_line else "vegetables"
        lines.append(f",เกษตรกร {n % 900},08{n % 900:08d},กลุ่มทดสอบควนเนียง,,ควนเนียง,ตำบล {n % 7},"
                     f"หมู่ {n},7.{n:04d},100.4,{1 + n % 5},{kind},ผักบุ้ง|คะน้า,,\n")
    return "".join(lines).encode()


def send(client, data: bytes, *, dry_run: bool = False, name: str = "plots.csv"):
    form = {**form_keys(client, "/plots/import"), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post("/plots/import", data=form, content_type="multipart/form-data")


def sent(client, data: bytes, **options) -> str:
    """Send a file; the import's page."""
    response = send(client, data, **options)
    assert response.status_code == 302 and LOCATION.search(response.location), response.get_data(as_text=True)
    return response.location


def work(app) -> None:
    """One round of the worker (it may run the schedules' jobs too)."""
    with app.app_context():
        jobs.run_once("test")


@pytest.fixture
def coordinator(client, given):
    with given():
        catalogue()
        make_user(Role.COORDINATOR, email="coord@example.com")
    login(client, "coord@example.com", PASSWORD)
    return client


def test_a_good_file_is_queued_then_imported_by_the_worker(coordinator, app):
    page_url = sent(coordinator, GOOD.encode(), name="แปลงทั้งหมด.csv")
    queued = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="queued"' in queued and 'http-equiv="refresh"' in queued and "แปลงทั้งหมด.csv" in queued
    assert _counts(app)[0] == 0  # nothing imported by the request itself
    assert coordinator.get(page_url + "/progress.json").json == {
        "status": "queued", "phase": "waiting", "done": 0, "total": 0, "finished": False}

    work(app)
    done = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="done"' in done and 'http-equiv="refresh"' not in done
    assert "นำเข้าแล้ว" in done and 'id="report"' in done
    assert _counts(app)[0] == 3
    assert coordinator.get(page_url + "/progress.json").json["finished"] is True
    listed = coordinator.get("/plots/import").get_data(as_text=True)
    assert re.search(r'data-import="\d+" data-status="done"', listed) and "แปลงทั้งหมด.csv" in listed
    with app.app_context():
        (plot_import,) = db.session.scalars(sa.select(PlotImport))
        assert plot_import.status is ImportStatus.DONE and plot_import.phase is ImportPhase.FINISHED
        assert (plot_import.rows_total, plot_import.rows_written) == (3, 3)
        assert plot_import.data == b"" and plot_import.size == len(GOOD.encode())  # the file went with the job
        assert plot_import.report["created"] == 3 and plot_import.finished_at is not None
    work(app)
    with app.app_context():
        (job,) = db.session.scalars(sa.select(Job).where(Job.kind == plot_jobs.KIND))
        assert job.status is JobStatus.DONE and job.attempts == 1  # run once


def test_a_file_with_bad_rows_lists_each_one_after_the_job_and_writes_nothing(coordinator, app):
    bad = HEADER + (
        ",ดี หนึ่ง,,,,หาดใหญ่,,,7.0,100.4,1,vegetables,,,\n"  # line 2: good
        ",ผิด สอง,,,,หาดใหญ่,,,100.47,7.00,1,vegetables,,,\n"  # line 3: coordinates swapped
        ",ผิด สาม,,,,หาดใหญ่,,,,,1,spaceship,,,\n"  # line 4: unknown plot type
        ",ผิด สี่,,,,ดาวอังคาร,,,,,1,fruit,,,\n"  # line 5: unknown district
    )
    before = _counts(app)
    page_url = sent(coordinator, bad.encode())
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and "ไม่ได้นำเข้าข้อมูลใด ๆ" in page
    lines = re.findall(r'<td class="num">(\d+)</td>', page)
    assert lines == ["3", "4", "5"]
    assert "spaceship" in page and "ดาวอังคาร" in page
    assert _counts(app) == before
    problems = coordinator.get(page_url + "/problems.csv")
    assert problems.mimetype == "text/csv"
    assert [row.split(",", 1)[0] for row in problems.get_data(as_text=True).splitlines()[1:]] == ["3", "4", "5"]


def test_a_bad_last_row_of_five_thousand_writes_nothing(coordinator, app):
    before = _counts(app)
    page_url = sent(coordinator, many_rows(5000, bad_line=5001))
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and re.findall(r'<td class="num">(\d+)</td>', page) == ["5001"]
    assert _counts(app) == before


def test_a_dry_run_writes_nothing_and_says_what_an_import_would_do(coordinator, app):
    before = _counts(app)
    page_url = sent(coordinator, GOOD.encode(), dry_run=True)
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="done"' in page and "ไฟล์ถูกต้อง" in page
    assert _counts(app) == before
    with app.app_context():
        plot_import = db.session.scalar(sa.select(PlotImport))
        assert plot_import.dry_run and plot_import.report["created"] == 3 and plot_import.rows_written == 0


def test_a_file_that_is_not_csv_fails_with_its_reason(coordinator, app):
    page_url = sent(coordinator, "นาย".encode("cp874") + b"\n", name="/home/นิด/แปลง\tเก่า.csv")
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and "UTF-8" in page
    assert "แปลงเก่า.csv" in page and "/home" not in page  # the name alone, as the page shows it


def test_a_failure_after_the_import_ran_still_leaves_it_failed_not_running(coordinator, app, monkeypatch):
    """The plots were imported in the job's transaction, then recording the result broke: the worker rolls it all
    back and the job's dead hook marks the import failed, so its page stops waiting."""
    def broken_finish(*args, **kwargs):
        raise RuntimeError("the report could not be stored")

    monkeypatch.setattr(plot_jobs, "_finish", broken_finish)
    before = _counts(app)
    page_url = sent(coordinator, GOOD.encode())
    work(app)
    assert _counts(app) == before
    with app.app_context():
        plot_import = db.session.scalar(sa.select(PlotImport))
        assert plot_import.status is ImportStatus.FAILED and plot_import.phase is ImportPhase.FINISHED
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and 'http-equiv="refresh"' not in page


def test_a_job_that_raises_leaves_the_import_failed_with_nothing_written(coordinator, app, monkeypatch):
    original = importer._Writer.write

    def write_then_break(self, plans, counted):
        original(self, plans[:2], counted)  # some plots are in the session...
        raise RuntimeError("disk full at /var/lib/postgresql")  # ...when the job breaks

    monkeypatch.setattr(importer._Writer, "write", write_then_break)
    before = _counts(app)
    page_url = sent(coordinator, GOOD.encode())
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and "ข้อผิดพลาดในระบบของเรา" in page  # our fault, said plainly
    assert "disk full" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert 'http-equiv="refresh"' not in page
    assert _counts(app) == before
    with app.app_context():
        plot_import = db.session.scalar(sa.select(PlotImport))
        job = db.session.scalar(sa.select(Job).where(Job.kind == plot_jobs.KIND))
        assert plot_import.status is ImportStatus.FAILED and plot_import.error_kind == "RuntimeError"
        assert plot_import.report is None and plot_import.data == GOOD.encode()  # kept, to be sent again
        assert job.status is JobStatus.DEAD and "disk full" in job.last_error

    monkeypatch.setattr(importer._Writer, "write", original)
    with app.app_context():  # the technical team sends the dead job again: this time it goes through
        jobs.send_again(_coordinator_user(), db.session.get(Job, job.id))
        db.session.commit()
    work(app)
    assert 'data-status="done"' in coordinator.get(page_url).get_data(as_text=True)
    assert _counts(app)[0] == 3


def _coordinator_user():
    from greensmile.accounts.models import User

    return db.session.scalar(sa.select(User).where(User.email == "coord@example.com"))


def test_a_job_run_twice_imports_once(coordinator, app):
    sent(coordinator, GOOD.encode())
    work(app)
    after = _counts(app)
    with app.app_context():
        plot_import = db.session.scalar(sa.select(PlotImport))
        plot_jobs.run_import({"import_id": plot_import.id})  # a worker lost after its commit runs it again
        db.session.commit()
    assert _counts(app) == after


def test_the_form_is_refused_without_a_file_or_with_a_file_too_large(coordinator, app, monkeypatch):
    empty = coordinator.post("/plots/import", data=form_keys(coordinator, "/plots/import"),
                             content_type="multipart/form-data")
    assert empty.status_code == 400
    keys = form_keys(coordinator, "/plots/import")
    monkeypatch.setitem(app.config, "PLOT_IMPORT_MAX_BYTES", 2000)
    huge = coordinator.post("/plots/import", data={**keys, "file": (io.BytesIO(many_rows(100)), "big.csv")},
                            content_type="multipart/form-data")
    assert huge.status_code == 413
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotImport)) == 0


def test_the_import_takes_files_larger_than_other_forms_do(coordinator, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)  # 100,000 rows of Thai text are about 30 MB
    sent(coordinator, many_rows(100))
    assert coordinator.post("/crops", data={"name_th": "ก" * 3000}).status_code == 413


def test_the_same_form_sent_twice_makes_one_import(coordinator, app):
    keys = form_keys(coordinator, "/plots/import")
    first = coordinator.post("/plots/import", data={**keys, "file": (io.BytesIO(GOOD.encode()), "a.csv")},
                             content_type="multipart/form-data")
    again = coordinator.post("/plots/import", data={**keys, "file": (io.BytesIO(GOOD.encode()), "a.csv")},
                             content_type="multipart/form-data")
    assert first.location == again.location
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotImport)) == 1


def test_only_coordinators_see_imports(coordinator, app, given):
    page_url = sent(coordinator, GOOD.encode())
    work(app)
    with given():
        make_user(Role.COORDINATOR, email="other@example.com")
        make_user(Role.FARMER, Role.INSPECTOR, Role.COMMITTEE, email="farmer@example.com")
    colleague = app.test_client()
    login(colleague, "other@example.com", PASSWORD)
    assert colleague.get(page_url).status_code == 200  # coordinators run the registry together
    farmer = app.test_client()
    login(farmer, "farmer@example.com", PASSWORD)
    for url in ("/plots/import", page_url, page_url + "/progress.json", page_url + "/problems.csv"):
        assert farmer.get(url).status_code == 403, url
    refused = farmer.post("/plots/import", data={"csrf_token": csrf_token(farmer, "/"),
                                                 "file": (io.BytesIO(GOOD.encode()), "x.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotImport)) == 1
    anonymous = app.test_client()
    assert anonymous.get(page_url).status_code == 302 and "/login" in anonymous.get(page_url).location
    assert coordinator.get("/plots/imports/999999").status_code == 404


def test_the_importer_reports_its_progress_row_by_row(app, given):
    with given():
        catalogue()
    seen: list[tuple[ImportPhase, int, int]] = []
    with app.test_request_context():
        report = importer.import_plots(many_rows(3000), None, progress=lambda *step: seen.append(step))
        db.session.rollback()
    assert report.ok
    phases = list(dict.fromkeys(phase for phase, _, _ in seen))
    assert phases == [ImportPhase.READING, ImportPhase.CHECKING, ImportPhase.MATCHING, ImportPhase.ACCOUNTS,
                      ImportPhase.WRITING]
    for phase in phases[1:]:
        counts = [done for seen_phase, done, total in seen if seen_phase is phase]
        first = 0 if phase is ImportPhase.MATCHING else 1  # 0: loading the registry, before the first row
        assert counts == list(range(first, 3001)) and all(total == 3000 for p, _, total in seen if p is phase)


def test_progress_is_written_every_so_many_rows_and_at_each_phase(monkeypatch, app):
    written: list[tuple[str, dict]] = []
    with app.app_context():
        progress = plot_jobs.ProgressWriter(1, every=1000)
    monkeypatch.setattr(progress, "_write", lambda statement: written.append(
        (statement.compile().params.get("phase"), dict(statement.compile().params))))
    for done in range(1, 2501):
        progress(ImportPhase.READING, done, 0)
    progress(ImportPhase.READING, 2500, 2500)
    for done in range(1, 2501):
        progress(ImportPhase.CHECKING, done, 2500)
    steps = [(phase, params.get("rows_read"), params.get("rows_checked")) for phase, params in written]
    assert steps == [
        (ImportPhase.READING, 1, 0), (ImportPhase.READING, 1001, 0), (ImportPhase.READING, 2001, 0),
        (ImportPhase.READING, 2500, 0),
        (ImportPhase.CHECKING, 2500, 1), (ImportPhase.CHECKING, 2500, 1001), (ImportPhase.CHECKING, 2500, 2001),
        (ImportPhase.CHECKING, 2500, 2500),
    ]


def test_twenty_thousand_rows_run_as_a_job(coordinator, app):
    page_url = sent(coordinator, many_rows(20_000))
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="done"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 20_000


def test_a_hundred_thousand_row_file_with_one_bad_row_runs_as_a_job_and_writes_nothing(coordinator, app):
    """The issue's file: 100,000 rows (about 15 MB here, over the other forms' limit), sent through the page, read
    and checked by the worker; its last row is bad, so nothing is written and that row is named. (The same file
    imported whole, about a minute, is in bench/bench_plot_import.py.)"""
    before = _counts(app)
    data = many_rows(100_000, bad_line=100_001)
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]  # only the import's own limit lets it in
    page_url = sent(coordinator, data)
    work(app)
    page = coordinator.get(page_url).get_data(as_text=True)
    assert 'data-status="failed"' in page and "100001" in page.replace(",", "")
    assert _counts(app) == before


@pytest.mark.own_app
def test_another_request_sees_the_progress_while_the_import_is_uncommitted(database_url, tmp_path, monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: the import's transaction holds it, so its progress waits for the end")
    monkeypatch.setattr(plot_jobs, "PROGRESS_EVERY", 500)
    with scratch_database(database_url, "progress", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        try:
            with app.app_context():
                flask_migrate.upgrade()
                catalogue()
                make_user(Role.COORDINATOR, email="coord@example.com")
                db.session.commit()
            client, watcher = app.test_client(), app.test_client()
            login(client, "coord@example.com", PASSWORD)
            login(watcher, "coord@example.com", PASSWORD)
            page_url = sent(client, many_rows(3000))
            seen = []
            original = plot_jobs.ProgressWriter._write

            def write_and_look(self, statement):
                original(self, statement)
                # What the page shows now, and what another session sees of the plots. An app context of its own:
                # a request would otherwise join the worker's, and its session (the web is another process).
                with app.app_context():
                    seen.append(watcher.get(page_url + "/progress.json").json)
                    seen[-1]["plots"] = db.session.scalar(sa.select(sa.func.count()).select_from(Plot))

            monkeypatch.setattr(plot_jobs.ProgressWriter, "_write", write_and_look)
            with app.app_context():
                jobs.run_once("test")
            assert watcher.get(page_url + "/progress.json").json["status"] == "done"
            with app.app_context():
                assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 3000
        finally:
            with app.app_context():
                db.engine.dispose()
    assert seen and all(step["status"] == "running" and step["plots"] == 0 for step in seen), seen[:4]  # uncommitted, yet visible
    by_phase: dict[str, list[int]] = {}
    for step in seen:
        by_phase.setdefault(step["phase"], []).append(step["done"])
    assert by_phase["checking"] == [1, 501, 1001, 1501, 2001, 2501, 3000]
    assert by_phase["matching"][0] == 0 and by_phase["matching"][-1] == 3000 and by_phase["accounts"][-1] == 3000
    assert by_phase["writing"] == [1, 501, 1001, 1501, 2001, 2501, 3000]
    assert all(step["total"] == 3000 for step in seen if step["phase"] != "reading")
