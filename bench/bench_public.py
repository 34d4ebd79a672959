"""The public plot page behind every QR code, and exporting QR codes for 3,000 plots.

Floors, measured in the same run:
- pages: a bare Flask view served by the same test client (the framework's floor);
- QR export: a plain loop over the qrcode library drawing the same PNG and SVG codes (the library's floor).
Also prints the SQL queries per page view and the page's size with its stylesheet.
Prints figures only; it never passes or fails. BENCH_QR_PLOTS sets how many plots to export (3000).
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import qrcode  # noqa: E402
from qrcode.image.svg import SvgPathImage  # noqa: E402

from bench.support import database, demo_app, floor_rate, queries_for, rate, report  # noqa: E402
from greensmile import create_app  # noqa: E402
from greensmile.certification import charter, services  # noqa: E402
from greensmile.certification.models import Certification, CertStatus, EventKind  # noqa: E402
from greensmile.config import ROOT  # noqa: E402
from greensmile.demo import demo_user  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.plots import services as plots  # noqa: E402
from greensmile.plots.demo import demo_code  # noqa: E402
from greensmile.plots.models import Plot, PlotType  # noqa: E402

PLOTS = int(os.environ.get("BENCH_QR_PLOTS", "3000"))


def certify_many(count: int) -> None:
    """Give `count` plots a certificate quickly (the cycle itself is measured elsewhere)."""
    farmer, committee = demo_user("farmer"), demo_user("committee")
    standard = charter.ensure_pgs_standard()
    district_id = plots.get_by_code(demo_code(1)).district_id
    for n in range(count):
        plot = plots.create_plot(None, farmer, plots.PlotData(district_id=district_id, area_m2=1600,
                                                               plot_type=PlotType.VEGETABLES, name=f"b{n}"),
                                 check_group=False, flush=False)
        db.session.flush()
        cert = services.certification_for(plot, standard)
        services._move(cert, CertStatus.CERTIFIED, EventKind.DECISION, committee, "bench")
        cert.valid_from, cert.valid_until = services.today(), services.today() + timedelta(days=364)
    db.session.commit()


def library_floor(base_url: str, codes: list[str]) -> float:
    started = time.perf_counter()
    for code in codes:
        payload = f"{base_url}/p/{code}"
        for factory in (None, SvgPathImage):
            q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=8, border=4)
            q.add_data(payload)
            q.make(fit=True)
            q.make_image(image_factory=factory).save(io.BytesIO())
    return time.perf_counter() - started


def redis_floor_rate(page: bytes, rounds: int = 400) -> float:
    """A bare Flask view answering with a page it reads from Redis in one round trip."""
    import redis
    from flask import Flask

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = f"bench-floor-{os.getpid()}"
    client.set(key, page, ex=60)
    app = Flask("floor")
    app.add_url_rule("/", "floor", lambda: app.response_class(client.get(key), mimetype="text/html"))
    try:
        return rate(app.test_client(), "/", rounds)
    finally:
        client.delete(key)


def redis_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def main() -> None:
    page_floor = floor_rate()
    with tempfile.TemporaryDirectory() as tmp:
        app, url = demo_app(tmp)
        client = app.test_client()
        path = f"/p/{demo_code(1)}"
        client.get(path)
        page = client.get(path)
        css = (ROOT / "static" / "css" / "public.css").stat().st_size
        queries = queries_for(app, client, path)
        figure = rate(client, path, rounds=400)
        report("QR page /p/<code>, no Redis", figure, page_floor, "req/s", goal=0.6, database=database(url))
        print(f"queries per page view              {queries:7d}")
        print(f"page size                          {len(page.data):7d} bytes HTML + {css} bytes CSS = "
              f"{len(page.data) + css} bytes")
        if redis_answers():
            redis_app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:6379/0",
                                    "RATELIMIT_KEY_PREFIX": f"bench-{os.getpid()}"})
            redis_rate = rate(redis_app.test_client(), path, rounds=400)
            report("QR page /p/<code>, from Redis (production)", redis_rate, page_floor, "req/s", goal=0.6,
                   database=database(url))
            # A second floor: a bare Flask view that makes the same one Redis round trip (a GET of a key of the same
            # size) before answering. What is left between it and the page is our own per-request work.
            report("QR page from Redis vs a bare view making one Redis read", redis_rate, redis_floor_rate(
                redis_app.test_client().get(path).get_data()), "req/s", database=database(url))
        qr_rate = rate(client, f"{path}/qr.png", rounds=100)
        report("QR image /p/<code>/qr.png", qr_rate, page_floor, "req/s", goal=0.6, database=database(url))

        with app.app_context():
            certify_many(PLOTS)
            certified_ids = list(db.session.scalars(db.select(Certification.plot_id)))
        out = Path(tmp) / "qr"
        runner = app.test_cli_runner()
        started = time.perf_counter()
        result = runner.invoke(args=["qr", "export", "--out", str(out)])
        export = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        written = len(list(out.glob("*.png")))
        with app.app_context():
            plot_codes = list(db.session.scalars(db.select(Plot.code).where(Plot.id.in_(certified_ids))))[:written]
        floor = library_floor(app.config["PUBLIC_BASE_URL"], plot_codes)
        report(f"qr export, {written} plots (PNG+SVG) vs a plain qrcode loop", export, floor, "s",
               database=database(url))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
