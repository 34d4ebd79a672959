"""Market day, against gunicorn on PostgreSQL with Redis, driven by locust (as a library): 200 phones scan the QR pages
of 50 certified plots, 20 buyers check out the same 5 listings, and in the middle a committee member suspends one
of the plots through its page.

After a warm-up of 10 s (every phone arrived, every buyer signed in), reports requests/s, p50/p95/p99 per page, errors (5xx and time-outs apart), the seconds until every phone has seen the
suspension, and the units oversold (must be 0). Every request goes to 127.0.0.1 only; the run is bounded in time
and stops by itself. Prints figures only; it never passes or fails.

Settings (environment): MARKET_SECONDS (60), MARKET_PHONES (200), MARKET_BUYERS (20), MARKET_WORKERS (4),
BENCH_DATABASE_URL (default: a scratch database beside postgresql://postgres@127.0.0.1:5432/test),
MARKET_REDIS_URL (redis://127.0.0.1:6379/13).
"""
from __future__ import annotations

from gevent import monkey  # locust's phones are greenlets: sockets are patched before anything opens one

monkey.patch_all()

import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("MARKET_SECONDS", "60"))
PHONES = int(os.environ.get("MARKET_PHONES", "200"))
BUYERS = int(os.environ.get("MARKET_BUYERS", "20"))
WORKERS = int(os.environ.get("MARKET_WORKERS", "4"))
WARM_UP = 10  # seconds before the measuring starts
PLOTS, LISTINGS, STOCK = 50, 5, Decimal("40")
REDIS_URL = os.environ.get("MARKET_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "market-day-password-2569"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
PICKUP = re.compile(r'<select[^>]*name="(pickup_\d+)"[^>]*>.*?<option[^>]*value="(\d+)"', re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> tuple[str, str | None]:
    """(URL, admin URL to drop it with afterwards)."""
    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        return given, None
    import sqlalchemy as sa

    admin = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql('DROP DATABASE IF EXISTS "greensmile_market_day" WITH (FORCE)')
        connection.exec_driver_sql('CREATE DATABASE "greensmile_market_day"')
    engine.dispose()
    return "postgresql+psycopg://postgres@127.0.0.1:5432/greensmile_market_day", admin


def prepare(url: str) -> dict:
    """The demo, 50 certified plots, 5 listings of 40 kg each, 20 buyers, and the committee member's account."""
    import flask_migrate
    import sqlalchemy as sa

    from bench.bench_public import certify_many
    from greensmile import create_app
    from greensmile.accounts import services as accounts
    from greensmile.accounts.models import Role
    from greensmile.certification.models import Certification
    from greensmile.demo import demo_password, demo_user, seed_demo
    from greensmile.extensions import db
    from greensmile.listings import services as listings
    from greensmile.listings.models import PickupPoint, Unit
    from greensmile.plots.models import Plot
    from greensmile.privacy import services as privacy
    from greensmile.privacy.models import Purpose

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo()
        db.session.commit()
        certify_many(PLOTS)
        farmer = demo_user("farmer")
        privacy.record(farmer, Purpose.PUBLIC_NAME, True, farmer)
        plots = db.session.scalars(sa.select(Plot).join(Certification, Certification.plot_id == Plot.id)
                                   .where(Plot.owner_id == farmer.id).order_by(Plot.id.desc()).limit(PLOTS)).all()
        point = db.session.scalar(sa.select(PickupPoint).order_by(PickupPoint.id))
        from datetime import date, datetime, timezone

        harvest = date.today() + timedelta(days=5)
        offered = []
        from greensmile.certification import scope
        from greensmile.plots.demo import DEMO_PLOTS, demo_code

        candidates = []  # the demo's certified plots, with each crop their certificate covers
        for number in range(1, len(DEMO_PLOTS) + 1):
            plot = db.session.scalar(sa.select(Plot).where(Plot.code == demo_code(number)))
            if plot is not None:
                candidates += [(plot, crop) for crop in scope.scope_of(plot).covered]
        for plot, crop in candidates * LISTINGS:
            if len(offered) == LISTINGS:
                break
            try:
                with db.session.begin_nested():
                    listing = listings.create_listing(plot.owner, listings.ListingData(
                        plot_id=plot.id, crop_id=crop.id, title=f"ผักตลาดนัด {len(offered) + 1}", unit=Unit.KG,
                        price_satang=6000, quantity=STOCK, harvest_on=harvest,
                        order_by=datetime.combine(harvest, datetime.min.time(), tzinfo=timezone.utc),
                        pickup_point_ids=[point.id]))
            except Exception as refused:  # a demo plot that may not sell now (in conversion, say)
                print(f"no listing on {plot.code}: {refused}")
                continue
            offered.append(listing.id)
        if len(offered) < LISTINGS:
            print(f"only {len(offered)} listings could be made from the demo")
        buyers = []
        for n in range(BUYERS):
            email = f"buyer{n}@market.test"
            accounts.create_user(email=email, display_name=f"ผู้ซื้อ {n}", password=PASSWORD, roles=(Role.CONSUMER,))
            buyers.append(email)
        db.session.commit()
        committee = demo_user("committee")
        target = plots[LISTINGS]  # scanned, and not one of the listed plots
        cert = db.session.scalar(sa.select(Certification).where(Certification.plot_id == target.id))
        # everyone has acknowledged the privacy notice, so no page is a detour
        from greensmile.accounts.models import User

        for person in db.session.scalars(sa.select(User)):
            privacy.acknowledge(person, person)
        db.session.commit()
        found = {"codes": [plot.code for plot in plots], "listings": offered, "buyers": buyers,
                 "committee": committee.email, "committee_password": demo_password(), "cert": cert.id,
                 "target": target.code}
        db.engine.dispose()
    return found


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
           "SECRET_KEY": "market-day-" + "0123456789abcdef" * 3, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
           "RATELIMIT_KEY_PREFIX": f"market-{os.getpid()}"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--timeout", "30", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    import urllib.request

    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL") and not answers("127.0.0.1", 5432):
        print("market day skipped: no PostgreSQL on 127.0.0.1:5432 (or set BENCH_DATABASE_URL)")
        return
    if not answers("127.0.0.1", 6379):
        print("market day skipped: no Redis on 127.0.0.1:6379 (the production set-up it measures has one)")
        return
    url, admin = database_url()
    port = free_port()
    scene = prepare(url)
    server = start_server(url, port)
    try:
        report = run_load(f"http://127.0.0.1:{port}", scene)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report["oversold"] = oversold(url, scene)
    print_report(report)
    if admin:
        import sqlalchemy as sa

        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql('DROP DATABASE IF EXISTS "greensmile_market_day" WITH (FORCE)')
        engine.dispose()


def run_load(host: str, scene: dict) -> dict:
    import gevent
    from locust import FastHttpUser, between, constant_pacing, events, task
    from locust.env import Environment

    statuses: dict[int, int] = {}
    seen_suspended: dict[int, float] = {}
    stale: list[float] = []  # seconds after the decision of each view of the plot still showing it certified
    suspended_at: list[float] = []
    phones_after: set[int] = set()

    @events.request.add_listener
    def count(response=None, exception=None, **_kwargs):
        code = getattr(response, "status_code", 0) or 0
        statuses[code] = statuses.get(code, 0) + 1

    class Phone(FastHttpUser):
        fixed_count = PHONES
        wait_time = constant_pacing(1)  # a scan a second each: 200 phones, 200 scans a second asked for
        network_timeout = connection_timeout = 15.0

        def on_start(self):
            self.number = id(self)

        @task
        def scan(self):
            watching = suspended_at and random.random() < 0.3
            code = scene["target"] if watching else random.choice(scene["codes"])
            with self.client.get(f"/p/{code}", name="/p/<code>", catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"status {answer.status_code}")
                    return
                if code == scene["target"] and suspended_at:
                    phones_after.add(self.number)
                    after = time.monotonic() - suspended_at[0]
                    if 'data-status="suspended"' not in answer.text:
                        stale.append(after)
                    elif self.number not in seen_suspended:
                        seen_suspended[self.number] = after

    class Buyer(FastHttpUser):
        fixed_count = BUYERS
        wait_time = between(3, 5)  # under the checkout limit of 20 a minute per account
        network_timeout = connection_timeout = 15.0

        def on_start(self):
            self.email = scene["buyers"][Buyer.started % len(scene["buyers"])]
            Buyer.started += 1
            page = self.client.get("/login", name="/login").text
            self.client.post("/login", name="/login", data={
                "csrf_token": CSRF.search(page).group(1), "login": self.email, "password": PASSWORD})

        @task
        def buy(self):
            listing = random.choice(scene["listings"])
            page = self.client.get(f"/market/{listing}", name="/market/<id>").text
            token = CSRF.search(page)
            if token is None:
                return
            self.client.post(f"/cart/add/{listing}", name="/cart/add", data={
                "csrf_token": token.group(1), "quantity": str(random.choice([1, 2, 3]))})
            cart = self.client.get("/cart", name="/cart").text
            token, key, pickup = CSRF.search(cart), KEY.search(cart), PICKUP.search(cart)
            if token is None or pickup is None:
                return
            data = {"csrf_token": token.group(1), pickup.group(1): pickup.group(2), "payment_method": "cash"}
            if key:
                data["submission_key"] = key.group(1)
            self.client.post("/checkout", name="/checkout", data=data)

    Buyer.started = 0
    env = Environment(user_classes=[Phone, Buyer], host=host, events=events)
    runner = env.create_local_runner()

    def suspend():
        import requests

        committee = requests.Session()
        page = committee.get(f"{host}/login").text
        committee.post(f"{host}/login", data={"csrf_token": CSRF.search(page).group(1), "login": scene["committee"],
                                              "password": scene["committee_password"]})
        page = committee.get(f"{host}/plots/{scene['target']}").text
        answer = committee.post(f"{host}/certifications/{scene['cert']}/suspend", data={
            "csrf_token": CSRF.search(page).group(1), "reason": "ตรวจพบสารตกค้างในตลาดนัด"}, allow_redirects=False)
        suspended_at.append(time.monotonic())
        if answer.status_code != 302:
            print(f"the suspension was refused: {answer.status_code}")

    runner.start(PHONES + BUYERS, spawn_rate=100)
    gevent.sleep(WARM_UP)  # everyone arrived and signed in (the buyers' password hashing is slow on purpose)
    env.stats.reset_all()
    statuses.clear()
    started = time.monotonic()
    gevent.spawn_later(SECONDS / 2, suspend)
    gevent.sleep(SECONDS)
    runner.quit()
    elapsed = time.monotonic() - started
    pages = {}
    for (name, method), entry in env.stats.entries.items():
        pages[f"{method} {name}"] = {
            "requests": entry.num_requests, "failures": entry.num_failures, "rps": entry.num_requests / elapsed,
            "p50": entry.get_response_time_percentile(0.5), "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99)}
    total = env.stats.total
    return {"elapsed": elapsed, "pages": pages, "requests": total.num_requests, "rps": total.num_requests / elapsed,
            "statuses": statuses, "failures": total.num_failures,
            "suspension": max(seen_suspended.values()) if seen_suspended else None,
            "stale": stale,
            "phones_saw": len(seen_suspended), "phones_after": len(phones_after)}


def oversold(url: str, scene: dict) -> Decimal:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT l.id, l.quantity, l.quantity_reserved, COALESCE(SUM(ol.quantity), 0) FROM listings l "
            "LEFT JOIN order_lines ol ON ol.listing_id = l.id LEFT JOIN orders o ON o.id = ol.order_id "
            "AND o.status NOT IN ('cancelled', 'expired', 'refunded') WHERE l.id = ANY(:ids) "
            "GROUP BY l.id, l.quantity, l.quantity_reserved"), {"ids": scene["listings"]}).all()
    engine.dispose()
    hundredths = Decimal(100)  # quantities are kept in hundredths (greensmile.db.Quantity)
    print("listings (id, stock, reserved, ordered, kg):",
          [(r[0], *(str(Decimal(v) / hundredths) for v in r[1:])) for r in rows])
    return sum((max(Decimal(0), (Decimal(r[2]) - Decimal(r[1])) / hundredths) for r in rows), Decimal(0))


def print_report(report: dict) -> None:
    print(f"market day: {PHONES} phones, {BUYERS} buyers, {WORKERS} gunicorn workers, {report['elapsed']:.0f} s")
    print(f"requests {report['requests']}, {report['rps']:.0f}/s; statuses {dict(sorted(report['statuses'].items()))}"
          f"; failures {report['failures']}")
    for name, page in sorted(report["pages"].items()):
        if not page["requests"]:
            continue  # signing in happened during the warm-up
        print(f"  {name:22s} {page['requests']:6d} req {page['rps']:7.1f}/s  p50 {page['p50']:6.0f} ms  "
              f"p95 {page['p95']:6.0f} ms  p99 {page['p99']:6.0f} ms  failures {page['failures']}")
    errors = sum(count for status, count in report["statuses"].items() if status >= 500)
    timeouts = report["statuses"].get(0, 0)
    print(f"5xx {errors}, time-outs or refused connections {timeouts}")
    if report["suspension"] is None:
        print("the suspension: no phone scanned the plot after it")
    else:
        print(f"the suspension: seen by {report['phones_saw']} of the {report['phones_after']} phones that scanned "
              f"the plot after it was decided")
        stale = report["stale"]
        print(f"  views of the plot still showing it certified after the decision: {len(stale)}"
              + (f", the last {max(stale):.2f} s after it" if stale else " (every phone saw it on its next scan)"))
    print(f"oversold units: {report['oversold']}")


if __name__ == "__main__":
    main()
