"""Paying online through the real `stripe` library (against a fake Stripe on 127.0.0.1), and its webhooks."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.models import Listing
from greensmile.orders import services as orders
from greensmile.orders.models import Order, OrderEvent, OrderStatus
from greensmile.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from tests.conftest import CSRF_RE, csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.orders.helpers import make_market
from tests.payments.conftest import post_event


def _checkout(client, market, method: str, quantity: str = "2"):
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": quantity}, page=f"/market/{market.listing.id}")
    page = client.get("/cart").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
    return client.post("/checkout", data={"csrf_token": token, "submission_key": key,
                                          f"pickup_{market.farmer.id}": str(market.stall.id), "payment_method": method})


def _state(app):
    with app.app_context():
        order = db.session.scalar(sa.select(Order))
        payment = db.session.scalar(sa.select(Payment).where(Payment.kind == "checkout"))
        reserved = db.session.scalar(sa.select(Listing.quantity_reserved))
        return order, payment, reserved


def _paid_event(fake, payment, event_id=None):
    return fake.event("payment_intent.succeeded", fake.pay(payment.intent_id) if fake.intent(
        payment.intent_id)["status"] != "succeeded" else fake.intent(payment.intent_id), event_id)


def test_promptpay_shows_stripes_qr_code_and_the_webhook_confirms_once(client, given, app, stripe_on):
    with given():
        market = make_market(price_satang=6000)
    response = _checkout(client, market, "promptpay")
    assert response.status_code == 302 and re.search(r"/checkouts/\d+/pay$", response.location)
    order, payment, reserved = _state(app)
    assert order.status is OrderStatus.PENDING_PAYMENT and reserved == Decimal("2.00")
    intent = stripe_on.intent(payment.intent_id)
    assert intent["amount"] == 12000 and intent["currency"] == "thb" and intent["status"] == "requires_action"
    assert intent["metadata"] == {"kind": "checkout", "subject_id": str(order.checkout_id),
                                  "payment_reference": payment.reference}
    assert intent["allowed_payment_method_types"] == ["promptpay"]
    page = client.get(response.location)
    assert payment.qr_image_url in page.get_data(as_text=True)  # Stripe's QR image, on our own page
    assert "js.stripe.com" not in page.headers["Content-Security-Policy"]
    assert client.get(response.location.replace("/pay", "/status")).get_json()["state"] == "waiting"

    event = _paid_event(stripe_on, payment)
    first, again = post_event(client, event), post_event(client, event)
    assert first.status_code == 200 and "confirmed" in first.get_json()["outcome"]
    assert again.status_code == 200 and again.get_json()["outcome"].startswith("duplicate")
    order, payment, reserved = _state(app)
    assert order.status is OrderStatus.CONFIRMED and order.paid_at is not None
    assert payment.status is PaymentStatus.SUCCEEDED and reserved == Decimal("2.00")
    with app.app_context():
        confirmations = db.session.scalars(sa.select(OrderEvent).where(
            OrderEvent.to_status == OrderStatus.CONFIRMED)).all()
        stored = db.session.scalars(sa.select(WebhookEvent)).all()
    assert len(confirmations) == 1
    assert [(e.event_id, e.type) for e in stored] == [(event["id"], "payment_intent.succeeded")]
    assert '"amount_received": 12000' in stored[0].payload  # the raw payload is kept
    assert client.get(response.location.replace("/pay", "/status")).get_json()["state"] == "done"


def test_a_forged_webhook_is_refused_and_changes_nothing(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    event = _paid_event(stripe_on, payment)
    assert post_event(client, event, secret="whsec_someone_else").status_code == 400
    unsigned = client.post("/payments/stripe/webhook", json=event)
    assert unsigned.status_code == 400
    order, payment, _ = _state(app)
    assert order.status is OrderStatus.PENDING_PAYMENT and payment.status is PaymentStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) == 0


def test_a_late_failure_event_does_not_undo_a_payment(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    paid = _paid_event(stripe_on, payment)
    failed = stripe_on.event("payment_intent.payment_failed", {**paid["data"]["object"], "status":
                                                               "requires_payment_method"})
    assert post_event(client, paid).get_json()["outcome"].startswith("paid")
    assert post_event(client, failed).get_json()["outcome"].startswith("ignored")
    order, payment, _ = _state(app)
    assert payment.status is PaymentStatus.SUCCEEDED and order.status is OrderStatus.CONFIRMED


def test_a_failure_then_a_success_in_either_order(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    failed = stripe_on.event("payment_intent.payment_failed", {**stripe_on.intent(payment.intent_id),
                             "last_payment_error": {"message": "หมดเวลา"}})
    assert post_event(client, failed).get_json()["outcome"].startswith("failed")
    _, payment, _ = _state(app)
    assert payment.status is PaymentStatus.FAILED and payment.failure_message == "หมดเวลา"
    post_event(client, _paid_event(stripe_on, payment))
    order, payment, _ = _state(app)
    assert payment.status is PaymentStatus.SUCCEEDED and order.status is OrderStatus.CONFIRMED


def _expire(app):
    with app.app_context():
        assert orders.expire_due(utcnow() + timedelta(hours=1)) == 1
        db.session.commit()


def test_a_payment_for_an_expired_order_whose_stock_is_gone_is_refunded(client, given, app, stripe_on):
    with given():
        market = make_market(quantity=Decimal("2"))
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    _expire(app)
    with app.app_context():  # someone else bought the stock the expired order gave back
        assert listings.reserve(market.listing.id, Decimal("2"))
        db.session.commit()
    outcome = post_event(client, _paid_event(stripe_on, payment)).get_json()["outcome"]
    assert "refunded" in outcome
    order, payment, reserved = _state(app)
    assert order.status is OrderStatus.REFUNDED and reserved == Decimal("2.00")
    refund = next(r for r in stripe_on.refunds if r["payment_intent"] == payment.intent_id)
    assert refund["amount"] == order.total_satang
    with app.app_context():
        assert db.session.scalar(sa.select(Refund.provider_ref)) == refund["id"]


def test_a_payment_for_an_expired_order_is_flagged_when_the_refund_fails(client, given, app, stripe_on):
    with given():
        market = make_market(quantity=Decimal("2"))
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    _expire(app)
    with app.app_context():
        assert listings.reserve(market.listing.id, Decimal("2"))
        db.session.commit()
    event = _paid_event(stripe_on, payment)
    stripe_on.fail_next = 3  # Stripe does not answer the refund (the library retries twice)
    assert "flagged" in post_event(client, event).get_json()["outcome"]
    order, payment, _ = _state(app)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.needs_attention
    assert order.number in payment.attention_note and order.status is OrderStatus.EXPIRED
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "coord@example.com", PASSWORD)
    assert payment.intent_id in client.get("/payments/reconcile").get_data(as_text=True)


def test_a_payment_for_an_expired_order_whose_stock_is_still_there_revives_it(client, given, app, stripe_on):
    with given():
        market = make_market(quantity=Decimal("5"))
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    _expire(app)
    assert _state(app)[2] == Decimal("0.00")
    post_event(client, _paid_event(stripe_on, payment))
    order, _, reserved = _state(app)
    assert order.status is OrderStatus.CONFIRMED and reserved == Decimal("2.00")


def test_cancelling_a_paid_order_refunds_it_through_stripe(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "card")
    order, payment, _ = _state(app)
    post_event(client, _paid_event(stripe_on, payment))
    response = post_form(client, f"/orders/{order.id}/cancel", {"reason": "ไม่อยู่บ้าน"}, page=f"/orders/{order.id}")
    assert response.status_code == 302
    order, payment, reserved = _state(app)
    assert order.status is OrderStatus.REFUNDED and reserved == Decimal("0.00")
    assert [r["amount"] for r in stripe_on.refunds if r["payment_intent"] == payment.intent_id] == [order.total_satang]


def test_card_page_loads_stripe_js_with_the_intents_secret(client, given, app, stripe_on):
    with given():
        market = make_market()
    response = _checkout(client, market, "card")
    page = client.get(response.location)
    _, payment, _ = _state(app)
    body = page.get_data(as_text=True)
    assert stripe_on.intent(payment.intent_id)["client_secret"] in body and "pk_test_greensmile" in body
    assert "https://js.stripe.com" in page.headers["Content-Security-Policy"]
    assert "no-store" in page.headers["Cache-Control"]


def test_when_stripe_cannot_be_reached_the_order_is_undone_and_the_cart_kept(client, given, app, stripe_on):
    with given():
        market = make_market()
    stripe_on.fail_next = 3
    response = _checkout(client, market, "promptpay")
    assert response.status_code == 302 and response.location.endswith("/cart")
    order, payment, reserved = _state(app)
    assert payment is None and order.status is OrderStatus.CANCELLED and reserved == Decimal("0.00")
    assert "ผักบุ้งอินทรีย์" in client.get("/cart").get_data(as_text=True)


def test_another_consumer_cannot_open_the_payment_page(client, given, app, stripe_on):
    with given():
        market = make_market()
        from greensmile.accounts.models import Role
        from tests.factories import make_user

        make_user(Role.CONSUMER, email="other@example.com")
    pay_url = _checkout(client, market, "promptpay").location
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "other@example.com", PASSWORD)
    assert client.get(pay_url).status_code == 404
    assert client.get(pay_url.replace("/pay", "/status")).status_code == 404


def test_a_payment_whose_row_was_never_saved_is_recovered_from_its_checkout_reference(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    intent_id = payment.intent_id
    with given():  # as if the app had stopped between Stripe's answer and its own commit
        db.session.execute(sa.delete(Payment))
    outcome = post_event(client, stripe_on.event("payment_intent.succeeded", stripe_on.pay(intent_id))).get_json()
    assert outcome["outcome"].startswith("paid")
    order, payment, reserved = _state(app)
    assert payment.intent_id == intent_id and payment.status is PaymentStatus.SUCCEEDED
    assert order.status is OrderStatus.CONFIRMED and reserved == Decimal("2.00")


def test_money_for_an_intent_that_is_not_ours_is_kept_for_the_coordinators(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    stranger = {"id": "pi_not_ours", "object": "payment_intent", "amount": 5000, "amount_received": 5000,
                "currency": "thb", "status": "succeeded", "metadata": {"checkout_reference": "no-such-checkout"}}
    assert post_event(client, stripe_on.event("payment_intent.succeeded", stranger)).get_json()["outcome"] == (
        "flagged: unknown payment intent")
    order, payment, _ = _state(app)
    assert order.status is OrderStatus.PENDING_PAYMENT and payment.status is PaymentStatus.PENDING
    with app.app_context():
        kept = db.session.scalar(sa.select(Payment).where(Payment.intent_id == "pi_not_ours"))
    assert kept.kind == "unmatched" and kept.amount_satang == 5000 and kept.needs_attention
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "coord@example.com", PASSWORD)
    assert "pi_not_ours" in client.get("/payments/reconcile").get_data(as_text=True)
