"""On a phone, a farmer withdraws the consent to show their name on the public pages: the plot's QR page no longer
shows it, and still shows the plot's status."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.plots.models import Plot
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def test_a_farmer_withdraws_the_public_name_and_the_qr_page_drops_it(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    with app.app_context():
        farmer = demo_user("farmer")
        name, farmer_id = farmer.display_name, farmer.id
        code = db.session.scalar(sa.select(Plot.code).where(Plot.owner_id == farmer.id).order_by(Plot.id))
        assert privacy.has_given(farmer, Purpose.PUBLIC_NAME)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{url}/p/{code}")
        assert name in page.inner_text("main")
        sign_in(page, live_server, "farmer")
        click_nav(page, 'a[data-nav="accounts.account"]')
        with page.expect_navigation():
            page.click('main a[href="/account/consents"]')
        page.check("input[name='public_name-answer'][value=no]")
        with page.expect_navigation():
            page.click("form:has(input[name=purpose][value=public_name]) button[type=submit]")
        assert page.locator(".flash-success").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "privacy-consents.png"), full_page=True)
        page.goto(f"{url}/p/{code}")
        main = page.inner_text("main")
        assert name not in main and code in main
        assert page.locator("[data-status]").count() == 1  # the status stays
    finally:
        context.close()
        with app.app_context():  # the demo's farmer agrees again, for the other journeys
            farmer = db.session.get(type(demo_user("farmer")), farmer_id)
            privacy.record(farmer, Purpose.PUBLIC_NAME, True, farmer)
            db.session.commit()
