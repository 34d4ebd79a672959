"""A supporter pays a money pledge with PromptPay through the real `stripe` library (against the fake Stripe):
the webhook records the delivery once, and the pledge moves to delivered."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.payments.models import Payment
from greensmile.supporters import services as support
from greensmile.supporters.models import DeliveryVia, SupportDelivery, SupportKind, SupportStatus
from tests.conftest import login, post_form
from tests.factories import PASSWORD
from tests.payments.conftest import post_event
from tests.supporters.helpers import make_supporters


def test_a_money_pledge_paid_with_promptpay_is_delivered_once(client, given, app, stripe_on):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุนค่าตรวจรับรอง", group_id=world.group.id, amount_satang=1_500_000))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    paid = post_form(client, f"{page}/pay", {"amount_baht": "15000"}, page=page)
    assert paid.status_code == 302
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment).where(Payment.kind == "pledge"))
    intent = stripe_on.intent(payment.intent_id)
    assert (intent["amount"], intent["currency"], intent["metadata"]["subject_id"]) == (1_500_000, "thb",
                                                                                            str(pledge.id))
    shown = client.get(paid.headers["Location"])
    assert payment.qr_image_url in shown.get_data(as_text=True)
    assert "https://*.stripe.com" in shown.headers["Content-Security-Policy"]  # else the phone shows no QR code
    event = stripe_on.event("payment_intent.succeeded", stripe_on.pay(payment.intent_id))
    assert post_event(client, event).get_json()["outcome"] == f"paid; support pledge {pledge.id}: 1500000 satang delivered"
    assert post_event(client, event).get_json()["outcome"].startswith("duplicate")
    with app.app_context():
        (delivery,) = db.session.scalars(sa.select(SupportDelivery)).all()
        assert (delivery.via, delivery.amount_satang, delivery.reference) == (DeliveryVia.STRIPE, 1_500_000,
                                                                             payment.intent_id)
        assert delivery.pledge.status is SupportStatus.DELIVERED
    # Stripe sends another success for the same intent (a new event id): the money is still counted once.
    again = stripe_on.event("payment_intent.succeeded", stripe_on.intent(payment.intent_id))
    assert post_event(client, again).get_json()["outcome"].startswith("ignored")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SupportDelivery)) == 1


def test_one_qr_code_at_a_time_and_never_more_than_is_owed(client, given, app, stripe_on):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุน", amount_satang=1_000_000))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    too_much = post_form(client, f"{page}/pay", {"amount_baht": "10000.01"}, page=page, follow_redirects=True)
    assert "฿1" in too_much.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    first = post_form(client, f"{page}/pay", {"amount_baht": "4000"}, page=page)
    second = post_form(client, f"{page}/pay", {"amount_baht": "10000"}, page=page)  # while the first is unpaid
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalars(sa.select(Payment.amount_satang)).all() == [400_000]


def test_another_supporter_cannot_pay_or_see_a_private_pledge(client, given, app, stripe_on):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุน", amount_satang=100_000))
    login(client, "councillor@council.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    assert post_form(client, f"{page}/pay", {"amount_baht": "1000"}, page="/support").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    post_form(client, "/logout", {}, page="/")
    login(client, "giver@foundation.example", PASSWORD)
    location = post_form(client, f"{page}/pay", {"amount_baht": "1000"}, page=page).headers["Location"]
    post_form(client, "/logout", {}, page="/")
    login(client, "councillor@council.example", PASSWORD)  # another supporter may not open the QR page
    assert client.get(location).status_code == 404
