"""Reservations under contention: many buyers at once for one listing, until it is sold out.

Figure: orders placed per second by THREADS buyers racing through the real checkout service (reserve with one
conditional UPDATE, then the order, its lines and history, one commit each), and the oversell count, which
must be 0. Floor, measured in the same run on the same database: the same threads running only the bare
conditional UPDATE in its own transaction, nothing else. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import database, demo_app, report, sale_listing  # noqa: E402
from greensmile.accounts import services as accounts  # noqa: E402
from greensmile.accounts.models import Role  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.listings.models import Listing  # noqa: E402
from greensmile.orders import services as orders  # noqa: E402
from greensmile.orders.errors import SoldOut  # noqa: E402
from greensmile.orders.models import OrderLine, PaymentMethod  # noqa: E402

THREADS = 16
STOCK = 1600


def _buyers(app) -> list[int]:
    with app.app_context():
        run = uuid.uuid4().hex[:8]  # BENCH_DATABASE_URL may point at a database an earlier run filled
        ids = [accounts.create_user(email=f"bench{n}-{run}@example.com", display_name=f"ผู้ซื้อ {n}", password="x" * 12,
                                    roles=(Role.CONSUMER,)).id for n in range(THREADS)]
        db.session.commit()
        return ids


def race(workers) -> tuple[int, float]:
    counts = [0] * len(workers)
    start = threading.Barrier(len(workers) + 1)

    def run(index, work):
        start.wait()
        counts[index] = work()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(workers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - began


ERRORS: list[str] = []  # any failure other than "sold out" is counted and printed, never swallowed


def checkout_worker(app, buyer_id, listing_id, farmer_id, point_id):
    def work() -> int:
        placed = 0
        with app.test_request_context():
            buyer = db.session.get(accounts.User, buyer_id)
            while True:
                try:
                    orders.place_order(buyer, {listing_id: Decimal(1)}, {farmer_id: orders.PickupChoice(point_id)},
                                       PaymentMethod.CASH)
                    db.session.commit()
                    placed += 1
                except SoldOut:
                    db.session.rollback()
                    return placed
                except Exception as error:  # a lock time-out or serialization failure would skew the figures
                    db.session.rollback()
                    ERRORS.append(f"{type(error).__name__}: {error}".splitlines()[0])
                    if len(ERRORS) > 100:
                        return placed
    return work


def raw_worker(engine, listing_id):
    # Quantities are stored as hundredths of a unit: 100 is one bunch, as each checkout above takes.
    statement = sa.text("UPDATE listings SET quantity_reserved = quantity_reserved + 100 "
                        "WHERE id = :id AND quantity - quantity_reserved >= 100")

    def work() -> int:
        taken = 0
        while True:
            with engine.begin() as connection:
                if connection.execute(statement, {"id": listing_id}).rowcount != 1:
                    return taken
            taken += 1
    return work


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, url = demo_app(folder)
        listing_id, farmer_id, point_id = sale_listing(app, STOCK)
        floor_id, _, _ = sale_listing(app, STOCK)
        buyers = _buyers(app)
        with app.app_context():
            engine = db.engine

        placed, seconds = race([checkout_worker(app, b, listing_id, farmer_id, point_id) for b in buyers])
        taken, floor_seconds = race([raw_worker(engine, floor_id) for _ in buyers])
        with app.app_context():
            sold = db.session.scalar(sa.select(sa.func.sum(OrderLine.quantity)).where(OrderLine.listing_id == listing_id))
            listing = db.session.get(Listing, listing_id)
            oversold = max(Decimal(0), (sold or 0) - listing.quantity)
            db.engine.dispose()

        ours, floor = placed / seconds, taken / floor_seconds
        print(f"database: {url.split(':')[0]}, {THREADS} buyers racing for {STOCK} units")
        print(f"checkout reservations: {placed} orders in {seconds:.2f} s = {ours:,.0f}/s; "
              f"sold {sold} of {listing.quantity}; oversold {oversold}")
        print(f"floor (bare conditional UPDATE, same threads): {taken} updates in {floor_seconds:.2f} s = {floor:,.0f}/s")
        report(f"checkout under contention ({THREADS} buyers, one listing) vs a bare conditional UPDATE", ours, floor,
               "/s", goal=0.3, database=database(url))
        print(f"errors other than sold out: {len(ERRORS)}" + (f" (first: {ERRORS[0]})" if ERRORS else ""))


if __name__ == "__main__":
    main()
