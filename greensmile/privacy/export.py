"""A person's own data (PDPA §30, §31): a ZIP of JSON and CSV, one file per table that references the person, found by
walking the models' foreign keys to the users table (a new table is included without anyone remembering to), with the
rows of their plots and orders below that, and the photos of their plots. Secrets (the password's hash, tokens) are
left out.

A small one is made while the page waits; a large one (more rows than PRIVACY_EXPORT_INLINE_ROWS, photos counting
as rows) is made by the worker, kept a week for the person (or the coordinator who asked for it) to download, and the
person is told when it is ready."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.media.storage import image_path
from greensmile.privacy.models import DataExport, ExportStatus

USERS = "users"
# Never in a download: what would let someone sign in, or impersonate a device or a form.
SECRET = {("users", "password_hash"), ("users", "session_token"), ("user_sessions", "token_hash"),
          ("form_submissions", "key"), ("notifications", "retry_key"),
          ("privacy_exports", "data")}  # an earlier download itself: its rows say when it was made
# Columns naming who did something (recorded, decided, measured, changed): on those rows the person acted on someone
# else's data, and only the fact of it is theirs (the row's id, its time, the column), not the other person's fields
# (a plot's change history holds its farmer's phone number, for one).
ACTOR_COLUMNS = {("plot_changes", "user_id")}


def is_actor_column(table: str, name: str) -> bool:
    return name.endswith("_by_id") or name in ("actor_id", "inspector_id") or (table, name) in ACTOR_COLUMNS



# Rows that belong to the person through something they own: their plots' and their orders' records.
OWNED = {"plots": "owner_id", "orders": "consumer_id"}
# Photos of what is theirs: (exported table, column holding the stored name, storage kind).
PHOTOS = [("plots.plot_photos", "stored_name", "plots")]
KIND = "privacy.export"
KEEP = timedelta(days=7)
# Told when a large export is ready (the notification centre sets it: privacy does not import it).
READY_HOOKS: dict[str, Callable[[DataExport], None]] = {}


@dataclass
class Export:
    tables: dict[str, list[dict]] = field(default_factory=dict)
    photos: list[tuple[str, str]] = field(default_factory=list)  # (storage kind, stored name)

    @property
    def rows(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def referencing(target: str) -> dict[str, list[str]]:
    """Each table with a foreign key to `target`'s id, and the columns that hold it."""
    found: dict[str, list[str]] = {}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == target and key.column.name == "id":
                found.setdefault(table.name, []).append(key.parent.name)
    return found


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):  # an enum
        return value.value
    return value


def _rows(table: sa.Table, condition) -> list[dict]:
    columns = [column for column in table.columns if (table.name, column.name) not in SECRET]
    result = db.session.execute(sa.select(*columns).where(condition).order_by(*table.primary_key.columns))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def collect(person: User) -> Export:
    export = Export()
    users = db.metadata.tables[USERS]
    export.tables[USERS] = _rows(users, users.c.id == person.id)
    for name, columns in sorted(referencing(USERS).items()):
        table = db.metadata.tables[name]
        subject = [column for column in columns if not is_actor_column(name, column)]
        actor = [column for column in columns if is_actor_column(name, column)]
        rows = _rows(table, sa.or_(*(table.c[column] == person.id for column in subject))) if subject else []
        seen = {row["id"] for row in rows if "id" in row}
        if actor:  # what they did to others' records: the fact, not the others' data
            kept = ["id", *(c for c in ("created_at", "decided_at", "recorded_at") if c in table.c), *actor]
            for row in db.session.execute(sa.select(*(table.c[c] for c in kept if c in table.c)).where(
                    sa.or_(*(table.c[column] == person.id for column in actor)))):
                values = {key: _plain(value) for key, value in row._mapping.items()}
                if values.get("id") not in seen:
                    rows.append({**values, "as": "actor"})
        export.tables[name] = rows
    for owner_table, owner_column in OWNED.items():
        ids = [row["id"] for row in export.tables.get(owner_table, []) if row.get(owner_column) == person.id]
        for name, columns in sorted(referencing(owner_table).items()):
            table = db.metadata.tables[name]
            rows = _rows(table, sa.or_(*(table.c[column].in_(ids) for column in columns))) if ids else []
            key = f"{owner_table}.{name}"  # e.g. plots.plot_boundaries: the rows of the person's plots
            export.tables[key] = rows
    for table_name, column, kind in PHOTOS:
        export.photos += [(kind, row[column]) for row in export.tables.get(table_name, []) if row.get(column)]
    return export


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads the Thai as UTF-8
    if rows:  # the rows where the person only acted carry fewer columns, and "as"
        writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(key for row in rows for key in row)), restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
                             for key, value in row.items()})
    return out.getvalue()


def zipped(person: User) -> bytes:
    export = collect(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = {"person": person.id, "made_at": datetime.now().astimezone().isoformat(),
                    "tables": {name: len(rows) for name, rows in export.tables.items()},
                    "photos": len(export.photos)}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, rows in export.tables.items():
            archive.writestr(f"json/{name}.json", json.dumps(rows, ensure_ascii=False, indent=1))
            archive.writestr(f"csv/{name}.csv", _csv(rows))
        for kind, stored in export.photos:
            path = image_path(kind, stored)
            if path is not None:
                archive.write(path, f"photos/{kind}/{stored}")
    current_app.logger.info("personal data export for user %s: %s rows", person.id, export.rows)
    return buffer.getvalue()


# ---------------------------------------------------------------- large ones, by the worker
def size_of(person: User) -> int:
    """About how many rows (and photos) the person's export holds, counted without reading them."""
    total = 1
    for name, columns in referencing(USERS).items():
        table = db.metadata.tables[name]
        total += db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
            sa.or_(*(table.c[column] == person.id for column in columns)))) or 0
    for owner_table, owner_column in OWNED.items():
        owner = db.metadata.tables[owner_table]
        ids = sa.select(owner.c.id).where(owner.c[owner_column] == person.id)
        for name, columns in referencing(owner_table).items():
            table = db.metadata.tables[name]
            total += db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                sa.or_(*(table.c[column].in_(ids) for column in columns)))) or 0
    return total


def is_large(person: User) -> bool:
    return size_of(person) > int(current_app.config.get("PRIVACY_EXPORT_INLINE_ROWS", 5000))


def request_export(person: User, acting: User) -> DataExport:
    """Ask the worker to make it, in the caller's transaction; a second tap while one is being made gets that one."""
    waiting = db.session.scalar(sa.select(DataExport).where(
        DataExport.user_id == person.id, DataExport.requested_by_id == acting.id,
        DataExport.status == ExportStatus.QUEUED))
    if waiting is not None:
        return waiting
    made = DataExport(user_id=person.id, requested_by_id=acting.id)
    db.session.add(made)
    db.session.flush()
    jobs.enqueue(KIND, {"export_id": made.id})
    return made


def exports_for(viewer: User) -> list[DataExport]:
    """The large exports this person may download: their own, and those they asked for on someone's behalf."""
    return list(db.session.scalars(sa.select(DataExport).where(
        sa.or_(DataExport.user_id == viewer.id, DataExport.requested_by_id == viewer.id),
        sa.or_(DataExport.expires_at.is_(None), DataExport.expires_at > utcnow()),
    ).order_by(DataExport.id.desc())))


def may_download(made: DataExport, viewer: User) -> bool:
    return made.status is ExportStatus.READY and viewer.id in (made.user_id, made.requested_by_id) and (
        made.expires_at is None or made.expires_at > utcnow())


def make(payload: dict) -> None:
    """The worker's handler: make the ZIP and keep it a week. Run twice, the second finds it made."""
    made = db.session.get(DataExport, int(payload["export_id"]))
    if made is None or made.status is not ExportStatus.QUEUED:
        return
    person = db.session.get(User, made.user_id)
    made.data = zipped(person)
    made.rows, made.size = size_of(person), len(made.data)
    made.status, made.finished_at = ExportStatus.READY, utcnow()
    made.expires_at = made.finished_at + KEEP
    for tell in READY_HOOKS.values():
        tell(made)


def _failed(payload: dict, error: Exception) -> None:
    made = db.session.get(DataExport, int(payload["export_id"]))
    if made is not None and made.status is ExportStatus.QUEUED:
        made.status, made.finished_at = ExportStatus.FAILED, utcnow()


def forget(now) -> int:
    """Exports past their week: the file goes with the row."""
    return db.session.execute(sa.delete(DataExport).where(DataExport.expires_at < now)
                              .execution_options(synchronize_session=False)).rowcount


def register() -> None:
    jobs.register(KIND, make, max_attempts=3, label=_l("Make a person's data download"), on_dead=_failed)
