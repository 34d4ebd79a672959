"""What the benchmarks share: a floor to compare with, request rates, query counts, signing in."""
from __future__ import annotations

import contextlib
import io
import re
import time

import sqlalchemy as sa
from flask import Flask

from bench.table import report  # noqa: F401 (for the scripts)
from greensmile.extensions import db

SCRATCH = "greensmile_bench"  # the PostgreSQL database `make bench-pg` makes afresh for each script


def bench_database_url(folder: str) -> str:
    """BENCH_DATABASE_URL (an empty database); else, with BENCH_DATABASE=postgresql, a scratch database made afresh
    next to BENCH_ADMIN_URL's (the local server's `test` by default); else SQLite in `folder`."""
    import os
    from pathlib import Path

    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("BENCH_DATABASE") == "postgresql":
        admin = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{SCRATCH}"')
        engine.dispose()
        return admin.rsplit("/", 1)[0] + "/" + SCRATCH
    return f"sqlite:///{Path(folder) / 'bench.db'}"


def demo_app(folder: str):
    """An app on a fresh database (see bench_database_url), migrated, with the demo data.
    Returns (app, database URL)."""
    import flask_migrate

    from greensmile import create_app
    from greensmile.demo import seed_demo

    url = bench_database_url(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        # Alembic's console handler is made during the upgrade, on the stderr of that moment: its 40 lines of
        # "Running upgrade" go to a buffer, not between the figures.
        with contextlib.redirect_stderr(io.StringIO()):
            flask_migrate.upgrade()
        seed_demo()
        db.session.commit()
    return app, url


def database(url: str) -> str:
    """The database's name for the table: sqlite or postgresql."""
    return url.split(":")[0].split("+")[0]


def rate(client, path: str, rounds: int = 400, warm_up: int = 20) -> float:
    """Requests per second for GET path, after a few warm-up requests."""
    for _ in range(warm_up):
        client.get(path)
    started = time.perf_counter()
    for _ in range(rounds):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return rounds / (time.perf_counter() - started)


def floor_rate(rounds: int = 400) -> float:
    """The floor for pages: a bare Flask view returning a constant, through the same kind of test client."""
    app = Flask("floor")
    app.add_url_rule("/", "floor", lambda: "ok")
    return rate(app.test_client(), "/", rounds)


def queries_for(app, client, path: str) -> int:
    """How many SQL statements one GET of path runs."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def sign_in(client, login: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "login": login, "password": password})
    assert response.status_code == 302, "sign-in failed"


def counted(action) -> tuple[int, float, object]:
    """(SQL statements run, seconds, result) of one call of `action`, inside an app context."""
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        result = action()
        return len(statements), time.perf_counter() - started, result
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def sale_listing(app, quantity) -> tuple[int, int, int]:
    """Bunches for sale on the first demo plot at the first pickup point: (listing id, farmer id, point id)."""
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from greensmile.listings import services as listings
    from greensmile.listings.models import PickupPoint, Unit
    from greensmile.plots.demo import demo_code
    from greensmile.plots.services import get_by_code

    with app.app_context():
        plot = get_by_code(demo_code(1))
        point = db.session.scalar(sa.select(PickupPoint).order_by(PickupPoint.id))
        harvest = date.today() + timedelta(days=5)
        listing = listings.create_listing(plot.owner, listings.ListingData(
            plot_id=plot.id, crop_id=plot.crops[0].id if plot.crops else 1, title="ผักรวม (bench)", unit=Unit.BUNCH,
            price_satang=2500, quantity=Decimal(quantity), harvest_on=harvest,
            order_by=datetime.combine(harvest, datetime.min.time(), tzinfo=timezone.utc), pickup_point_ids=[point.id]))
        db.session.commit()
        return listing.id, plot.owner_id, point.id



def coordinator_client(app):
    """A test client signed in as a new coordinator (bench@example.com)."""
    from greensmile.accounts import services as accounts
    from greensmile.accounts.models import Role
    from greensmile.privacy import services as privacy

    with app.app_context():
        user = accounts.create_user(email="bench@example.com", display_name="Bench", password="bench-password",
                                    roles=(Role.COORDINATOR,))
        privacy.acknowledge(user, user)  # else every page sends them to the privacy notice first
        db.session.commit()
    client = app.test_client()
    sign_in(client, "bench@example.com", "bench-password")
    return client
