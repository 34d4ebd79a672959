"""Requests per second for the pages every visitor hits, beside a floor measured in the same run.

The floor is a bare Flask view returning a constant, served by the same test client in the same
process: the ratio shows what our layers (database session, Babel, Flask-Login, templates, CSRF)
cost on top of Flask itself. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import flask_migrate  # noqa: E402
from flask import Flask  # noqa: E402

from greensmile import create_app  # noqa: E402
from greensmile.demo import seed_demo  # noqa: E402
from greensmile.extensions import db  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "400"))


def rate(client, path: str, rounds: int = ROUNDS) -> float:
    for _ in range(20):  # warm caches and the connection pool
        client.get(path)
    started = time.perf_counter()
    for _ in range(rounds):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return rounds / (time.perf_counter() - started)


def main() -> None:
    floor_app = Flask("floor")
    floor_app.add_url_rule("/", "floor", lambda: "ok")
    floor = rate(floor_app.test_client(), "/")

    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            flask_migrate.upgrade()
            seed_demo()
            db.session.commit()
        client = app.test_client()
        print(f"floor (bare Flask view)       {floor:9.0f} req/s")
        for label, path in [("home page (Thai)", "/"), ("health check", "/healthz"), ("sign-in form", "/login")]:
            figure = rate(client, path)
            print(f"{label:29} {figure:9.0f} req/s   {figure / floor:6.3f} × floor")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
