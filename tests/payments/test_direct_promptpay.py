"""PromptPay straight to the farmer: their ID, our own Thai QR code, the buyer's slip, the farmer's word."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from greensmile.accounts.models import Role
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.orders import services as orders
from greensmile.orders.models import Order, OrderStatus
from greensmile.payments import emvco
from greensmile.payments import services as payments
from greensmile.payments.models import Channel, Payment, PaymentSlip, PaymentStatus, PromptPayAccount, Refund
from greensmile.payments.verifier import SlipCheck
from tests.conftest import CSRF_RE, csrf_token, login, post_form
from tests.factories import PASSWORD, make_user
from tests.orders.helpers import make_market, second_farmer
from tests.payments.helpers import slip_image, slip_text, switch

FARMER_PHONE = "0812345678"


def _account(farmer, phone: str = FARMER_PHONE, name: str = "นายสมชาย ใจดี"):
    return payments.set_account(f"user:{farmer.id}", phone, name, farmer.id)


def _cart_form(client, market, quantity: str = "2") -> tuple[str, str]:
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": quantity}, page=f"/market/{market.listing.id}")
    page = client.get("/cart").get_data(as_text=True)
    return page, re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)


def _checkout(client, market, method: str = "promptpay_seller", quantity: str = "2", signed_in: bool = False):
    if not signed_in:
        login(client, "buyer@example.com", PASSWORD)
    page, key = _cart_form(client, market, quantity)
    return client.post("/checkout", data={"csrf_token": CSRF_RE.search(page).group(1), "submission_key": key,
                                          f"pickup_{market.farmer.id}": str(market.stall.id), "payment_method": method})


def _payment(app) -> Payment:
    with app.app_context():
        return db.session.scalar(sa.select(Payment).where(Payment.kind == "order").order_by(Payment.id.desc()))


def _order(app) -> Order:
    with app.app_context():
        return db.session.scalar(sa.select(Order).order_by(Order.id.desc()))



def _send_slip(client, payment, image: bytes | None = None, reference: str = "", amount: str | None = None):
    page = f"/payments/{payment.reference}"
    data = {"csrf_token": csrf_token(client, page), "reference": reference,
            "amount_baht": amount if amount is not None else f"{payment.amount_satang / 100:.2f}"}
    if image is not None:
        data["slip"] = (io.BytesIO(image), "slip.jpg")
    return client.post(f"{page}/slip", data=data, content_type="multipart/form-data")


# ---------------------------------------------------------------- the farmer's PromptPay ID
def test_a_farmer_registers_a_promptpay_id_and_a_bad_one_is_refused_with_what_was_typed(client, given, app):
    with given():
        market = make_market()
    login(client, "farmer@example.com", PASSWORD)
    bad = post_form(client, "/farm/promptpay", {"promptpay_id": "1234567890123", "account_name": "สมชาย ใจดี"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'value="1234567890123"' in body and 'value="สมชาย ใจดี"' in body
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PromptPayAccount)) == 0
    saved = post_form(client, "/farm/promptpay", {"promptpay_id": "081-234-5678", "account_name": "สมชาย ใจดี"})
    assert saved.status_code == 302
    with app.app_context():
        account = db.session.scalar(sa.select(PromptPayAccount))
    assert (account.owner, account.id_kind, account.id_value) == (f"user:{market.farmer.id}", "mobile", FARMER_PHONE)
    switch(client, "buyer@example.com")  # a consumer has no PromptPay page of a farmer's
    assert client.get("/farm/promptpay").status_code in (302, 403, 404)


def test_promptpay_to_the_farmer_is_offered_only_when_the_farmer_has_an_id(client, given, app):
    with given():
        market = make_market()
    login(client, "buyer@example.com", PASSWORD)
    page, _ = _cart_form(client, market)
    assert 'value="promptpay_seller"' not in page
    with given():
        _account(market.farmer)
    assert 'value="promptpay_seller"' in client.get("/cart").get_data(as_text=True)


# ---------------------------------------------------------------- our own QR code
def test_the_qr_code_we_serve_decodes_to_the_farmers_id_the_amount_and_the_reference(client, given, app):
    with given():
        market = make_market(price_satang=6050)
        _account(market.farmer)
    response = _checkout(client, market)
    assert response.status_code == 302 and re.search(r"/checkouts/\d+/pay$", response.location)
    payment = _payment(app)
    assert client.get(response.location).location.endswith(f"/payments/{payment.reference}")
    assert (payment.channel, payment.amount_satang, payment.payee_id_value) == (
        Channel.PROMPTPAY_DIRECT, 12100, FARMER_PHONE)
    page = client.get(f"/payments/{payment.reference}")
    assert "นายสมชาย ใจดี" in page.get_data(as_text=True) and "no-store" in page.headers["Cache-Control"]
    png = client.get(f"/payments/{payment.reference}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    fields = emvco.read_promptpay(found.text)  # the parser is written apart from the generator
    assert (fields.id_kind, fields.id_value, fields.amount_satang, fields.reference) == (
        "mobile", FARMER_PHONE, 12100, payment.reference)
    assert found.text[-4:] == f"{emvco.crc16(found.text[:-4]):04X}"
    with app.app_context():
        assert db.session.get(Order, _order(app).id).status is OrderStatus.PENDING_PAYMENT


# ---------------------------------------------------------------- the slip and the farmer's word
def test_a_slip_with_its_qr_code_then_the_farmer_confirms_and_the_order_moves_on(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    sent = _send_slip(client, payment, slip_image(slip_text("014", "2026120212345ABCDEF")))
    assert sent.status_code == 302
    payment, order = _payment(app), _order(app)
    assert payment.status is PaymentStatus.SLIP_SENT and order.status is OrderStatus.PENDING_PAYMENT
    # Held for the farmer to look, for SLIP_CONFIRM_HOURS: not released by the order's 30 minutes, nor held for ever.
    hours = app.config["SLIP_CONFIRM_HOURS"]
    assert utcnow() + timedelta(hours=hours - 1) < order.expires_at <= utcnow() + timedelta(hours=hours)
    with app.app_context():
        slip = db.session.scalar(sa.select(PaymentSlip))
    assert (slip.reference, slip.sending_bank, slip.source, slip.amount_satang) == (
        "2026120212345ABCDEF", "014", "qr", 12000)
    assert "รอผู้ขายยืนยัน" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    # The buyer cannot confirm their own payment.
    post_form(client, f"/payments/{payment.reference}/confirm", {}, page=f"/payments/{payment.reference}")
    assert _payment(app).status is PaymentStatus.SLIP_SENT
    switch(client, "farmer@example.com")
    assert payment.reference in client.get("/farm/promptpay").get_data(as_text=True)
    assert client.get(f"/payments/slips/{slip.id}/image").status_code == 200
    done = post_form(client, f"/payments/{payment.reference}/confirm", {}, page=f"/payments/{payment.reference}")
    assert done.status_code == 302
    payment, order = _payment(app), _order(app)
    assert payment.status is PaymentStatus.SUCCEEDED and payment.paid_at is not None
    assert order.status is OrderStatus.CONFIRMED and order.paid_at is not None


def test_a_slip_reference_used_before_is_refused_for_any_payment(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    first = _payment(app)
    text = slip_text("004", "0123456789ABCDEFGH")
    _send_slip(client, first, slip_image(text))
    _checkout(client, market, quantity="1", signed_in=True)
    second = _payment(app)
    assert second.id != first.id
    refused = _send_slip(client, second, slip_image(text))
    assert refused.status_code == 302
    assert "เคยส่ง" in client.get(f"/payments/{second.reference}").get_data(as_text=True)
    assert _payment(app).status is PaymentStatus.PENDING
    # Typed in lower case, it is still the same transfer.
    _send_slip(client, second, reference="0123456789abcdefgh")
    assert _payment(app).status is PaymentStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentSlip)) == 1


def test_a_wrong_amount_is_refused_and_nothing_is_recorded(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, reference="KTB20261202000123", amount="119.00")
    assert "฿120.00" in client.get(f"/payments/{payment.reference}").get_data(as_text=True)
    assert _payment(app).status is PaymentStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentSlip)) == 0
    # A picture with no QR code, and no reference typed: a clear answer, nothing kept.
    blank = io.BytesIO()
    Image.new("RGB", (400, 600), "white").save(blank, "JPEG")
    _send_slip(client, payment, blank.getvalue())
    assert _payment(app).status is PaymentStatus.PENDING


def test_the_farmer_says_the_money_did_not_come_and_the_buyer_may_send_another_slip(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, reference="SCB20261202AAA111")
    switch(client, "farmer@example.com")
    page = f"/payments/{payment.reference}"
    post_form(client, f"{page}/refuse", {"reason": "ยังไม่เห็นเงินเข้า"}, page=page)
    payment, order = _payment(app), _order(app)
    assert payment.status is PaymentStatus.PENDING and order.expires_at is not None
    switch(client, "buyer@example.com")
    assert "ยังไม่เห็นเงินเข้า" in client.get(page).get_data(as_text=True)
    _send_slip(client, payment, reference="SCB20261202AAA111")  # the refused slip stays used
    assert _payment(app).status is PaymentStatus.PENDING
    _send_slip(client, payment, reference="SCB20261202BBB222")
    assert _payment(app).status is PaymentStatus.SLIP_SENT


def test_another_farmer_and_another_buyer_cannot_see_or_confirm_the_payment(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
        second_farmer(market)
        make_user(Role.CONSUMER, email="other@example.com")
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, reference="BBL20261202XYZ789")
    for email in ("farmer2@example.com", "other@example.com"):
        switch(client, email)
        page = f"/payments/{payment.reference}"
        assert client.get(page).status_code == 404
        assert client.get(f"{page}/qr.png").status_code == 404
        token = csrf_token(client, "/")
        assert client.post(f"{page}/confirm", data={"csrf_token": token}).status_code == 404
    assert _payment(app).status is PaymentStatus.SLIP_SENT


class FakeSlipVerifier:
    """A slip-verification provider's answer, held to the interface (payments.verifier.SlipVerifier)."""

    name = "fake-verifier"
    known: dict[str, SlipCheck] = {}
    asked: list[tuple[str, str]] = []

    def __init__(self, config):
        self.config = config

    def verify(self, reference: str, sending_bank: str) -> SlipCheck | None:
        self.asked.append((reference, sending_bank))
        if reference == "TIMEOUT0000001":
            raise TimeoutError("the provider did not answer")
        return self.known.get(reference)


def test_a_configured_slip_verifier_confirms_at_once_or_refuses_what_does_not_pay_this(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    app.config["SLIP_VERIFIER"] = f"{__name__}:FakeSlipVerifier"
    try:
        _checkout(client, market)
        payment = _payment(app)
        later = payment.created_at + timedelta(minutes=3)
        FakeSlipVerifier.known = {
            "ELSEWHERE000001": SlipCheck("ELSEWHERE000001", 12000, "0899999999", later),
            "NORECEIVER00001": SlipCheck("NORECEIVER00001", 12000, "", later),
            "LASTYEAR0000001": SlipCheck("LASTYEAR0000001", 12000, FARMER_PHONE, later - timedelta(days=365)),
            "NOTIME000000001": SlipCheck("NOTIME000000001", 12000, FARMER_PHONE, None),
            "20261202MixedCase01": SlipCheck("20261202MixedCase01", 12000, FARMER_PHONE, later),
        }
        for refused in ("UNKNOWN0000001", "ELSEWHERE000001", "NORECEIVER00001", "LASTYEAR0000001",
                        "NOTIME000000001", "TIMEOUT0000001"):
            assert _send_slip(client, payment, reference=refused).status_code == 302
            assert _payment(app).status is PaymentStatus.PENDING, refused
        # The provider's amount counts, and it is asked with the reference as printed (from the slip's QR code).
        _send_slip(client, payment, slip_image(slip_text("014", "20261202MixedCase01")), amount="1.00")
        assert ("20261202MixedCase01", "014") in FakeSlipVerifier.asked
        payment, order = _payment(app), _order(app)
        assert payment.status is PaymentStatus.SUCCEEDED and order.status is OrderStatus.CONFIRMED
        with app.app_context():
            assert db.session.scalar(sa.select(PaymentSlip.verified_by)) == "fake-verifier"
    finally:
        app.config["SLIP_VERIFIER"] = ""


def test_a_seller_refusing_slip_after_slip_stops_further_slips(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    page = f"/payments/{payment.reference}"
    for number in range(3):
        _send_slip(client, payment, reference=f"MADEUP{number:08d}")
        switch(client, "farmer@example.com")
        post_form(client, f"{page}/refuse", {"reason": "ไม่มีเงินเข้า"}, page=page)
        switch(client, "buyer@example.com")
    _send_slip(client, payment, reference="MADEUP00000009")
    assert _payment(app).status is PaymentStatus.PENDING
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PaymentSlip)) == 3


def test_only_the_buyer_sends_a_slip_not_a_coordinator(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    switch(client, "coord@example.com")
    assert client.get(f"/payments/{payment.reference}").status_code == 200  # coordinators see every order
    _send_slip(client, payment, reference="COORD000000001")
    assert _payment(app).status is PaymentStatus.PENDING


def test_money_sent_just_before_a_cancel_is_not_kept(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment, order = _payment(app), _order(app)
    post_form(client, f"/orders/{order.id}/cancel", {"reason": ""}, page=f"/orders/{order.id}")
    assert _order(app).status is OrderStatus.CANCELLED
    page = client.get(f"/payments/{payment.reference}").get_data(as_text=True)
    assert "payments/" + payment.reference + "/qr.png" not in page  # no longer invites payment
    _send_slip(client, payment, reference="PAIDBEFORE00001")  # the buyer had paid in the bank app already
    assert _payment(app).status is PaymentStatus.SLIP_SENT
    switch(client, "farmer@example.com")
    post_form(client, f"/payments/{payment.reference}/confirm", {}, page=f"/payments/{payment.reference}")
    with app.app_context():
        refund = db.session.scalar(sa.select(Refund))
    assert _order(app).status is OrderStatus.REFUNDED and refund.status == "due"
    switch(client, "coord@example.com")
    assert payment.reference in client.get("/payments/reconcile").get_data(as_text=True)


# ---------------------------------------------------------------- refunds and the coordinators' page
def test_cancelling_a_paid_direct_order_asks_the_farmer_to_transfer_back(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, reference="KBANK20261202R1")
    switch(client, "farmer@example.com")
    page = f"/payments/{payment.reference}"
    post_form(client, f"{page}/confirm", {}, page=page)
    order = _order(app)
    post_form(client, f"/orders/{order.id}/cancel", {"reason": "ผักเสียหายจากฝน"}, page=f"/orders/{order.id}")
    with app.app_context():
        refund = db.session.scalar(sa.select(Refund))
    assert _order(app).status is OrderStatus.REFUNDED and (refund.status, refund.amount_satang) == ("due", 12000)
    switch(client, "coord@example.com")
    assert payment.reference in client.get("/payments/reconcile").get_data(as_text=True)
    switch(client, "farmer@example.com")
    settled = client.get(page)  # a settled payment's page stays put for the refund form: it is not polled
    assert 'data-status-url' not in settled.get_data(as_text=True)
    post_form(client, f"/payments/refunds/{refund.id}/sent", {"reference": "KBANK-BACK-777"}, page=page)
    with app.app_context():
        refund = db.session.get(Refund, refund.id)
    assert (refund.status, refund.provider_ref) == ("sent", "KBANK-BACK-777")
    switch(client, "coord@example.com")  # until the buyer says it came back, it stays on the coordinators' page
    assert "KBANK-BACK-777" in client.get("/payments/reconcile").get_data(as_text=True)
    switch(client, "buyer@example.com")
    post_form(client, f"/payments/refunds/{refund.id}/received", {}, page=page)
    with app.app_context():
        assert db.session.get(Refund, refund.id).status == "received"
    switch(client, "coord@example.com")
    assert "KBANK-BACK-777" not in client.get("/payments/reconcile").get_data(as_text=True)


def test_a_slip_unconfirmed_too_long_goes_to_the_coordinators(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, reference="GSB20261202OLD01")
    switch(client, "coord@example.com")
    assert payment.reference not in client.get("/payments/reconcile").get_data(as_text=True)
    with given():
        found = db.session.get(Payment, payment.id)
        found.slip_sent_at = utcnow() - timedelta(hours=app.config["SLIP_CONFIRM_HOURS"] + 1)
    assert payment.reference in client.get("/payments/reconcile").get_data(as_text=True)


def test_a_slip_for_a_lapsed_order_is_still_honoured_when_the_farmer_confirms(client, given, app):
    with given():
        market = make_market(quantity=Decimal("5"))
        _account(market.farmer)
    _checkout(client, market)
    payment = _payment(app)
    with app.app_context():
        assert orders.expire_due(utcnow() + timedelta(hours=1)) == 1
        db.session.commit()
    _send_slip(client, payment, reference="TTB20261202LATE1")
    switch(client, "farmer@example.com")
    page = f"/payments/{payment.reference}"
    post_form(client, f"{page}/confirm", {}, page=page)
    assert _order(app).status is OrderStatus.CONFIRMED  # the stock was still there


def test_a_slip_holds_the_produce_for_the_seller_only_so_long(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
    _checkout(client, market)
    _send_slip(client, _payment(app), reference="HOLD0000000001")
    hours = app.config["SLIP_CONFIRM_HOURS"]
    with app.app_context():
        assert orders.expire_due(utcnow() + timedelta(hours=hours - 1)) == 0
        assert orders.expire_due(utcnow() + timedelta(hours=hours + 1)) == 1
        db.session.commit()
    assert _order(app).status is OrderStatus.EXPIRED and _payment(app).status is PaymentStatus.SLIP_SENT


def test_the_wrong_people_cannot_see_a_slip_record_a_refund_or_sort_payments_out(client, given, app):
    with given():
        market = make_market()
        _account(market.farmer)
        make_user(Role.CONSUMER, email="other@example.com")
    _checkout(client, market)
    payment = _payment(app)
    _send_slip(client, payment, slip_image(slip_text("014", "20261202WRONG0001")))
    switch(client, "farmer@example.com")
    page = f"/payments/{payment.reference}"
    post_form(client, f"{page}/confirm", {}, page=page)
    order = _order(app)
    post_form(client, f"/orders/{order.id}/cancel", {"reason": "ผักเสีย"}, page=f"/orders/{order.id}")
    with app.app_context():
        slip, refund = db.session.scalar(sa.select(PaymentSlip)), db.session.scalar(sa.select(Refund))
    switch(client, "other@example.com")  # another buyer: nothing of this payment is there for them
    assert client.get(f"/payments/slips/{slip.id}/image").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/payments/refunds/{refund.id}/sent", data={"csrf_token": token,
                                                                  "reference": "FAKE-BACK-1"}).status_code == 404
    switch(client, "buyer@example.com")  # the payer cannot say the seller sent the money back
    post_form(client, f"/payments/refunds/{refund.id}/sent", {"reference": "FAKE-BACK-2"}, page=page)
    switch(client, "farmer@example.com")  # nor the seller that it arrived; nor sort out the network's payments
    post_form(client, f"/payments/refunds/{refund.id}/received", {}, page=page)
    with app.app_context():
        assert db.session.get(Refund, refund.id).status == "due"
    assert client.get("/payments/reconcile").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/payments/network-promptpay", data={"csrf_token": token, "promptpay_id": "0812345678",
                                                            "account_name": "ฉัน"}).status_code == 403
    assert client.post(f"/payments/{payment.id}/settle", data={"csrf_token": token, "note": "x"}).status_code == 403
    with app.app_context():
        assert payments.account_of("network") is None
