"""On a phone, the rubber group's manager completes a member plot's EUDR record: walks its boundary with no signal,
has the farmer sign the cut-off declaration on the screen, photographs the land document; the lot becomes ready,
and the exporter's buyer downloads the lot's geolocation file."""
from __future__ import annotations

import json

import sqlalchemy as sa
from PIL import Image
from shapely.geometry import shape

from greensmile.extensions import db
from greensmile.plots.demo import demo_code
from greensmile.plots.services import get_by_code
from greensmile.rubber import eudr
from greensmile.rubber.models import Lot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav
from tests.geo.shapes import hexagon


def _photo(path) -> str:
    Image.new("RGB", (800, 600), (240, 235, 220)).save(path, "JPEG")
    return str(path)


def test_the_manager_completes_a_plots_record_and_the_exporter_downloads_the_file(browser, live_server, tmp_path):
    app, url = live_server["app"], live_server["url"]
    with app.app_context():
        plot = get_by_code(demo_code(7))
        code, group_id = plot.code, plot.group_id
        lon, lat = float(plot.longitude), float(plot.latitude)
        lot = db.session.scalar(sa.select(Lot).where(Lot.group_id == group_id).order_by(Lot.id))
        lot_id = lot.id
        with app.test_request_context():
            assert not eudr.lot_status(lot).ready  # nothing recorded yet
            db.session.commit()
    corners = hexagon(70, lon=lon, lat=lat)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow",
        geolocation={"latitude": corners[0][1], "longitude": corners[0][0], "accuracy": 6}, permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "rubber")
        click_nav(page, 'a[data-nav="network.mine"]')
        with page.expect_navigation():
            page.click(f'a[href="/rubber/groups/{group_id}"]')
        with page.expect_navigation():
            page.click(f'a[href="/rubber/groups/{group_id}/eudr"]')
        with page.expect_navigation():
            page.click(f'a[href="/rubber/plots/{code}/eudr"]')
        assert "ยังไม่ครบ" in page.inner_text("main") or "Not complete" in page.inner_text("main")

        # the boundary, walked with no signal and sent when it comes back
        with page.expect_navigation():
            page.click(f'#geolocation a[href="/plots/{code}/boundary/walk"]')
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.wait_for_selector("[data-walk]:not([hidden])")
        context.set_offline(True)
        for index, (corner_lon, corner_lat) in enumerate(corners, start=1):
            context.set_geolocation({"latitude": corner_lat, "longitude": corner_lon, "accuracy": 5})
            page.click("[data-add]")
            page.wait_for_function(f"() => document.querySelector('[data-count]').textContent === '{index}'")
        page.click("[data-send]")
        context.set_offline(False)
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไร่')")

        # the farmer signs the declaration with a finger
        page.goto(f"{url}/rubber/plots/{code}/eudr")
        page.check("input[name=pledge_kind][value=signature]")
        pad = page.locator("canvas[data-signature-pad]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 20 + step * 20, box["y"] + box["height"] / 2 + (12 if step % 2 else -12))
        page.mouse.up()
        with page.expect_navigation():
            page.click("#cutoff form[action$='/declaration'] button[type=submit]")
        assert page.url.endswith(f"/rubber/plots/{code}/eudr"), page.inner_text("#cutoff")[:900]  # not refused

        # the land document, photographed
        page.select_option("#legality select[name=doc_type]", "chanote")
        page.fill("#legality input[name=number]", "12345")
        page.fill("#legality input[name=raot_number]", "90-11-0001")
        page.set_input_files("#legality input[name=photo]", _photo(tmp_path / "chanote.jpg"))
        with page.expect_navigation():
            page.click("#legality button[type=submit]")
        main = page.inner_text("main")
        assert "12345" in main
        assert page.locator(".cert-status.status-certified").count() == 1, main  # complete
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "eudr-plot-record.png"), full_page=True)
        context.clear_cookies()

        # the exporter's buyer downloads the lot's file from the lot's page
        sign_in(page, live_server, "exporter")
        page.goto(f"{url}/rubber/lots/{lot_id}")
        with page.expect_navigation():
            page.click(f'a[href="/rubber/lots/{lot_id}/eudr"]')
        assert page.locator(".cert-status.status-certified").count() == 1, page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        with page.expect_download() as download:
            page.click(f'a[href="/rubber/lots/{lot_id}/eudr/geolocation"]')
        collection = json.loads(open(download.value.path(), "rb").read())
    finally:
        context.close()
    (feature,) = collection["features"]
    assert feature["properties"]["ProductionPlace"].startswith(code)
    assert feature["geometry"]["type"] == "Polygon" and shape(feature["geometry"]).is_valid
    assert len(feature["geometry"]["coordinates"][0]) == len(corners) + 1
