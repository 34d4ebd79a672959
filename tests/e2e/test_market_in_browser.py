"""A shopper at a market stall scans a plot's QR code, pre-orders its produce for pickup with cash, and the
farmer finds it on the pick list."""
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from greensmile.certification.demo import certify_through_the_cycle
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.models import PickupPoint, Unit
from greensmile.plots.models import Crop, Plot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import make_plot


def _produce_on_a_certified_plot(app, days_ahead: int = 4):
    with app.app_context():
        farmer = demo_user("farmer")
        group = db.session.scalar(sa.select(Plot).where(Plot.owner_id == farmer.id).order_by(Plot.id)).group
        plot = make_plot(farmer, group, name="แปลงผักหน้าบ้าน")
        crop = db.session.scalar(sa.select(Crop).where(Crop.name_th == "มะเขือเทศ")) or db.session.scalar(
            sa.select(Crop).order_by(Crop.id))
        plot.crops.append(crop)  # grown there, then inspected and certified: the decision covers it
        db.session.flush()
        certify_through_the_cycle(plot)
        stall = db.session.scalar(sa.select(PickupPoint).order_by(PickupPoint.id))
        harvest = date.today() + timedelta(days=days_ahead)
        listing = listings.create_listing(farmer, listings.ListingData(
            plot_id=plot.id, crop_id=crop.id, title="มะเขือเทศเชอร์รี่", unit=Unit.KG, price_satang=8000,
            quantity=Decimal("12"), harvest_on=harvest,
            order_by=datetime.combine(harvest - timedelta(days=1), time(10), tzinfo=timezone.utc),
            pickup_point_ids=[stall.id]))
        db.session.commit()
        return plot.code, listing.id, harvest, stall.name


def test_scan_preorder_with_cash_and_the_farmer_picks_it(browser, live_server):
    code, listing_id, harvest, stall_name = _produce_on_a_certified_plot(live_server["app"])
    url = live_server["url"]
    shopper = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = shopper.new_page()
    try:
        page.goto(f"{url}/p/{code}")  # what the phone opens from the QR code
        page.click(f"a[href='/market/{listing_id}']")
        page.fill("#quantity", "1.5")
        page.click("form[action$='/cart/add/%d'] button[type=submit]" % listing_id)
        page.wait_for_url(f"{url}/cart")
        page.click("main a[href^='/login?next=']")  # sign in to order
        account = next(a for a in live_server["accounts"] if a.email.startswith("consumer@"))
        page.fill("#login", account.email)
        page.fill("#password", account.password)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{url}/cart")
        page.check("input[name=payment_method][value=cash]")
        page.click("form[action$='/checkout'] button[type=submit]")
        page.wait_for_url(f"{url}/orders/*")
        assert "order-confirmed" in page.content()
        assert "฿120" in page.inner_text("main")  # 1.5 kg × ฿80
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "market-order-receipt.png"), full_page=True)
    finally:
        shopper.close()

    farmer = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = farmer.new_page()
    try:
        sign_in(page, live_server, "farmer")
        page.goto(f"{url}/farm/picklist?date={harvest.isoformat()}")
        crops = page.inner_text(".picklist-crops")
        assert "1.5" in crops
        assert stall_name in page.inner_text(".picklist-points")
        page.screenshot(path=str(ARTIFACTS / "market-pick-list.png"), full_page=True)
    finally:
        farmer.close()
