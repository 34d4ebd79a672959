"""What the outbox costs a page, and how fast the worker delivers.

Figure 1: checkouts per second through the real pages (the cart's POST, the cart page, then the checkout's POST, as a
phone sends them), with the notification centre on (each order writes two notifications and their delivery jobs in the order's
transaction) beside the same pages with it off (the centre told to stay quiet for the request): the floor.

Figure 2: LINE deliveries per second by the worker (claim, one SDK push each as a Flex message under its retry key,
record, commit) against the local fake LINE server, beside a bare loop of the same SDK pushes with no database: the
floor. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import database, demo_app, report, sale_listing, sign_in  # noqa: E402
from greensmile.accounts import services as accounts  # noqa: E402
from greensmile.accounts.models import LineLink, Role, User  # noqa: E402
from greensmile.extensions import db, limiter  # noqa: E402
from greensmile.jobs import services as jobs  # noqa: E402
from greensmile.notifications import line  # noqa: E402
from greensmile.notifications import services as centre  # noqa: E402
from greensmile.privacy import services as privacy  # noqa: E402
from tests.line.fake_line import CHANNEL_ACCESS_TOKEN, FakeLine  # noqa: E402

CHECKOUTS = 150
DELIVERIES = 300
WARM_UP = 50
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def _checkouts(app, listing_id: int, farmer_id: int, point_id: int, quiet: bool) -> float:
    email = f"bench-notify-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        buyer = accounts.create_user(email=email, display_name="ผู้ซื้อ", password="x" * 12, roles=(Role.CONSUMER,))
        privacy.acknowledge(buyer, buyer)  # else the market page sends them to the privacy notice first
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, "x" * 12)
    token = _TOKEN.search(client.get(f"/market/{listing_id}").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, f"pickup_{farmer_id}": str(point_id), "payment_method": "cash"}
    app.config["BENCH_QUIET"] = quiet
    started = time.perf_counter()
    for _ in range(CHECKOUTS):
        assert client.post(f"/cart/add/{listing_id}", data={"csrf_token": token, "quantity": "1"}).status_code == 302
        key = _KEY.search(client.get("/cart").get_data(as_text=True)).group(1)  # the cart page, as the phone sees it
        placed = client.post("/checkout", data={**form, "submission_key": key})
        assert placed.status_code == 302 and placed.location.startswith("/orders"), placed.status_code
    return CHECKOUTS / (time.perf_counter() - started)


def _serve_fake(line_id: str, pipe) -> None:
    """The fake LINE server in a process of its own, as LINE is a server of its own: it does not share this
    process's interpreter lock with the code being measured. Answers "inbox" with the count delivered."""
    with FakeLine() as fake:
        fake.add_friend(line_id, "เกษตรกร")
        pipe.send(fake.url)
        while (asked := pipe.recv()) != "stop":
            pipe.send(len(fake.inbox(line_id)) if asked == "inbox" else None)


def _deliveries(app) -> tuple[float, float]:
    line_id = FakeLine.new_user_id()
    here, there = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve_fake, args=(line_id, there), daemon=True)
    server.start()
    app.config["LINE_API_URL"] = here.recv()
    try:
        return _measure_deliveries(app, line_id, here)
    finally:
        here.send("stop")
        server.join(timeout=10)


def _measure_deliveries(app, line_id: str, fake) -> tuple[float, float]:
    with app.app_context():
        person = db.session.scalar(sa.select(User).where(User.email.like("farmer@%")))
        if person.line_link is None:
            db.session.add(LineLink(user=person, line_user_id=line_id, friend=True))
        else:
            person.line_link.line_user_id, person.line_link.friend = line_id, True
        privacy.agree_with_line_link(person)  # linking LINE is the consent to its messages (PDPA §28: it is abroad)
        db.session.commit()
        for n in range(DELIVERIES):
            centre.notify(person, "order.ready", lambda n=n: centre.Message(
                f"คำสั่งซื้อ GS-{n:05d} พร้อมรับ", "มารับได้ที่ตลาดเขียว", "https://greensmile.example/orders/1",
                [("คำสั่งซื้อ", f"GS-{n:05d}"), ("ยอดรวม", "฿120")]))
        db.session.commit()
        sample = SimpleNamespace(title="คำสั่งซื้อ GS-00000 พร้อมรับ", body="มารับได้ที่ตลาดเขียว",
                                 url="https://greensmile.example/orders/1", facts=[["คำสั่งซื้อ", "GS-00000"],
                                 ["ยอดรวม", "฿120"]], user=SimpleNamespace(locale="th"), retry_key="")  # no database

        def bare_loop(count: int) -> float:
            started = time.perf_counter()
            for _ in range(count):
                sample.retry_key = str(uuid.uuid4())
                assert line.push(line_id, sample) is line.Outcome.SENT
            return count / (time.perf_counter() - started)

        bare_loop(WARM_UP)  # the fake's validators and the connection pool warm up
        bare = bare_loop(DELIVERIES)
        started = time.perf_counter()
        delivered = 0
        while ran := jobs.run_once("bench", kinds=[centre.DELIVER], scheduled=False):
            delivered += ran
        worker = delivered / (time.perf_counter() - started)
        bare = max(bare, bare_loop(DELIVERIES))  # again after the worker: the better of the two is the floor
        fake.send("inbox")
        delivered_there = fake.recv()
        assert delivered_there == WARM_UP + 3 * DELIVERIES, delivered_there  # the bare loops' and the worker's

    return worker, bare


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, url = demo_app(folder)
        app.config.update(LINE_CHANNEL_ACCESS_TOKEN=CHANNEL_ACCESS_TOKEN, WTF_CSRF_ENABLED=True)
        limiter.enabled = False  # one buyer placing hundreds of orders a minute is the bench, not an attack

        @app.before_request
        def _quiet_when_asked():  # the "off" run: the centre writes nothing for these requests
            from greensmile.notifications.services import _QUIET
            db.session.info[_QUIET] = bool(app.config.get("BENCH_QUIET"))

        ids = sale_listing(app, CHECKOUTS * 6)
        _checkouts(app, *ids, quiet=False)  # warm-up
        on = _checkouts(app, *ids, quiet=False)
        off = _checkouts(app, *ids, quiet=True)
        worker, bare = _deliveries(app)
        with app.app_context():
            db.engine.dispose()
    print(f"database: {url.split(':')[0]}, {CHECKOUTS} checkouts through the pages, {DELIVERIES} LINE deliveries")
    print(f"checkout pages with notifications (2 notices + 2 jobs per order): {on:,.1f}/s")
    print(f"floor, the same pages with the centre quiet: {off:,.1f}/s")
    report("checkout pages with notifications vs the centre quiet", on, off, "/s", database=database(url))
    print(f"worker LINE deliveries (claim, Flex push, record, commit): {worker:,.1f}/s")
    print(f"floor, bare SDK pushes to the same fake (its own process) in a loop: {bare:,.1f}/s")
    report("worker LINE deliveries vs bare SDK pushes", worker, bare, "/s", database=database(url))


if __name__ == "__main__":
    main()
