"""The plot CSV import as a job: a coordinator's file is stored, the worker imports it, the page follows its progress.

Invariant: an import's plots (all of them, or none) and its report commit together, in the worker's transaction for
the job, so an import is finished exactly when its plots are there; a dry run or a file with a bad row rolls the plots
back and keeps the report. Progress goes the other way: a connection of its own writes it and commits at once, so the
page sees it while the import's transaction is still open. Until the end, the import's own session never writes the
import's row: on PostgreSQL the progress writer would then wait for that row's lock, and the import for its writer.
On SQLite the worker's transaction holds the database's write lock from its first statement (BEGIN IMMEDIATE in
greensmile/db.py), so no other connection can write before it ends: there, no progress is written, and the page
shows the import queued, then finished.

A job may run twice (a worker lost after its commit): an import that has its report is not run again. A job that
raises leaves its import failed, with nothing written, and is kept as dead for the technical team.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import Role, User
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.jobs import services as worker
from greensmile.plots import importer
from greensmile.plots.csvdata import ImportReport
from greensmile.plots.errors import ImportNotAllowed
from greensmile.plots.models import IMPORT_MOVES, ImportPhase, ImportStatus, PlotImport, check_import_move

log = logging.getLogger(__name__)

KIND = "plots.import"
# Rows between two progress writes: at the importer's pace, a write every second or so, each one short UPDATE.
PROGRESS_EVERY = 2000
RECENT = 20
COUNTERS = {
    ImportPhase.READING: "rows_read",
    ImportPhase.CHECKING: "rows_checked",
    ImportPhase.MATCHING: "rows_matched",
    ImportPhase.ACCOUNTS: "rows_written",  # the first part of writing: the new farmers' accounts, row by row
    ImportPhase.WRITING: "rows_written",
}


# ---------------------------------------------------------------- asking for an import
def request_import(
    acting: User, filename: str, data: bytes, *, dry_run: bool, create_groups: bool, create_crops: bool
) -> PlotImport:
    """Store a coordinator's CSV file and ask the worker to import it; both happen only if the caller commits."""
    if not acting.has_role(Role.COORDINATOR):
        raise ImportNotAllowed()
    # Only the name, as shown on the page: no folders, no control characters (PostgreSQL refuses NUL in text).
    name = squeeze("".join(c for c in PurePosixPath((filename or "").replace("\\", "/")).name if c.isprintable()))
    name = name[:255]
    plot_import = PlotImport(
        requested_by=acting, filename=name, size=len(data), data=data, dry_run=dry_run,
        create_groups=create_groups, create_crops=create_crops,
    )
    db.session.add(plot_import)
    db.session.flush()
    worker.enqueue(KIND, {"import_id": plot_import.id})
    return plot_import


def recent_imports(limit: int = RECENT) -> list[PlotImport]:
    """The latest imports, newest first, without their files."""
    return list(db.session.scalars(
        sa.select(PlotImport).options(joinedload(PlotImport.requested_by)).order_by(PlotImport.id.desc()).limit(limit)
    ))


def report_of(plot_import: PlotImport) -> ImportReport | None:
    return None if plot_import.report is None else ImportReport.from_json(plot_import.report)


def progress_of(plot_import: PlotImport) -> dict:
    """What the page and its JSON say while an import runs: its status, its phase, rows done in it and in all."""
    counter = COUNTERS.get(plot_import.phase)
    return {
        "status": plot_import.status.value,
        "phase": plot_import.phase.value,
        "done": getattr(plot_import, counter) if counter else 0,
        "total": plot_import.rows_total,
        "finished": plot_import.status.finished,
    }


# ---------------------------------------------------------------- the worker's side
class ProgressWriter:
    """The importer's `progress`: every `every` rows of a phase, and at each new phase and each phase's end, one
    UPDATE of the import's counts through a short transaction of its own. A write that fails is logged and skipped:
    progress never fails, nor holds up, the import."""

    def __init__(self, import_id: int, every: int = PROGRESS_EVERY):
        self.import_id, self.every = import_id, max(int(every), 1)
        self.counts = dict.fromkeys([*COUNTERS.values(), "rows_total"], 0)
        self.phase: ImportPhase | None = None
        self.mark = 0
        self.started_at: datetime = utcnow()
        self.enabled = db.engine.dialect.name != "sqlite"  # see the module's docstring
        self.written = 0

    def start(self) -> None:
        """Say that the import is running (from queued, or failed when a broken job is sent again)."""
        sources = [status for status, targets in IMPORT_MOVES.items() if ImportStatus.RUNNING in targets]
        table = PlotImport.__table__
        self._write(
            sa.update(table).where(table.c.id == self.import_id, table.c.status.in_(sources))
            .values(status=ImportStatus.RUNNING, phase=ImportPhase.READING, started_at=self.started_at,
                    error_kind="", **self.counts)
        )

    def __call__(self, phase: ImportPhase, done: int, total: int) -> None:
        self.counts[COUNTERS[phase]] = done
        if total:
            self.counts["rows_total"] = total
        if phase is not self.phase or done - self.mark >= self.every or done == total:
            self.phase, self.mark = phase, done
            table = PlotImport.__table__
            self._write(
                sa.update(table).where(table.c.id == self.import_id, table.c.status == ImportStatus.RUNNING)
                .values(phase=phase, **self.counts)
            )

    def _write(self, statement) -> None:
        if not self.enabled:
            return
        try:
            with db.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Never wait long for the row: if anything held it, the import would be waiting on itself.
                    connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                connection.execute(statement)
            self.written += 1
        except sa.exc.SQLAlchemyError as error:
            self.enabled = False
            log.warning("import %s: progress no longer recorded (%s)", self.import_id, type(error).__name__)


def run_import(payload: dict) -> None:
    """The worker's handler: import the stored file, all or nothing, and keep the report with the import."""
    import_id = int(payload["import_id"])
    plot_import = db.session.get(PlotImport, import_id)
    if plot_import is None or plot_import.report is not None:
        return  # gone, or finished by an earlier run of this job
    progress = ProgressWriter(import_id, payload.get("progress_every") or PROGRESS_EVERY)
    progress.start()
    acting = plot_import.requested_by
    locale = acting.locale if acting and acting.locale in current_app.config["LANGUAGES"] else None
    # The report's messages are stored as text, in the language of the coordinator who sent the file.
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        attempt = db.session.begin_nested()
        report = importer.import_plots(
            plot_import.data, acting, create_groups=plot_import.create_groups,
            create_crops=plot_import.create_crops, progress=progress,
        )
        written = report.ok and not plot_import.dry_run
        (attempt.commit if written else attempt.rollback)()  # a dry run or a bad file: no plot is kept
    _finish(plot_import, report, progress, written)


def _finish(plot_import: PlotImport, report: ImportReport, progress: ProgressWriter, written: bool) -> None:
    status = ImportStatus.DONE if report.ok else ImportStatus.FAILED
    check_import_move(plot_import.status, status)  # as this session read it: queued, or failed if sent again
    plot_import.status, plot_import.phase = status, ImportPhase.FINISHED
    plot_import.report = report.to_json()
    plot_import.rows_total = plot_import.rows_read = report.rows
    plot_import.rows_checked = progress.counts["rows_checked"]
    plot_import.rows_matched = progress.counts["rows_matched"]
    plot_import.rows_written = report.rows if written else 0
    plot_import.error_kind = ""
    plot_import.started_at, plot_import.finished_at = progress.started_at, utcnow()
    plot_import.data = b""  # the report holds what the page needs; the file need not stay in the database
    db.session.flush()


def _broken(payload: dict, error: Exception) -> None:
    """The job failed for good (the import raised, or its final commit did): the worker has rolled its writes back
    and, in the transaction that records the job as dead, the import is recorded as failed."""
    plot_import = db.session.get(PlotImport, int(payload["import_id"]))
    if plot_import is not None and plot_import.status is not ImportStatus.DONE:
        check_import_move(plot_import.status, ImportStatus.FAILED)
        plot_import.status, plot_import.phase = ImportStatus.FAILED, ImportPhase.FINISHED
        plot_import.error_kind = type(error).__name__[:100]
        plot_import.finished_at = utcnow()
        db.session.flush()


def register() -> None:
    # One attempt: a file that broke the import once would break it again. The dead job is there to be sent again.
    worker.register(KIND, run_import, max_attempts=1, label=_l("Import of a plot file"), on_dead=_broken)
