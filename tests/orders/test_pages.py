"""The market through real HTTP requests: catalogue, cart, checkout with cash, orders, pick list, API."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.models import Listing
from greensmile.orders.models import Order, OrderStatus
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, crop, make_user
from tests.orders.helpers import listing_data, make_market
from tests.plots.test_search_and_api import counting_queries


def _reserved(app, listing_id):
    with app.app_context():
        return db.session.scalar(sa.select(Listing.quantity_reserved).where(Listing.id == listing_id))


def _buy(client, market, quantity="2", method="cash"):
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": quantity}, page=f"/market/{market.listing.id}")
    return post_form(client, "/checkout", {f"pickup_{market.farmer.id}": str(market.stall.id),
                                           "payment_method": method}, page="/cart")


def test_a_consumer_orders_with_cash_and_the_farmer_sees_it(client, given, app):
    with given():
        market = make_market(quantity=Decimal("10"), price_satang=6000)
    page = client.get("/market").get_data(as_text=True)
    assert "ผักบุ้งอินทรีย์" in page and "฿60" in page and f"/p/{market.cycle.plot.code}" in page
    login(client, "buyer@example.com", PASSWORD)
    response = _buy(client, market, "2.5")
    assert response.status_code == 302 and "/orders/" in response.location
    receipt = client.get(response.location).get_data(as_text=True)
    assert "฿150" in receipt and "order-confirmed" in receipt
    assert _reserved(app, market.listing.id) == Decimal("2.50")
    assert client.get("/cart").get_data(as_text=True).count("ผักบุ้งอินทรีย์") == 0  # the cart was emptied

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "farmer@example.com", PASSWORD)
    picks = client.get(f"/farm/picklist?date={market.listing.harvest_on.isoformat()}").get_data(as_text=True)
    assert "ผักบุ้ง" in picks and "2.5" in picks and "ตลาดเขียว ม.อ." in picks
    assert "ORD" not in picks and re.search(r"GS-\d{6}", picks)


def test_another_consumer_cannot_see_or_cancel_an_order(client, given, app):
    with given():
        market = make_market()
        make_user(Role.CONSUMER, email="nosy@example.com")
    login(client, "buyer@example.com", PASSWORD)
    order_url = _buy(client, market).location
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "nosy@example.com", PASSWORD)
    assert client.get(order_url).status_code == 404
    token = csrf_token(client, "/")
    assert client.post(order_url + "/cancel", data={"csrf_token": token, "reason": "x"}).status_code == 404
    assert client.post(order_url + "/ready", data={"csrf_token": token}).status_code in (403, 404)
    assert _reserved(app, market.listing.id) == Decimal("2.00")


def test_the_consumer_cancels_and_the_stock_returns(client, given, app):
    with given():
        market = make_market()
    login(client, "buyer@example.com", PASSWORD)
    order_url = _buy(client, market).location
    response = post_form(client, order_url + "/cancel", {"reason": ""}, page=order_url)
    assert response.status_code == 302
    assert _reserved(app, market.listing.id) == Decimal("0.00")
    with app.app_context():
        assert db.session.scalar(sa.select(Order.status)) is OrderStatus.CANCELLED


def test_a_sold_out_listing_says_so_and_takes_nothing(client, given, app):
    with given():
        market = make_market(quantity=Decimal("3"))
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "3"}, page=f"/market/{market.listing.id}")
    with app.app_context():  # someone else takes the last of it while this cart waits
        assert listings.reserve(market.listing.id, Decimal("1"))
        db.session.commit()
    response = post_form(client, "/checkout", {f"pickup_{market.farmer.id}": str(market.stall.id),
                                               "payment_method": "cash"}, page="/cart", follow_redirects=True)
    body = response.get_data(as_text=True)
    flashes = re.findall(r'class="flash flash-error"[^>]*>([^<]*)<', body)
    assert len(flashes) == 1 and "ผักบุ้งอินทรีย์" in flashes[0] and " 2 " in flashes[0]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_without_stripe_keys_only_pay_at_pickup_is_offered(client, given):
    with given():
        market = make_market()
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "1"}, page=f"/market/{market.listing.id}")
    page = client.get("/cart").get_data(as_text=True)
    assert 'value="cash"' in page and 'value="promptpay"' not in page and 'value="card"' not in page
    response = post_form(client, "/checkout", {f"pickup_{market.farmer.id}": str(market.stall.id),
                                               "payment_method": "promptpay"}, page="/cart")
    assert response.status_code == 400


def test_a_farmer_cannot_list_from_an_uncertified_plot_through_the_form(client, given):
    with given():
        market = make_market()
        from tests.factories import make_plot

        bare = make_plot(market.farmer, market.cycle.group, name="แปลงใหม่")
    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/farm/listings/new").get_data(as_text=True)
    # Within the plot choice: another field's option (a pickup point) may carry the same number.
    plots = re.search(r'<select[^>]*name="plot_id".*?</select>', page, re.S).group(0)
    assert f'value="{market.cycle.plot.id}"' in plots and f'value="{bare.id}"' not in plots
    with given():
        data = listing_data(bare.id, [market.stall.id])
    form = {"plot_id": bare.id, "crop_id": data.crop_id, "unit": "kg", "price": "50", "quantity": "5",
            "harvest_on": data.harvest_on.isoformat(), "order_by_date": (data.harvest_on - timedelta(days=1)).isoformat(),
            "order_by_time": "12:00", "pickup_points": market.stall.id}
    response = post_form(client, "/farm/listings/new", form)
    assert response.status_code == 400  # the form again, with the refusal
    form["plot_id"] = market.cycle.plot.id
    response = post_form(client, "/farm/listings/new", form)
    assert response.status_code == 302 and "/market/" in response.location


def test_catalogue_filters_and_a_fixed_query_count(client, given, app):
    with given():
        market = make_market(crops=("ผักบุ้ง", "คะน้า"))
        other = crop("คะน้า", "Chinese kale")
    with counting_queries(app) as few:
        client.get("/market")
    with given():
        for n in range(30):
            listings.create_listing(market.farmer, listing_data(market.cycle.plot.id, [market.stall.id],
                                                                title=f"ผักชุดที่ {n}", crop_id=other.id))
    with counting_queries(app) as many:
        page = client.get("/market").get_data(as_text=True)
    assert len(many) == len(few)
    assert "ผักชุดที่" in page
    assert "ผักบุ้งอินทรีย์" not in client.get(f"/market?crop={other.id}").get_data(as_text=True)
    assert "ผักชุดที่ 7" in client.get("/market?q=ชุดที่ 7").get_data(as_text=True)
    found = client.get(f"/api/v1/listings?crop={other.id}&per_page=5").get_json()
    assert found["total"] == 30 and len(found["listings"]) == 5
    assert found["listings"][0]["label"] == "organic" and found["listings"][0]["plot"]["code"] == market.cycle.plot.code
    assert client.get("/api/v1/listings?harvest_from=tomorrow").status_code == 400


def test_the_plot_page_links_to_its_produce(client, given):
    with given():
        market = make_market()
    page = client.get(f"/p/{market.cycle.plot.code}").get_data(as_text=True)
    assert f"/market/{market.listing.id}" in page and "ผักบุ้งอินทรีย์" in page


def test_a_visitor_fills_a_cart_before_signing_up(client, given):
    with given():
        market = make_market()
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "2"}, page=f"/market/{market.listing.id}")
    page = client.get("/cart").get_data(as_text=True)
    assert "ผักบุ้งอินทรีย์" in page and "/signup?next=/cart" in page and "/login?next=/cart" in page
    response = post_form(client, "/signup?next=/cart", {"email": "new@example.com", "display_name": "ลูกค้าใหม่",
                                                        "password": PASSWORD, "confirm": PASSWORD}, page="/signup")
    assert response.status_code == 302 and response.location.endswith("/cart")
    assert "ผักบุ้งอินทรีย์" in client.get("/cart").get_data(as_text=True)  # the cart survived signing up


def test_odd_numbers_and_ids_get_clear_answers_not_errors(client, given, app):
    with given():
        market = make_market()
    for quantity in ["NaN", "sNaN", "Infinity", "-1", "1e9", "1.234", "abc", "", "0"]:
        response = post_form(client, f"/cart/add/{market.listing.id}", {"quantity": quantity},
                             page=f"/market/{market.listing.id}")
        assert response.status_code == 302 and response.location.endswith(f"/market/{market.listing.id}"), quantity
    token = csrf_token(client, "/cart")
    for listing_id, quantity in [(str(market.listing.id), "sNaN"), (str(market.listing.id), "1e999"),
                                 ("99999999999999999999", "1")]:
        response = client.post("/cart", data={"csrf_token": token, "listing_id": listing_id, "quantity": quantity})
        assert response.status_code == 302
    assert "ผักบุ้งอินทรีย์" not in client.get("/cart").get_data(as_text=True)  # nothing odd got in
    assert client.get("/market/99999999999999999999999").status_code == 404
    assert client.get("/api/v1/listings?crop=99999999999999999999999").status_code == 400
    assert client.get("/market?crop=abc&harvest_from=2020-13-01").status_code == 200  # odd filters are ignored
    assert client.get("/market?page=-1").status_code == 400  # a page no list has is refused, saying why
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/orders/99999999999999999999999").status_code == 404
    assert client.get("/farm/picklist?date=not-a-date").status_code == 200
