"""Placing, cancelling and expiring orders through the services, against the real database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.certification import services as certification
from greensmile.certification.models import Outcome
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.errors import NotSellable
from greensmile.listings.models import Listing, ListingStatus
from greensmile.orders import services as orders
from greensmile.orders.errors import NotYourOrder, OrderChanged, PaymentUnavailable, SoldOut
from greensmile.orders.models import OrderStatus, PaymentMethod
from tests.certification.helpers import certified, make_cycle
from tests.factories import make_plot
from tests.orders.helpers import listing_data, make_market, stall


def _stock(listing_id: int) -> tuple[Decimal, Decimal]:
    row = db.session.execute(sa.select(Listing.quantity, Listing.quantity_reserved)
                             .where(Listing.id == listing_id)).one()
    return row.quantity, row.quantity_reserved


def _cash(market, quantity="3", method=PaymentMethod.CASH):
    return orders.place_order(market.consumer, {market.listing.id: Decimal(quantity)},
                              {market.farmer.id: orders.PickupChoice(market.stall.id)}, method)


def test_a_cash_order_reserves_stock_and_is_confirmed(app_ctx):
    market = make_market(quantity=Decimal("10"), price_satang=4550)
    checkout = _cash(market, "2.5")
    (order,) = checkout.orders
    assert order.status is OrderStatus.CONFIRMED
    assert order.total_satang == 11375  # 2.5 kg × ฿45.50
    assert order.lines[0].label == listings.ORGANIC and order.lines[0].plot_code == market.cycle.plot.code
    assert _stock(market.listing.id) == (Decimal("10.00"), Decimal("2.50"))


def test_the_last_units_cannot_be_sold_twice(app_ctx):
    market = make_market(quantity=Decimal("5"))
    _cash(market, "4")
    with pytest.raises(SoldOut):
        _cash(market, "2")
    assert _stock(market.listing.id) == (Decimal("5.00"), Decimal("4.00"))


def test_a_cancelled_order_returns_its_stock(app_ctx):
    market = make_market(quantity=Decimal("5"))
    (order,) = _cash(market, "4").orders
    orders.cancel(order, market.consumer, "")
    assert order.status is OrderStatus.CANCELLED
    assert _stock(market.listing.id)[1] == Decimal("0.00")
    assert [e.to_status for e in order.events] == [OrderStatus.CONFIRMED, OrderStatus.CANCELLED]


def test_a_farmer_must_say_why_and_a_stranger_may_not_cancel(app_ctx):
    market = make_market()
    (order,) = _cash(market).orders
    with pytest.raises(NotYourOrder):
        orders.cancel(order, market.cycle.inspector, "no")
    with pytest.raises(orders.OrderError):
        orders.cancel(order, market.farmer, "")
    orders.cancel(order, market.farmer, "หนอนลง ผักเสียหาย")
    assert order.cancel_reason == "หนอนลง ผักเสียหาย"


def test_a_farmer_cannot_sell_from_an_uncertified_plot(app_ctx):
    market = make_market()
    bare = make_plot(market.farmer, market.cycle.group, name="แปลงยังไม่รับรอง")
    with pytest.raises(NotSellable):
        listings.create_listing(market.farmer, listing_data(bare.id, [market.stall.id]))


def test_nobody_sells_from_another_farmers_plot(app_ctx):
    market = make_market()
    with pytest.raises(listings.NotYourListing):
        listings.create_listing(market.cycle.inspector, listing_data(market.cycle.plot.id, [market.stall.id]))


def test_conversion_produce_is_sold_under_its_own_label(app_ctx):
    cycle = make_cycle()
    certified(cycle, Outcome.IN_CONVERSION)
    point = stall(cycle.coordinator)
    listing = listings.create_listing(cycle.farmer, listing_data(cycle.plot.id, [point.id]))
    assert listings.labels_for([listing]) == {listing.id: listings.CONVERSION}


def test_suspending_the_certificate_withdraws_the_listing_and_tells_the_farmer(app_ctx, caplog):
    market = make_market()
    cert = certification.certification_for(market.cycle.plot, market.cycle.standard)
    certification.suspend(cert, market.cycle.committee, "พบการใช้สารเคมี")
    assert market.listing.status is ListingStatus.LAPSED
    assert "พบการใช้สารเคมี" in market.listing.status_reason and market.cycle.plot.code in market.listing.status_reason
    assert market.listing.id not in {x.id for x in db.session.scalars(listings.catalogue(listings.CatalogueFilters()))}
    with pytest.raises(SoldOut):
        _cash(market)


def test_a_certificate_lapsed_by_date_stops_sales_that_day(app_ctx):
    market = make_market()
    cert = certification.certification_for(market.cycle.plot, market.cycle.standard)
    cert.valid_until = certification.today() - timedelta(days=1)
    db.session.flush()
    assert list(db.session.scalars(listings.catalogue(listings.CatalogueFilters()))) == []
    assert listings.lapse_due() == 1 and market.listing.status is ListingStatus.LAPSED


@contextmanager
def stripe_keys(app):
    app.config.update(STRIPE_SECRET_KEY="sk_test_expiry", STRIPE_WEBHOOK_SECRET="whsec_expiry")
    try:
        yield
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")


def test_unpaid_online_orders_expire_and_release_stock(app_ctx, app):
    with stripe_keys(app):
        market = make_market(quantity=Decimal("5"))
        (order,) = _cash(market, "5", PaymentMethod.CARD).orders
    assert order.status is OrderStatus.PENDING_PAYMENT and _stock(market.listing.id)[1] == Decimal("5.00")
    assert orders.expire_due(utcnow()) == 0
    later = utcnow() + timedelta(minutes=31)
    assert orders.expire_due(later) == 1
    assert orders.expire_due(later) == 0  # a second run finds nothing more
    db.session.refresh(order)
    assert order.status is OrderStatus.EXPIRED and _stock(market.listing.id)[1] == Decimal("0.00")


def test_pick_list_totals_per_crop_and_per_point(app_ctx):
    market = make_market(quantity=Decimal("20"))
    _cash(market, "2")
    _cash(market, "3.5")
    picks = orders.pick_list(market.farmer, market.listing.harvest_on)
    assert [(row.crop, row.quantity) for row in picks.by_crop] == [("ผักบุ้ง", Decimal("5.50"))]
    assert [(row.pickup_point.id, row.quantity) for row in picks.by_point] == [(market.stall.id, Decimal("5.50"))]
    assert len(picks.orders) == 2


def test_the_farmers_own_page_withdraws_a_listing_whose_certificate_lapsed_by_date(client, given, app):
    from tests.conftest import login
    from tests.factories import PASSWORD

    with given():
        market = make_market()
        cert = certification.certification_for(market.cycle.plot, market.cycle.standard)
        cert.valid_until = certification.today() - timedelta(days=1)
    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/farm/listings").get_data(as_text=True)
    assert "listing-lapsed" in page and market.cycle.plot.code in page
    with app.app_context():
        assert db.session.get(Listing, market.listing.id).status is ListingStatus.LAPSED


def test_online_payment_needs_the_webhook_secret_too(app_ctx, app):
    market = make_market()
    app.config["STRIPE_SECRET_KEY"] = "sk_test_no_webhook"
    try:
        # Without the webhook secret no payment could ever be confirmed, so none is offered.
        assert orders.payment_methods() == [PaymentMethod.CASH, PaymentMethod.TRANSFER]
        with pytest.raises(PaymentUnavailable):
            _cash(market, "1", PaymentMethod.PROMPTPAY)
    finally:
        app.config["STRIPE_SECRET_KEY"] = ""
    with stripe_keys(app):
        assert PaymentMethod.PROMPTPAY in orders.payment_methods()


def test_a_move_on_an_order_someone_else_just_moved_is_refused_and_stock_returns_once(app_ctx):
    market = make_market(quantity=Decimal("10"))
    (order,) = _cash(market, "4").orders
    (other,) = _cash(market, "3").orders
    assert _stock(market.listing.id)[1] == Decimal("7.00")
    # The buyer cancels in another request while this one still holds the order as it was (CONFIRMED).
    stale_status = order.status
    orders.cancel(order, market.consumer, "")
    db.session.flush()
    assert _stock(market.listing.id)[1] == Decimal("3.00")
    # A double-click: the same cancel again, from an object read before the first one went through.
    order.status = stale_status
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(order, "status", stale_status)
    with pytest.raises(OrderChanged):
        orders.cancel(order, market.consumer, "")
    assert _stock(market.listing.id)[1] == Decimal("3.00")  # not released twice: the other order keeps its 3
    db.session.refresh(order)
    assert order.status is OrderStatus.CANCELLED and other.status is OrderStatus.CONFIRMED
