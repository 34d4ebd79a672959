"""On a phone, a plot's boundary page draws the boundary with Leaflet, with or without map tiles (none reach this
machine: the shape and the facts must stand on their own)."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from greensmile.plots.models import Plot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.geo.shapes import hexagon


def test_the_farmer_sees_the_plots_boundary_on_a_map(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    with app.app_context():
        farmer = demo_user("farmer")
        plot = db.session.scalar(sa.select(Plot).where(Plot.owner_id == farmer.id).order_by(Plot.id))
        lon, lat = float(plot.longitude or 100.418), float(plot.latitude or 7.16)
        boundaries.record(farmer, plot, hexagon(60, lon=lon, lat=lat), BoundarySource.WALKED, close=True)
        db.session.commit()
        code = plot.code
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "farmer")
        page.goto(f"{url}/plots/{code}")
        with page.expect_navigation():
            page.click("#boundary a")  # from the plot's page
        page.wait_for_selector("#boundary-map[data-ready]")
        assert page.locator("#boundary-map path.leaflet-interactive").count() == 1
        assert "ไร่" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plot-boundary-map.png"), full_page=True)
    finally:
        context.close()


def test_a_farmer_walks_a_boundary_offline_and_it_arrives_once_with_the_right_area(browser, live_server):
    from tests.geo.shapes import utm_area

    app, url = live_server["app"], live_server["url"]
    with app.app_context():
        farmer = demo_user("farmer")
        plot = db.session.scalar(sa.select(Plot).where(Plot.owner_id == farmer.id).order_by(Plot.id.desc()))
        lon, lat = float(plot.longitude or 100.418), float(plot.latitude or 7.16)
        code, before = plot.code, len(boundaries.history(plot))
    corners = hexagon(45, lon=lon, lat=lat)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow",
        geolocation={"latitude": corners[0][1], "longitude": corners[0][0], "accuracy": 5}, permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "farmer")
        page.goto(f"{url}/plots/{code}/boundary")
        with page.expect_navigation():
            page.click(f'a[href="/plots/{code}/boundary/walk"]')
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.wait_for_selector("[data-walk]:not([hidden])")

        context.set_offline(True)  # out in the plot: no signal
        for index, (corner_lon, corner_lat) in enumerate(corners, start=1):
            context.set_geolocation({"latitude": corner_lat, "longitude": corner_lon, "accuracy": 4 + index})
            page.click("[data-add]")
            page.wait_for_function(f"() => document.querySelector('[data-count]').textContent === '{index}'")
            if index == 3:  # the phone reloads the page halfway round, still offline
                response = page.reload()
                assert response is not None and response.from_service_worker
                page.wait_for_function("() => document.querySelector('[data-count]').textContent === '3'")
        page.click("[data-send]")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไม่มีสัญญาณ')")
        assert page.locator("[data-add]").is_disabled()
        with app.app_context():
            assert len(boundaries.history(db.session.get(Plot, plot.id))) == before  # nothing left the phone

        context.set_offline(False)  # back in the village
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไร่')")
        page.reload()
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไร่')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "plot-boundary-walked.png"), full_page=True)
    finally:
        context.close()
    with app.app_context():
        found = boundaries.history(db.session.get(Plot, plot.id))
        assert len(found) == before + 1  # once, though the page was reloaded and came back online
        walked = found[0]
        closed = [list(point) for point in corners] + [list(corners[0])]
        assert walked.source is BoundarySource.WALKED and walked.accuracy_m == 10
        assert abs(walked.area_m2 - utm_area(closed)) / utm_area(closed) < 0.02
