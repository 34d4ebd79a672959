"""Metadata conventions, column types and small mixins shared by every domain."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints make migrations reproducible on every backend (SQLite needs names for batch moves).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest id a column of ours holds (PostgreSQL INTEGER); a bigger number in a URL or a form is no row.
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps are stored in UTC and always come back timezone-aware, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_type(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum by its value as plain text, so new values need no ALTER TYPE."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Quantity(sa.types.TypeDecorator):
    """A quantity of produce (kg, bunches...) as a Decimal with two places, stored as whole hundredths.

    Integers keep stock arithmetic in SQL exact on SQLite too, where NUMERIC would be a float.
    """

    impl = sa.BigInteger
    cache_ok = True
    SCALE = 100

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * self.SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"quantity {value} has more than two decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / self.SCALE).quantize(Decimal("0.01"))


def squeeze(text: str | None) -> str:
    """One-line text as we store it: no spaces at the ends, single spaces inside.

    Names typed on a phone or pasted from a spreadsheet often carry doubled spaces; stored squeezed,
    they match the same names in a CSV file."""
    return " ".join((text or "").split())


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """Case-insensitive substring match (Thai has no case); % and _ typed by a user are taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def compare_and_set(obj, attribute: str, target) -> bool:
    """Set `obj.<attribute>` to `target` only if the row still holds the value this session read; one UPDATE.

    Of two requests moving the same row at once (a double-click, two people, a webhook and a cron job),
    exactly one gets True; the other's copy is expired, so it reads the winner's value next."""
    from sqlalchemy.orm.attributes import set_committed_value

    from greensmile.extensions import db

    cls = type(obj)
    before = getattr(obj, attribute)
    moved = db.session.execute(
        sa.update(cls).where(cls.id == obj.id, getattr(cls, attribute) == before).values({attribute: target})
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        set_committed_value(obj, attribute, target)
    else:
        db.session.expire(obj, [attribute])
    return bool(moved)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself,
    # and make SQLite enforce foreign keys like PostgreSQL does.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        # IMMEDIATE takes the write lock at the start: concurrent writers then queue (busy_timeout) instead of
        # failing with "database is locked" when a reading transaction tries to start writing.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


TOUCHED = "greensmile.db.touched"


def touched(session, table: str, ids) -> None:
    """Say that a statement the ORM does not track (a conditional UPDATE, an executemany) changed these rows, so that
    what is kept from them (the QR page's snapshot) is rebuilt when the transaction commits."""
    session = session.registry() if hasattr(session, "registry") else session  # Flask-SQLAlchemy's scoped one
    session.info.setdefault(TOUCHED, {}).setdefault(table, set()).update(ids)
