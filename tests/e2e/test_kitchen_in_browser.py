"""A hospital kitchen's buyer places a standing order; the coordinator shares it out; two farmers confirm on their
phones; the delivery note lists both plots with their certificate status."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.bulk import services as bulk
from greensmile.bulk.models import BulkOrder, StandingOrder
from greensmile.certification.demo import certify_through_the_cycle
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.plots.demo import demo_code
from greensmile.plots.models import Crop, Plot
from greensmile.plots.services import get_by_code
from tests.bulk.helpers import next_weekday
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav
from tests.factories import make_plot

CROP = "ผักกาดขาว"


def _two_farms_offer_cabbage(app) -> tuple[int, list[str]]:
    """The demo farmer's certified plot and a newly certified plot of the demo inspector (a farmer too)."""
    with app.app_context():
        farmer, inspector = demo_user("farmer"), demo_user("inspector")
        crop = db.session.scalar(sa.select(Crop).where(Crop.name_th == CROP))
        first = get_by_code(demo_code(1))
        group = db.session.scalar(sa.select(Plot).where(Plot.owner_id == inspector.id).order_by(Plot.id)).group
        second = make_plot(inspector, group, name="แปลงผักกาดริมคลอง")
        # Both plots grow cabbage and an inspection's decision covers it: the first one's certificate is renewed.
        for plot in (first, second):
            plot.crops.append(crop)
            db.session.flush()
            certify_through_the_cycle(plot)
        for plot, owner, quantity in ((first, farmer, "40"), (second, inspector, "35")):
            bulk.save_capacity(owner, None, bulk.CapacityData(plot.id, crop.id, Unit.KG, Decimal(quantity), 3500))
        db.session.commit()
        return crop.id, [first.code, second.code]


def _context(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")


def test_standing_order_allocated_confirmed_and_traced_on_the_delivery_note(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    crop_id, codes = _two_farms_offer_cabbage(app)
    monday = next_weekday(1)

    buyer = _context(browser)
    page = buyer.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "buyer")
        click_nav(page, "nav a[href='/bulk']")
        page.click("main a[href='/bulk/standing/new']")
        page.check("input[name=weekdays][value='1']")
        page.fill("#starts_on", monday.isoformat())
        page.fill("#ends_on", (monday + timedelta(days=27)).isoformat())
        page.select_option("select[name='lines-0-crop_id']", str(crop_id))
        page.fill("input[name='lines-0-quantity']", "60")
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/bulk")
        assert CROP in page.inner_text("main")
    finally:
        buyer.close()
    with app.app_context():
        standing = db.session.scalar(sa.select(StandingOrder).order_by(StandingOrder.id.desc()))
        order = db.session.scalar(sa.select(BulkOrder).where(BulkOrder.standing_order_id == standing.id)
                                  .order_by(BulkOrder.delivery_on))
        order_id, delivery_on, organisation_id = order.id, order.delivery_on, order.organisation_id
    assert delivery_on == monday

    coordinator = _context(browser)
    page = coordinator.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "coordinator")
        page.goto(f"{url}/bulk")
        page.click(f"main a[href='/bulk/orders/{order_id}']")
        page.click(f"form[action='/bulk/orders/{order_id}/allocate'] button")
        page.wait_for_url(f"{url}/bulk/orders/{order_id}")
        rows = page.inner_text("main section.card table")
        for code in codes:
            assert code in rows
        assert rows.count("30 กก.") == 2  # 60 kg spread evenly: each farm offered more than half
    finally:
        coordinator.close()

    for role in ("farmer", "inspector"):
        farm = _context(browser)
        page = farm.new_page()
        page.set_default_timeout(15000)
        try:
            sign_in(page, live_server, role)
            click_nav(page, "nav a[href='/farm/bulk']")
            card = page.locator("li.share-proposed", has_text=CROP)
            card.locator("form[action$='/confirm'] button").click()
            page.wait_for_url(f"{url}/farm/bulk")
            assert page.locator("li.share-confirmed", has_text=CROP).count() == 1
        finally:
            farm.close()

    buyer = _context(browser)
    page = buyer.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "buyer")
        page.goto(f"{url}/bulk/orders/{order_id}")
        assert "ยืนยันครบแล้ว" in page.inner_text("main")  # confirmed by the farms
        page.click("main a[href^='/bulk/delivery/']")
        page.wait_for_url(f"{url}/bulk/delivery/{organisation_id}/{delivery_on.isoformat()}")
        rows = page.inner_text("table.delivery-lines")
        for code in codes:
            assert code in rows
        assert rows.count("ได้รับการรับรอง") == 2  # each plot's organic status on the delivery date
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "kitchen-delivery-note.png"), full_page=True)
    finally:
        buyer.close()
