"""50 buyers press "place the order" at the same moment for the last 10 bunches: exactly 10 get one.

Runs on the suite's database engine (SQLite here, PostgreSQL in CI) with real commits, real threads and
real HTTP requests through the app, so the conditional UPDATE is what stands between them.
"""
from __future__ import annotations

import re
import threading
from decimal import Decimal

import flask_migrate
import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.listings.models import Listing, Unit
from greensmile.orders.models import Order, OrderLine
from tests.conftest import CSRF_RE, form_keys
from tests.dbutil import scratch_database
from tests.factories import PASSWORD, make_user
from tests.orders.helpers import make_market

BUYERS = 50
STOCK = 10


@pytest.mark.own_app
def test_fifty_buyers_for_the_last_ten_units(database_url, tmp_path):
    with scratch_database(database_url, "race", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 40}
                          if url.startswith("postgresql") else {}})
        with app.app_context():
            flask_migrate.upgrade()
            market = make_market(quantity=Decimal(STOCK), unit=Unit.BUNCH)
            emails = [make_user(Role.CONSUMER, email=f"racer{n}@example.com").email for n in range(BUYERS)]
            db.session.commit()
            listing_id, farmer_id, point_id = market.listing.id, market.farmer.id, market.stall.id
        try:
            outcomes = _race(app, emails, listing_id, farmer_id, point_id)
            with app.app_context():
                listing = db.session.get(Listing, listing_id)
                ordered = db.session.scalar(sa.select(sa.func.sum(OrderLine.quantity)))
                orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order))
                reserved = listing.quantity_reserved
        finally:
            with app.app_context():
                db.engine.dispose()

    others = [o for o in outcomes.values() if o not in ("ordered", "sold out")]
    assert others == [], others
    assert sorted(outcomes.values()).count("ordered") == STOCK, outcomes
    assert sorted(outcomes.values()).count("sold out") == BUYERS - STOCK, outcomes
    assert orders == STOCK and ordered == Decimal(STOCK) and reserved == Decimal(STOCK)


def _race(app, emails, listing_id, farmer_id, point_id) -> dict[str, str]:
    clients, tokens = {}, {}  # tokens: each buyer's CSRF token and checkout key
    for email in emails:  # sign in and fill each cart first; only the checkout races
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        client.post("/login", data={"csrf_token": CSRF_RE.search(page).group(1), "login": email,
                                    "password": PASSWORD})
        page = client.get(f"/market/{listing_id}").get_data(as_text=True)
        client.post(f"/cart/add/{listing_id}", data={"csrf_token": CSRF_RE.search(page).group(1), "quantity": "1"})
        tokens[email] = form_keys(client, "/cart")
        clients[email] = client

    start = threading.Barrier(len(emails))
    outcomes: dict[str, str] = {}

    def buy(email: str) -> None:
        client = clients[email]
        start.wait()
        response = client.post("/checkout", data={**tokens[email], f"pickup_{farmer_id}": str(point_id),
                                                  "payment_method": "cash"})
        if response.status_code == 302 and re.search(r"/orders/\d+$", response.location):
            outcomes[email] = "ordered"
            return
        page = client.get("/cart").get_data(as_text=True)
        flashes = re.findall(r'class="flash flash-error"[^>]*>([^<]*)<', page)
        sold_out = any("sold out" in text.lower() or "ขายหมด" in text for text in flashes)
        outcomes[email] = "sold out" if sold_out else f"other: {response.status_code} {flashes}"

    threads = [threading.Thread(target=buy, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
