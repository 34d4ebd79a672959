"""A kitchen pays its monthly invoice with PromptPay through the real `stripe` library (against the fake Stripe)."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.bulk import delivery, invoices
from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.bulk.models import Invoice, InvoiceStatus, PaymentTerms
from greensmile.extensions import db
from greensmile.payments.models import Payment, PaymentStatus
from tests.bulk.helpers import make_kitchen, month_after, on_the_day, order_for
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.payments.conftest import post_event


def _invoiced(pay_now: bool = False) -> Invoice:
    kitchen = make_kitchen(a="40", b="30")
    if pay_now:
        bulk.save_profile(kitchen.coordinator, kitchen.hospital, bulk.ProfileData(
            delivery_address="ครัว", delivery_weekdays=list(range(1, 8)), payment_terms=PaymentTerms.PAY_NOW))
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    for share in order.lines[0].shares:
        sharing.confirm_share(share.farmer, share)
        with on_the_day(order.delivery_on):
            delivery.receive(kitchen.buyer, share, share.quantity)
    with on_the_day(month_after(order.delivery_on)):
        return invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)


def _invoice(app, invoice_id):
    with app.app_context():
        return db.session.get(Invoice, invoice_id), db.session.scalar(
            sa.select(Payment).where(Payment.kind == "invoice").order_by(Payment.id.desc()).limit(1))


def test_a_kitchen_pays_its_invoice_with_promptpay_and_the_webhook_marks_it_paid_once(client, given, app,
                                                                                      stripe_on):
    with given():
        invoice = _invoiced(pay_now=True)
    assert invoice.due_on == invoice.issued_on  # pay-now terms: due at once
    login(client, "kitchen@example.com", PASSWORD)
    page = f"/bulk/invoices/{invoice.id}"
    assert "฿2,700" in client.get(page).get_data(as_text=True)  # 60 kg at ฿45
    assert post_form(client, f"{page}/pay", {}, page=page).status_code == 302
    assert post_form(client, f"{page}/pay", {}, page=page).status_code == 302  # asked twice: one intent
    _, payment = _invoice(app, invoice.id)
    intent = stripe_on.intent(payment.intent_id)
    assert (intent["amount"], intent["currency"], intent["metadata"]["subject_id"]) == (270000, "thb",
                                                                                        str(invoice.id))
    shown = client.get(page)
    assert payment.qr_image_url in shown.get_data(as_text=True)
    assert "https://*.stripe.com" in shown.headers["Content-Security-Policy"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    event = stripe_on.event("payment_intent.succeeded", stripe_on.pay(payment.intent_id))
    assert post_event(client, event).get_json()["outcome"] == f"paid; invoice {invoice.number} paid"
    assert post_event(client, event).get_json()["outcome"].startswith("duplicate")
    paid, payment = _invoice(app, invoice.id)
    assert paid.status is InvoiceStatus.PAID and paid.payment_reference == payment.intent_id
    assert payment.status is PaymentStatus.SUCCEEDED and not payment.needs_attention


def test_another_kitchen_cannot_pay_or_see_the_invoice(client, given, app, stripe_on):
    with given():
        invoice = _invoiced()
    login(client, "other-kitchen@example.com", PASSWORD)
    token = csrf_token(client, "/bulk")
    assert client.post(f"/bulk/invoices/{invoice.id}/pay", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/bulk/invoices/{invoice.id}").status_code == 404
    assert _invoice(app, invoice.id)[1] is None


def test_money_for_an_invoice_paid_by_transfer_meanwhile_is_flagged_not_lost(client, given, app, stripe_on):
    with given():
        invoice = _invoiced()
    login(client, "kitchen@example.com", PASSWORD)
    page = f"/bulk/invoices/{invoice.id}"
    post_form(client, f"{page}/pay", {}, page=page)
    with given():
        coordinator = db.session.get(User, invoice.issued_by_id)
        invoices.mark_paid(coordinator, db.session.get(Invoice, invoice.id), "KTB 99")
    _, payment = _invoice(app, invoice.id)
    outcome = post_event(client, stripe_on.event("payment_intent.succeeded", stripe_on.pay(payment.intent_id)))
    assert outcome.get_json()["outcome"] == "paid; flagged: invoice was paid already"
    paid, payment = _invoice(app, invoice.id)
    assert paid.payment_reference == "KTB 99" and payment.needs_attention
    post_form(client, "/logout", {}, page="/")
    login(client, "coord@example.com", PASSWORD)
    assert invoice.number in client.get("/payments/reconcile").get_data(as_text=True)


def test_a_failed_promptpay_attempt_can_be_tried_again(client, given, app, stripe_on):
    with given():
        invoice = _invoiced()
    login(client, "kitchen@example.com", PASSWORD)
    page = f"/bulk/invoices/{invoice.id}"
    post_form(client, f"{page}/pay", {}, page=page)
    _, first = _invoice(app, invoice.id)
    failed = stripe_on.event("payment_intent.payment_failed", {**stripe_on.intent(first.intent_id),
                             "last_payment_error": {"message": "หมดเวลา"}})
    assert post_event(client, failed).get_json()["outcome"].startswith("failed")
    assert "หมดเวลา" in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/pay", {}, page=page)
    _, again = _invoice(app, invoice.id)
    assert again.intent_id != first.intent_id and again.status is PaymentStatus.PENDING


def test_without_stripe_keys_there_is_no_online_payment(client, given, app):
    with given():
        invoice = _invoiced()
    login(client, "kitchen@example.com", PASSWORD)
    page = f"/bulk/invoices/{invoice.id}"
    assert f"{page}/pay" not in client.get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/pay", {}, page=page).status_code == 302
    assert _invoice(app, invoice.id)[1] is None
    assert Decimal(invoice.total_satang) == Decimal(270000)
