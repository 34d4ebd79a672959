"""On a phone, a farmer withdraws the consent to show their name on the public pages: the plot's QR page no longer
shows it, and still shows the plot's status."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.plots.models import Plot
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from tests.e2e.conftest import ARTIFACTS, sign_in, submit_login
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


def test_on_phones_a_member_asks_to_be_erased_and_a_coordinator_erases_them(browser, live_server):
    """The member's request from their account page, refused once for the unticked box (what was typed stays), then
    sent; the coordinator finds it from the pipeline and erases; the member can no longer sign in."""
    from greensmile.accounts import services as accounts
    from greensmile.accounts.models import Role, User

    app, url = live_server["app"], live_server["url"]
    password = "ลบบัญชีได้เลย 2569"
    with app.app_context():
        person = accounts.create_user(email="leaving@example.com", display_name="มานี จะลาจาก", password=password,
                                      phone="0867778888", roles=(Role.CONSUMER,))
        privacy.acknowledge(person, person)
        db.session.commit()
        person_id = person.id
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        submit_login(page, url, "leaving@example.com", password)
        click_nav(page, 'a[data-nav="accounts.account"]')
        with page.expect_navigation():
            page.click('main a[href="/account/erasure"]')
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.fill("#reason", "ย้ายไปอยู่ต่างจังหวัด")
        with page.expect_navigation():
            page.click("main form button[type=submit]")  # the box is not ticked
        assert page.locator("p.error").count() >= 1 and page.input_value("#reason") == "ย้ายไปอยู่ต่างจังหวัด"
        page.check("#understood")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.locator(".flash-success").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "privacy-erasure-asked.png"), full_page=True)
        context.clear_cookies()

        sign_in(page, live_server, "coordinator")
        click_nav(page, 'a[data-nav="certification.pipeline"]')
        with page.expect_navigation():
            page.click('main a[href="/privacy/erasures"]')
        with page.expect_navigation():
            page.click("main a:has-text('มานี จะลาจาก')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.check("input[name=decision][value=erase]")
        with page.expect_navigation():
            page.click("main form button[type=submit]")  # "it cannot be undone" not ticked: asked again
        assert page.locator("p.error").count() == 1 and page.is_checked("input[name=decision][value=erase]")
        page.check("#sure")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert page.locator(".flash-success").count() == 1
        assert "มานี จะลาจาก" not in page.inner_text("main") and "ERASED-" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "privacy-erased.png"), full_page=True)
        context.clear_cookies()

        submit_login(page, url, "leaving@example.com", password)
        assert "/login" in page.url
    finally:
        context.close()
    with app.app_context():
        erased = db.session.get(User, person_id)
        assert erased.email is None and erased.phone is None and erased.display_name.startswith("ERASED-")
