"""A buyer pays a farmer by PromptPay straight to the farmer's own ID, sends the slip from the phone's gallery, and
the farmer confirms from their phone: the order moves on. Both on a 390×844 phone, in Thai."""
from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from greensmile.payments import emvco
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_market_in_browser import _produce_on_a_certified_plot
from tests.payments.helpers import slip_image, slip_text


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_pay_the_farmer_by_promptpay_send_the_slip_and_the_farmer_confirms(browser, live_server, tmp_path):
    # Its own harvest day: the market journey counts its own day's pick list.
    _, listing_id, _, _ = _produce_on_a_certified_plot(live_server["app"], days_ahead=6)
    url = live_server["url"]
    ARTIFACTS.mkdir(exist_ok=True)

    farmer_phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    farmer = farmer_phone.new_page()
    farmer.set_default_timeout(15000)
    buyer_phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    buyer = buyer_phone.new_page()
    buyer.set_default_timeout(15000)
    try:
        # The farmer registers their PromptPay ID, reached from the orders they fill.
        sign_in(farmer, live_server, "farmer")
        farmer.goto(f"{url}/farm/orders")
        farmer.click("a[href='/farm/promptpay']")
        farmer.fill("#promptpay_id", "081-234-5678")
        farmer.fill("#account_name", "นายสมชาย ใจดี")
        farmer.click("main form button:not([name])")
        farmer.wait_for_url(f"{url}/farm/promptpay")
        _fits(farmer)

        # The buyer orders and chooses PromptPay straight to the farmer.
        sign_in(buyer, live_server, "consumer")
        buyer.goto(f"{url}/market/{listing_id}")
        buyer.fill("#quantity", "2")
        buyer.click(f"form[action$='/cart/add/{listing_id}'] button[type=submit]")
        buyer.wait_for_url(f"{url}/cart")
        buyer.check("input[name=payment_method][value=promptpay_seller]")
        buyer.click("form[action$='/checkout'] button[type=submit]")
        buyer.wait_for_url(f"{url}/payments/*")
        assert "นายสมชาย ใจดี" in buyer.inner_text("main") and "฿160" in buyer.inner_text("main")
        _fits(buyer)
        buyer.screenshot(path=str(ARTIFACTS / "direct-promptpay-qr.png"), full_page=True)
        # The QR code on the page is the one a bank app reads: the farmer's ID and the exact amount.
        source = buyer.get_attribute("p.qr img", "src")
        png = buyer.request.get(url + source).body()
        (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        fields = emvco.read_promptpay(code.text)
        assert (fields.id_value, fields.amount_satang) == ("0812345678", 16000)

        # The slip, as the bank app saved it to the phone's gallery.
        slip = tmp_path / "slip.jpg"
        slip.write_bytes(slip_image(slip_text("014", "20261202KBANK7788")))
        buyer.set_input_files("#slip", str(slip))
        buyer.click("form[action$='/slip'] button")
        buyer.wait_for_load_state()
        assert "รอผู้ขายยืนยัน" in buyer.inner_text("main")
        buyer.screenshot(path=str(ARTIFACTS / "direct-promptpay-slip-sent.png"), full_page=True)

        # The farmer finds the slip waiting, checks their bank app, and confirms with one tap.
        farmer.goto(f"{url}/farm/promptpay")
        farmer.click("main a[href^='/payments/']")
        _fits(farmer)
        farmer.screenshot(path=str(ARTIFACTS / "direct-promptpay-farmer-confirms.png"), full_page=True)
        farmer.click("form[action$='/confirm'] button")
        farmer.wait_for_load_state()
        assert "ชำระเงินแล้ว" in farmer.inner_text("main")

        # The buyer's order has moved on.
        buyer.goto(f"{url}/orders")
        with buyer.expect_navigation():  # the click alone returns before the order's page has come
            buyer.click("main a[href^='/orders/']")
        assert "order-confirmed" in buyer.content()
        _fits(buyer)
    finally:
        farmer_phone.close()
        buyer_phone.close()
