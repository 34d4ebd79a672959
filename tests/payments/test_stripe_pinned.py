"""Stripe on the API version we pin: every call carries it, amounts under ฿10 never reach Stripe, every webhook type
we act on is handled, and a signed but malformed event is refused on record, never a 500."""
from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.orders.models import Order, OrderStatus
from greensmile.payments import gateway, reconcile
from greensmile.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from greensmile.supporters import services as support
from greensmile.supporters.models import SupportKind
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.orders.helpers import make_market
from tests.payments.conftest import WEBHOOK_SECRET, post_event
from tests.payments.fake_stripe import API_VERSION, sign
from tests.payments.test_payments import _checkout, _paid_event, _state
from tests.supporters.helpers import make_supporters


def test_every_call_carries_the_configured_api_version(client, given, app, stripe_on):
    assert app.config["STRIPE_API_VERSION"] == API_VERSION  # the version the code is written and tested for
    with given():
        market = make_market()
    before = len(stripe_on.requests)
    _checkout(client, market, "card")
    calls = stripe_on.requests[before:]
    assert calls and all(headers.get("Stripe-Version") == API_VERSION for _, _, _, headers in calls)
    (create,) = [params for method, path, params, _ in calls if (method, path) == ("POST", "/v1/payment_intents")]
    assert "payment_method_types" not in create and create["allowed_payment_method_types"] == ["card"]


def test_a_version_the_fake_does_not_know_is_refused_and_the_order_undone(client, given, app, stripe_on):
    with given():
        market = make_market()
    app.config["STRIPE_API_VERSION"] = "2019-01-01"
    try:
        response = _checkout(client, market, "promptpay")
    finally:
        app.config["STRIPE_API_VERSION"] = API_VERSION
    assert response.location.endswith("/cart")
    order, payment, reserved = _state(app)
    assert payment is None and order.status is OrderStatus.CANCELLED and reserved == Decimal("0.00")


def test_a_checkout_under_ten_baht_is_refused_before_stripe_is_called(client, given, app, stripe_on):
    with given():
        market = make_market(price_satang=450)  # 2 × ฿4.50 = ฿9
    before = len(stripe_on.requests)
    response = _checkout(client, market, "promptpay")
    assert response.location.endswith("/cart")
    assert "฿10" in client.get("/cart").get_data(as_text=True)
    assert len(stripe_on.requests) == before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_a_pledge_payment_under_ten_baht_is_refused_by_the_form(client, given, app, stripe_on):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุน", amount_satang=100_000))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    before = len(stripe_on.requests)
    for amount in ("0.01", "9.99"):
        post_form(client, f"{page}/pay", {"amount_baht": amount, "stripe": "1"}, page=page)
    assert len(stripe_on.requests) == before
    assert "฿10" in client.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_an_idempotency_key_changes_with_the_parameters():
    one = gateway.idempotency_key("refund-x", {"amount": 1000, "payment_intent": "pi_1"})
    assert one == gateway.idempotency_key("refund-x", {"payment_intent": "pi_1", "amount": 1000})
    assert one != gateway.idempotency_key("refund-x", {"amount": 1001, "payment_intent": "pi_1"})


def test_a_cancelled_intent_cancels_the_payment_and_a_late_success_cannot_follow(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    event = stripe_on.event("payment_intent.canceled", stripe_on.cancel(payment.intent_id))
    assert post_event(client, event).get_json()["outcome"].startswith("cancelled")
    _, payment, _ = _state(app)
    assert payment.status is PaymentStatus.CANCELLED
    stale = stripe_on.event("payment_intent.succeeded", {**stripe_on.intent(payment.intent_id), "status": "succeeded"})
    assert post_event(client, stale).get_json()["outcome"].startswith("ignored")


def test_refund_events_follow_the_refund_and_a_failed_refund_is_listed_as_due(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "card")
    order, payment, _ = _state(app)
    post_event(client, _paid_event(stripe_on, payment))
    stripe_on.refund_status = "pending"
    try:
        post_form(client, f"/orders/{order.id}/cancel", {"reason": "ไม่ว่างไปรับ"}, page=f"/orders/{order.id}")
    finally:
        stripe_on.refund_status = "succeeded"
    with app.app_context():
        refund = db.session.scalar(sa.select(Refund))
    assert refund.status == "pending"
    created = stripe_on.event("refund.created", stripe_on.refund(refund.provider_ref))
    assert post_event(client, created).get_json()["outcome"] == "refund pending"
    updated = stripe_on.event("charge.refund.updated", stripe_on.move_refund(refund.provider_ref, "succeeded"))
    assert post_event(client, updated).get_json()["outcome"] == "refund succeeded"
    failed = stripe_on.event("refund.updated", stripe_on.move_refund(refund.provider_ref, "failed"))
    assert post_event(client, failed).get_json()["outcome"] == "refund failed"
    with app.app_context():
        refund = db.session.get(Refund, refund.id)
        due = reconcile.reconciliation().refunds_due
    assert refund.status == "failed" and [r.id for r in due] == [refund.id]


def _post_raw(client, payload: str):
    return client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})


def test_signed_but_malformed_events_are_refused_on_record_never_a_500(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "promptpay")
    _, payment, _ = _state(app)
    good = _paid_event(stripe_on, payment)
    bad = [
        "[1, 2, 3]",
        "not json at all",
        json.dumps({**good, "id": 12345}),
        json.dumps({**good, "type": None}),
        json.dumps({**good, "data": {"object": "pi_123"}}),
        json.dumps({**good, "data": []}),
        json.dumps({**good, "data": {"object": {**good["data"]["object"], "amount_received": "12000"}}}),
        json.dumps({**good, "data": {"object": {**good["data"]["object"], "metadata": ["x"]}}}),
        json.dumps({**good, "data": {"object": {**good["data"]["object"], "id": ["pi"]}}}),
        json.dumps({**good, "data": {"object": {**good["data"]["object"], "payment_method_types": 7}}}),
        json.dumps({**good, "data": {"object": {**good["data"]["object"],
                                                "last_payment_error": {"message": {"th": "x"}}}}}),
    ]
    for number, payload in enumerate(bad):
        if payload.startswith("{"):
            payload = payload.replace(good["id"], f"{good['id']}_{number}")
        answer = _post_raw(client, payload)
        assert answer.status_code == 400, payload
    _, payment, _ = _state(app)
    assert payment.status is PaymentStatus.PENDING
    with app.app_context():
        outcomes = db.session.scalars(sa.select(WebhookEvent.outcome)).all()
    assert len(outcomes) == len(bad) and all(outcome.startswith("refused") for outcome in outcomes)
    assert post_event(client, good).status_code == 200  # the well-formed event still goes through


def test_a_refund_failed_event_puts_the_refund_among_those_due(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "card")
    order, payment, _ = _state(app)
    post_event(client, _paid_event(stripe_on, payment))
    post_form(client, f"/orders/{order.id}/cancel", {"reason": "ฝนตกหนัก"}, page=f"/orders/{order.id}")
    with app.app_context():
        refund = db.session.scalar(sa.select(Refund))
    failed = stripe_on.event("refund.failed", stripe_on.move_refund(refund.provider_ref, "failed"))
    assert post_event(client, failed).get_json()["outcome"] == "refund failed"
    with app.app_context():
        assert [r.id for r in reconcile.reconciliation().refunds_due] == [refund.id]


def test_a_coordinator_settles_a_refund_stripe_could_not_make(client, given, app, stripe_on):
    with given():
        market = make_market()
    _checkout(client, market, "card")
    order, payment, _ = _state(app)
    post_event(client, _paid_event(stripe_on, payment))
    post_form(client, f"/orders/{order.id}/cancel", {"reason": "ฝนตกหนัก"}, page=f"/orders/{order.id}")
    with app.app_context():
        refund = db.session.scalar(sa.select(Refund))
    post_event(client, stripe_on.event("refund.updated", stripe_on.move_refund(refund.provider_ref, "failed")))
    # A stale event cannot hide the failure.
    stale = stripe_on.event("refund.updated", {**stripe_on.refund(refund.provider_ref), "status": "pending"})
    assert post_event(client, stale).get_json()["outcome"].startswith("ignored")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "coord@example.com", PASSWORD)
    page = client.get("/payments/reconcile")
    assert refund.provider_ref in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True).split("<title>")[1].split("</title>")[0]
    post_form(client, f"/payments/refunds/{refund.id}/settle", {"note": ""}, page="/payments/reconcile")
    with app.app_context():
        assert db.session.get(Refund, refund.id).status == "failed"  # a note is required
    post_form(client, f"/payments/refunds/{refund.id}/settle", {"note": "คืนผ่านแดชบอร์ด Stripe แล้ว"},
              page="/payments/reconcile")
    with app.app_context():
        assert db.session.get(Refund, refund.id).status == "settled"
    assert refund.provider_ref not in client.get("/payments/reconcile").get_data(as_text=True)
