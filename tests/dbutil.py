"""Databases for tests: the suite's own, and scratch ones for migrations and the live server."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from greensmile.config import normalise_database_url


def suite_database_url(tmp_dir: Path) -> str:
    """TEST_DATABASE_URL (PostgreSQL in CI) or a SQLite file of this run's own. Under pytest-xdist each worker has a
    database of its own beside the named one (test_gw0, test_gw1, ...): the suite empties its database at the start,
    and tests commit."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir / 'suite.db'}"  # tmp_dir is the worker's own under xdist
    url = normalise_database_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(base_url: str, worker: str) -> str:
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.first() is None:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def empty_database(url: str) -> None:
    """Drop every table (and type) so the suite starts from an empty database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
            else:
                metadata = sa.MetaData()
                metadata.reflect(connection)
                metadata.drop_all(connection)
    finally:
        engine.dispose()


@contextmanager
def scratch_database(base_url: str, suffix: str, tmp_dir: Path):
    """A new, empty database beside the suite's one; dropped afterwards."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        path = tmp_dir / f"{suffix}.db"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}"
        return
    name = f"{url.database}_{suffix}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


@contextmanager
def lent_columns(engine, *columns: sa.Column):
    """Columns today's models have and an older schema lacks, added for a set-up written with today's code and taken
    away again before the upgrade under test, so the data is as the old code left it (as a test lends a table)."""
    with engine.begin() as connection:
        for column in columns:
            kind = column.type.compile(dialect=engine.dialect)
            connection.exec_driver_sql(f'ALTER TABLE "{column.table.name}" ADD COLUMN "{column.name}" {kind}')
    try:
        yield
    finally:
        with engine.begin() as connection:
            for column in columns:
                connection.exec_driver_sql(f'ALTER TABLE "{column.table.name}" DROP COLUMN "{column.name}"')


@contextmanager
def lent_snapshots(engine):
    """The QR page's bookkeeping (plots.public_version, public_snapshots), which every commit touching a plot writes:
    lent to a set-up at an older schema, and taken away again before the upgrade under test."""
    from greensmile.plots.models import Plot
    from greensmile.public.models import PublicSnapshot

    PublicSnapshot.__table__.create(engine)
    try:
        with lent_columns(engine, Plot.__table__.c.public_version):
            yield
    finally:
        PublicSnapshot.__table__.drop(engine)
