"""A farmer links LINE from their account page on a phone (LINE Login, adding the network's Official Account as a
friend), a shopper orders from them, and the farmer's LINE inbox holds one Flex message about the order, in Thai."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from greensmile.accounts.models import LineLink
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.notifications.models import Delivery, Notification
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_market_in_browser import _produce_on_a_certified_plot
from tests.line.fake_line import CHANNEL_ACCESS_TOKEN, FakeLine
from tests.line_login.fake_login import FakeLineLogin
from tests.outbox import deliver


@contextmanager
def _line_for(live_server):
    """The shared live server, for this test only, with LINE (Login and Messaging) pointed at two local fakes."""
    app, url = live_server["app"], live_server["url"]
    login = FakeLineLogin([f"{url}/login/line/callback"])
    messaging = FakeLine().start()
    changes = {**login.config(), "LINE_CHANNEL_ACCESS_TOKEN": CHANNEL_ACCESS_TOKEN, "LINE_CHANNEL_SECRET": "secret",
               "LINE_API_URL": messaging.url, "PUBLIC_BASE_URL": url}
    before = {key: app.config.get(key) for key in changes}
    app.config.update(changes)
    try:
        yield login, messaging
    finally:
        app.config.update(before)
        messaging.close()
        login.stop()


def _texts(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [text for value in node.values() for text in _texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _texts(value)]
    return []


def test_a_farmer_links_line_and_hears_of_a_new_order_there_in_thai(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    code, listing_id, harvest, stall_name = _produce_on_a_certified_plot(app, days_ahead=5)
    with _line_for(live_server) as (login, messaging):
        messaging.add_friend(login.user.user_id, login.user.name)  # the same id: one provider for both channels
        farmer = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
        page = farmer.new_page()
        page.set_default_timeout(15000)
        try:
            sign_in(page, live_server, "farmer")
            page.goto(f"{url}/account")
            with page.expect_navigation(url=f"{url}/account"):
                page.click("form[action$='/account/line/link'] button[type=submit]")  # to LINE and back
            assert "เชื่อม" in page.inner_text("main") and login.user.name in page.inner_text("main")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "line-linked-account.png"), full_page=True)
        finally:
            farmer.close()
        with app.app_context():
            link = db.session.scalar(sa.select(LineLink).where(LineLink.line_user_id == login.user.user_id))
            assert link is not None and link.friend and link.user_id == demo_user("farmer").id
            farmer_id = link.user_id
            deliver()  # whatever waited from before (the demo's own notices) goes first
        already = len(messaging.inbox(login.user.user_id))

        shopper = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
        page = shopper.new_page()
        page.set_default_timeout(15000)
        try:
            sign_in(page, live_server, "consumer")
            page.goto(f"{url}/market/{listing_id}")
            page.fill("#quantity", "2")
            page.click("form[action$='/cart/add/%d'] button[type=submit]" % listing_id)
            page.wait_for_url(f"{url}/cart")
            page.check("input[name=payment_method][value=cash]")
            page.click("form[action$='/checkout'] button[type=submit]")
            page.wait_for_url(f"{url}/orders/*")
            number = page.inner_text("main h1")
        finally:
            shopper.close()

        with app.app_context():
            assert deliver() >= 1  # the worker's round
            notice = db.session.scalar(sa.select(Notification).where(
                Notification.user_id == farmer_id, Notification.kind == "order.placed"
            ).order_by(Notification.id.desc()))
            assert notice.delivery is Delivery.SENT
        new = messaging.inbox(login.user.user_id)[already:]
        assert len(new) == 1
        (message,) = new
        texts = " ".join(_texts(message["contents"]))
        assert message["type"] == "flex" and "คำสั่งซื้อใหม่" in message["altText"]
        assert "มะเขือเทศเชอร์รี่" in texts and "฿160" in texts and stall_name in texts
        assert number.split()[-1] in message["altText"]  # the order's number, as its page heads it
        assert message["contents"]["footer"]["contents"][0]["action"]["uri"].startswith(f"{url}/orders/")
