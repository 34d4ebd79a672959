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
