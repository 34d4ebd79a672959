"""Requests per second for the pages every visitor hits, beside a floor measured in the same run.

The floor is a bare Flask view returning a constant, served by the same test client in the same
process: the ratio shows what our layers (database session, Babel, Flask-Login, templates, CSRF)
cost on top of Flask itself. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")


from bench.support import database, demo_app, floor_rate, rate, report  # noqa: E402
from greensmile.extensions import db  # noqa: E402


def main() -> None:
    floor = floor_rate()

    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        client = app.test_client()
        for label, path in [("home page (Thai)", "/"), ("health check", "/healthz"), ("sign-in form", "/login")]:
            figure = rate(client, path)
            report(f"{label} {path}", figure, floor, "req/s", goal=0.5 if path == "/" else None, database=database(url))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
