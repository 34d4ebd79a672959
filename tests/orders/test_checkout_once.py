"""A checkout form sent several times (a double tap on a slow phone) places one order and moves the stock once."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.listings.models import Listing
from greensmile.orders.models import Checkout, Order
from greensmile.submissions.models import FormSubmission
from tests.conftest import csrf_token, form_keys, login, post_form
from tests.factories import PASSWORD
from tests.liveserver import hidden_fields, live_app, post_at_once, same_browser, signed_in
from tests.orders.helpers import make_market

TAPS = 5


def _counts(app) -> tuple[int, int, Decimal]:
    with app.app_context():
        checkouts = db.session.scalar(sa.select(sa.func.count()).select_from(Checkout))
        orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order))
        return checkouts, orders, db.session.scalar(sa.select(Listing.quantity_reserved))


@pytest.mark.own_app
def test_five_identical_checkout_posts_at_once_place_one_order(database_url, tmp_path):
    def build():
        market = make_market(quantity=Decimal("10"))  # enough for all five: only the key stands between them
        return market.listing.id, market.farmer.id, market.stall.id

    with live_app(database_url, "checkout_once", tmp_path, build) as (app, base, (listing_id, farmer_id, point_id)):
        phone = signed_in(base, "buyer@example.com", PASSWORD)
        page = phone.get(f"{base}/market/{listing_id}").text
        phone.post(f"{base}/cart/add/{listing_id}", data={"csrf_token": re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1), "quantity": "2"}, allow_redirects=False)
        form = {**hidden_fields(phone, f"{base}/cart"), f"pickup_{farmer_id}": str(point_id),
                "payment_method": "cash"}  # cash at pickup: no payment provider is involved

        answers = post_at_once(same_browser(phone, TAPS), f"{base}/checkout", [form] * TAPS)

        assert [getattr(a, "status_code", a) for a in answers] == [302] * TAPS
        checkouts, orders, reserved = _counts(app)
        with app.app_context():
            order_id = db.session.scalar(sa.select(Order.id))
            claims = db.session.scalar(sa.select(sa.func.count()).select_from(FormSubmission))
    assert (checkouts, orders, reserved, claims) == (1, 1, Decimal("2.00"), 1)
    # Every tap is shown the one order, the first with its own words, the others with "already sent".
    assert {a.headers["Location"] for a in answers} == {f"/orders/{order_id}"}


def _add(client, market, quantity="2"):
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": quantity}, page=f"/market/{market.listing.id}")


def test_the_same_checkout_form_sent_again_later_shows_the_first_order(client, given, app):
    with given():
        market = make_market(quantity=Decimal("10"))
    login(client, "buyer@example.com", PASSWORD)
    _add(client, market)
    form = {**form_keys(client, "/cart"), f"pickup_{market.farmer.id}": str(market.stall.id),
            "payment_method": "cash"}
    first = client.post("/checkout", data=form)
    _add(client, market)  # even with the cart filled again, the old form is not a new order
    again = client.post("/checkout", data=form, follow_redirects=True)
    assert first.status_code == 302 and again.request.path == first.location
    assert "ส่งรายการนี้ไปแล้ว นี่คือรายการที่บันทึกไว้" in again.get_data(as_text=True)  # "This was already sent"
    assert _counts(app)[:2] == (1, 1) and _counts(app)[2] == Decimal("2.00")
    assert "ผักบุ้งอินทรีย์" not in client.get("/cart").get_data(as_text=True)  # the repeat empties the cart too


@pytest.mark.parametrize("key", [None, "", "not a key", "x" * 200])
def test_a_checkout_without_a_good_key_is_refused_and_writes_nothing(client, given, app, key):
    with given():
        market = make_market(quantity=Decimal("10"))
    login(client, "buyer@example.com", PASSWORD)
    _add(client, market)
    form = {"csrf_token": csrf_token(client, "/cart"), f"pickup_{market.farmer.id}": str(market.stall.id),
            "payment_method": "cash", **({} if key is None else {"submission_key": key})}
    answer = client.post("/checkout", data=form, follow_redirects=True)
    assert answer.request.path == "/cart"
    assert "ผักบุ้งอินทรีย์" in answer.get_data(as_text=True)  # the cart is kept, with a fresh form
    assert re.search(r'class="flash flash-error"[^>]*>แบบฟอร์มนี้หมดอายุ', answer.get_data(as_text=True))
    assert _counts(app) == (0, 0, Decimal("0.00"))
