"""Kitchens' invoices and supporters' pledges paid by PromptPay straight to the network or the group backed."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.bulk.models import Invoice, InvoiceStatus
from greensmile.extensions import db
from greensmile.network import services as network
from greensmile.network.models import Position
from greensmile.payments import services as payments
from greensmile.payments.models import NETWORK, Payment, PaymentStatus
from greensmile.payments.promptpay import thai_id_check_digit
from greensmile.supporters import services as support
from greensmile.supporters.models import DeliveryVia, SupportDelivery, SupportKind, SupportStatus
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD
from tests.payments.helpers import switch
from tests.payments.test_invoice_payments import _invoiced
from tests.supporters.helpers import make_supporters


def _slip(client, payment, reference: str):
    page = f"/payments/{payment.reference}"
    return post_form(client, f"{page}/slip", {"reference": reference,
                                              "amount_baht": f"{payment.amount_satang / 100:.2f}"}, page=page)


def test_a_kitchen_pays_its_invoice_straight_to_the_network_and_a_coordinator_confirms(client, given, app):
    with given():
        invoice = _invoiced()
    login(client, "coord@example.com", PASSWORD)  # the network's own ID, kept on the reconciliation page
    tax_id = "099400016551" + str(thai_id_check_digit("099400016551"))
    wrong = tax_id[:-1] + str((int(tax_id[-1]) + 1) % 10)
    post_form(client, "/payments/network-promptpay", {"promptpay_id": wrong, "account_name": "เครือข่าย"},
              page="/payments/reconcile")
    with app.app_context():
        assert payments.account_of(NETWORK) is None  # a wrong check digit is refused
    post_form(client, "/payments/network-promptpay", {"promptpay_id": tax_id, "account_name": "เครือข่าย"},
              page="/payments/reconcile")
    with app.app_context():
        assert payments.account_of(NETWORK).id_value == tax_id
    switch(client, "kitchen@example.com")
    page = f"/bulk/invoices/{invoice.id}"
    started = post_form(client, f"{page}/pay", {"direct": "1"}, page=page)
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment).where(Payment.kind == "invoice"))
    assert started.location.endswith(f"/payments/{payment.reference}") and payment.payee == NETWORK
    _slip(client, payment, "KTB20261202INV01")
    switch(client, "other-kitchen@example.com")
    assert client.get(f"/payments/{payment.reference}").status_code == 404
    switch(client, "coord@example.com")
    post_form(client, f"/payments/{payment.reference}/confirm", {}, page=f"/payments/{payment.reference}")
    with app.app_context():
        paid = db.session.get(Invoice, invoice.id)
        payment = db.session.get(Payment, payment.id)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert paid.status is InvoiceStatus.PAID and paid.payment_reference == "KTB20261202INV01"


def test_a_pledge_to_a_group_is_paid_to_the_groups_id_and_its_manager_confirms(client, given, app):
    with given():
        world = make_supporters()
        network.add_member(world.group, world.outsider.email, Position.MANAGER, world.coordinator)
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุนค่าตรวจ", group_id=world.group.id, amount_satang=500_000))
    group_page = f"/network/{world.group.id}"
    login(client, "member@example.com", PASSWORD)  # a plain member may not say where the group's money goes
    assert post_form(client, f"{group_page}/promptpay", {"promptpay_id": "0898765432", "account_name": "ฉัน"},
                     page=group_page).status_code == 403
    switch(client, "outsider@example.com")  # the group's manager
    post_form(client, f"{group_page}/promptpay", {"promptpay_id": "089-876-5432", "account_name": "กลุ่มผักทดสอบ"},
              page=group_page)
    with app.app_context():
        assert payments.account_of(f"organisation:{world.group.id}").id_value == "0898765432"
    switch(client, "giver@foundation.example")
    page = f"/support/pledges/{pledge.id}"
    started = post_form(client, f"{page}/pay", {"amount_baht": "5000", "direct": "1"}, page=page)
    with app.app_context():
        payment = db.session.scalar(sa.select(Payment).where(Payment.kind == "pledge"))
    assert started.location.endswith(payment.reference) and payment.payee == f"organisation:{world.group.id}"
    _slip(client, payment, "BAY20261202PLG01")
    for email in ("member@example.com", "councillor@council.example"):  # a plain member, another supporter
        switch(client, email)
        token = csrf_token(client, "/")
        client.post(f"/payments/{payment.reference}/confirm", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Payment, payment.id).status is PaymentStatus.SLIP_SENT
    switch(client, "outsider@example.com")  # the group's manager
    post_form(client, f"/payments/{payment.reference}/confirm", {}, page=f"/payments/{payment.reference}")
    with app.app_context():
        (delivery,) = db.session.scalars(sa.select(SupportDelivery)).all()
        assert (delivery.via, delivery.amount_satang) == (DeliveryVia.PROMPTPAY, 500_000)
        assert delivery.pledge.status is SupportStatus.DELIVERED


def test_a_supporter_calls_off_a_direct_qr_code_before_paying_another_way(client, given, app, stripe_on):
    with given():
        world = make_supporters()
        payments.set_account(NETWORK, "0898765432", "เครือข่าย", world.coordinator.id)
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.MONEY, "ทุน", amount_satang=500_000))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    post_form(client, f"{page}/pay", {"amount_baht": "5000", "direct": "1"}, page=page)
    post_form(client, f"{page}/pay", {"amount_baht": "5000", "stripe": "1"}, page=page)  # one at a time
    with app.app_context():
        (payment,) = db.session.scalars(sa.select(Payment)).all()
    switch(client, "councillor@council.example")  # another supporter may not call it off
    token = csrf_token(client, "/")
    assert client.post(f"/payments/{payment.reference}/cancel", data={"csrf_token": token}).status_code == 404
    switch(client, "giver@foundation.example")
    post_form(client, f"/payments/{payment.reference}/cancel", {}, page=f"/payments/{payment.reference}")
    post_form(client, f"{page}/pay", {"amount_baht": "5000", "stripe": "1"}, page=page)
    with app.app_context():
        statuses = db.session.execute(sa.select(Payment.channel, Payment.status).order_by(Payment.id)).all()
    assert [(c.value, s.value) for c, s in statuses] == [("promptpay_direct", "cancelled"),
                                                         ("stripe_promptpay", "pending")]
