"""Checkout across farmers and with delivery, the farmer's side, photos, pickup points, e-mails, the cron command."""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.listings import pickup_points as points
from greensmile.listings import services as listings
from greensmile.listings.models import Listing, PickupKind, PickupPoint
from greensmile.orders import services as orders
from greensmile.orders.models import Checkout, Order, OrderStatus
from tests.certification.helpers import png
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.orders.helpers import listing_data, make_market, second_farmer
from tests.outbox import sent_mails


def _mails(caplog, app=None) -> list[str]:
    return sent_mails(caplog, app)


def test_one_checkout_two_farmers_two_orders_with_delivery(client, given, app, caplog):
    with given():
        market = make_market(price_satang=5000)
        farmer2, plot2 = second_farmer(market)
        delivery = points.save_pickup_point(farmer2, None, points.PickupData(
            kind=PickupKind.DELIVERY, name="ส่งถึงบ้านในหาดใหญ่", fee_satang=4000))
        second = listings.create_listing(farmer2, listing_data(plot2.id, [delivery.id], title="มะนาว",
                                                               price_satang=300, quantity=Decimal("50")))
    _mails(caplog, app)  # what the set-up announced (inspections, decisions) is out of the way
    caplog.clear()
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "1"}, page=f"/market/{market.listing.id}")
    post_form(client, f"/cart/add/{second.id}", {"quantity": "20"}, page=f"/market/{second.id}")
    form = {f"pickup_{market.farmer.id}": str(market.stall.id), f"pickup_{farmer2.id}": str(delivery.id),
            "payment_method": "cash"}
    assert post_form(client, "/checkout", form, page="/cart").status_code == 302  # a delivery without an address
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    form[f"address_{farmer2.id}"] = "99 ถ.นิพัทธ์อุทิศ 3 หาดใหญ่"
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        response = post_form(client, "/checkout", form, page="/cart")
    assert response.status_code == 302 and response.location.endswith("/orders")
    with app.app_context():
        checkout = db.session.scalar(sa.select(Checkout))
        by_farmer = {order.farmer_id: order for order in checkout.orders}
        assert set(by_farmer) == {market.farmer.id, farmer2.id}
        assert by_farmer[market.farmer.id].total_satang == 5000
        assert by_farmer[farmer2.id].total_satang == 6000 + 4000  # 20 × ฿3 plus the delivery fee
        assert by_farmer[farmer2.id].delivery_address == "99 ถ.นิพัทธ์อุทิศ 3 หาดใหญ่"
        assert checkout.total_satang == 15000
    mails = _mails(caplog, app)
    assert len(mails) == 4  # each order: the buyer and its farmer
    assert sum("To: farmer2@example.com" in m for m in mails) == 1


def test_the_farmer_marks_ready_then_collected_and_the_buyer_hears(client, given, app, caplog):
    with given():
        market = make_market()
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "1"}, page=f"/market/{market.listing.id}")
    order_url = post_form(client, "/checkout", {f"pickup_{market.farmer.id}": str(market.stall.id),
                                                "payment_method": "transfer"}, page="/cart").location
    token = csrf_token(client, order_url)
    farm_url = order_url.replace("/orders/", "/farm/orders/")
    assert client.post(farm_url + "/ready", data={"csrf_token": token}).status_code == 403  # not the farmer
    client.post("/logout", data={"csrf_token": token})
    login(client, "farmer@example.com", PASSWORD)
    assert "order-confirmed" in client.get("/farm/orders").get_data(as_text=True)
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        post_form(client, order_url.replace("/orders/", "/farm/orders/") + "/ready", {}, page=order_url)
    assert any("To: buyer@example.com" in m for m in _mails(caplog, app))
    post_form(client, order_url.replace("/orders/", "/farm/orders/") + "/collected", {}, page=order_url)
    with app.app_context():
        order = db.session.scalar(sa.select(Order))
        assert order.status is OrderStatus.COLLECTED and order.paid_at is not None
        assert [e.to_status for e in order.events] == [OrderStatus.CONFIRMED, OrderStatus.READY,
                                                       OrderStatus.COLLECTED]
    # collected is final: nobody can cancel it now
    post_form(client, order_url + "/cancel", {"reason": "ลองยกเลิก"}, page=order_url)
    with app.app_context():
        assert db.session.scalar(sa.select(Order.status)) is OrderStatus.COLLECTED


def test_a_failed_request_sends_no_mail(app_ctx, caplog):
    from greensmile.orders import services as orders
    from greensmile.orders.models import PaymentMethod

    market = make_market()
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        savepoint = db.session.begin_nested()
        orders.place_order(market.consumer, {market.listing.id: Decimal("1")},
                           {market.farmer.id: orders.PickupChoice(market.stall.id)}, PaymentMethod.CASH)
        savepoint.rollback()
        db.session.rollback()
    assert _mails(caplog) == []


def test_listing_photos_are_checked_and_only_the_farmer_adds_them(client, given, app):
    with given():
        market = make_market()
        second_farmer(market)
    url = f"/farm/listings/{market.listing.id}"
    login(client, "farmer2@example.com", PASSWORD)
    assert client.get(url + "/edit").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "farmer@example.com", PASSWORD)
    from io import BytesIO

    post_form(client, url + "/photos", {"photo": (BytesIO(b"not an image"), "x.png")}, page=url + "/edit",
              content_type="multipart/form-data")
    post_form(client, url + "/photos", {"photo": (BytesIO(png()), "p.png")}, page=url + "/edit",
              content_type="multipart/form-data")
    with app.app_context():
        photos = db.session.get(Listing, market.listing.id).photos
        assert len(photos) == 1
        name = photos[0].stored_name
    assert client.get(f"/media/listings/{name}").headers["Content-Type"] == "image/jpeg"


def test_pickup_points_coordinators_run_stalls_farmers_offer_delivery(client, given, app):
    with given():
        market = make_market()
    login(client, "farmer@example.com", PASSWORD)
    assert client.get(f"/pickup-points/{market.stall.id}/edit").status_code == 404
    response = post_form(client, "/pickup-points/new", {"kind": "market_stall", "name": "แผงของฉัน"})
    assert response.status_code == 200  # farmers may offer home delivery only
    response = post_form(client, "/pickup-points/new", {"kind": "delivery", "name": "ส่งถึงบ้าน", "fee": "30.555",
                                                        "is_active": "y"})
    assert response.status_code == 200 and "20.50" in response.get_data(as_text=True)  # not silently 30.55
    response = post_form(client, "/pickup-points/new", {"kind": "delivery", "name": "ส่งถึงบ้าน", "fee": "30",
                                                        "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        point = db.session.scalar(sa.select(PickupPoint).where(PickupPoint.name == "ส่งถึงบ้าน"))
        assert point.farmer_id == market.farmer.id and point.fee_satang == 3000
    assert "ส่งถึงบ้าน" in client.get("/farm/listings/new").get_data(as_text=True)


def test_orders_expire_command(app, given):
    from greensmile.orders.models import PaymentMethod

    with given():
        market = make_market(quantity=Decimal("5"))
        app.config.update(STRIPE_SECRET_KEY="sk_test_cli", STRIPE_WEBHOOK_SECRET="whsec_cli")
        try:
            (order,) = orders.place_order(market.consumer, {market.listing.id: Decimal("5")},
                                          {market.farmer.id: orders.PickupChoice(market.stall.id)},
                                          PaymentMethod.PROMPTPAY).orders
        finally:
            app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0 and "0 orders expired" in result.output  # not yet due
    with given():
        db.session.get(Order, order.id).expires_at = utcnow() - timedelta(minutes=1)
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0 and "1 orders expired" in result.output
    with app.app_context():
        assert db.session.get(Order, order.id).status is OrderStatus.EXPIRED
        assert db.session.get(Listing, market.listing.id).quantity_reserved == Decimal("0.00")
    assert "0 orders expired" in runner.invoke(args=["orders", "expire"]).output  # safe to run again


def test_opening_the_cart_frees_stock_held_by_lapsed_unpaid_orders(client, given, app):
    from greensmile.orders.models import PaymentMethod

    with given():
        market = make_market(quantity=Decimal("2"))
        app.config.update(STRIPE_SECRET_KEY="sk_test_cart", STRIPE_WEBHOOK_SECRET="whsec_cart")
        try:
            (order,) = orders.place_order(market.consumer, {market.listing.id: Decimal("2")},
                                          {market.farmer.id: orders.PickupChoice(market.stall.id)},
                                          PaymentMethod.PROMPTPAY).orders
        finally:
            app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
        order.expires_at = utcnow() - timedelta(minutes=1)
    client.get("/cart")
    with app.app_context():
        assert db.session.get(Order, order.id).status is OrderStatus.EXPIRED
        assert db.session.get(Listing, market.listing.id).quantity_reserved == Decimal("0.00")


def test_a_withdrawn_listing_is_gone_for_shoppers_but_not_for_its_farmer(client, given):
    with given():
        market = make_market()
        listings.withdraw(market.listing, market.farmer)
    assert client.get(f"/market/{market.listing.id}").status_code == 410
    assert "ผักบุ้งอินทรีย์" not in client.get("/market").get_data(as_text=True)
    login(client, "farmer@example.com", PASSWORD)
    assert client.get(f"/market/{market.listing.id}").status_code == 200
