"""On a phone, a farmer draws a plot's boundary on the map with a tap at each corner, or corrects the one walked by
dragging a corner; the server measures it. A refused or unsent shape stays on the map. The tile server is blocked
(none reaches this machine anyway): the page works on a plain background."""
from __future__ import annotations

import math
from decimal import Decimal
from urllib.parse import urlsplit

import sqlalchemy as sa

from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from greensmile.plots import services as plots
from greensmile.plots.models import Plot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.geo.shapes import square, utm_area

EDIT_CORNERS = ".leaflet-marker-icon.marker-icon:not(.marker-icon-middle)"
SHAPE = '#draw-map path.leaflet-interactive:not([fill="none"])'  # a closed shape (the line being drawn has no fill)


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> list[float]:
    return [round(lon + east_m / (111_320 * math.cos(math.radians(lat))), 7), round(lat + north_m / 110_574, 7)]


def _new_plot(app) -> tuple[str, float, float]:
    """A plot of the demo farmer's of its own, beside the first one, with no boundary: other tests add theirs."""
    with app.app_context():
        farmer = demo_user("farmer")
        first = db.session.scalar(sa.select(Plot).where(Plot.owner_id == farmer.id).order_by(Plot.id))
        lat, lon = first.latitude + Decimal("0.01"), first.longitude + Decimal("0.01")
        plot = plots.create_plot(farmer, farmer, plots.PlotData(
            district_id=first.district_id, group_id=first.group_id, area_m2=Decimal("32000"),
            plot_type=first.plot_type, latitude=lat, longitude=lon))
        db.session.commit()
        return plot.code, float(lon), float(lat)


def _history(app, code: str):
    with app.app_context():
        return [(b.source, b.area_m2, b.ring) for b in boundaries.history(plots.get_by_code(code))]


def _phone(browser, live_server):
    """A signed-in phone, Thai, with the tile server blocked; CSP reports and script errors are collected."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH", has_touch=True)
    tiles = urlsplit(live_server["app"].config["MAP_TILE_URL"])
    context.route(f"{tiles.scheme}://{tiles.netloc}/**", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server, "farmer")
    return context, page, problems


def _open_from_boundary_page(page, url: str, code: str) -> None:
    page.goto(f"{url}/plots/{code}/boundary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # its buttons, "walk" and "draw", wrap
    with page.expect_navigation():
        page.click(f'a[href="/plots/{code}/boundary/draw"]')
    page.wait_for_selector("#draw-map[data-ready]")


def _pixel(page, lon: float, lat: float) -> tuple[float, float]:
    return page.evaluate("""([lat, lon]) => {
        const box = document.getElementById("draw-map");
        const point = box.gsMap.latLngToContainerPoint([lat, lon]);
        const frame = box.getBoundingClientRect();
        return [frame.left + point.x, frame.top + point.y];
    }""", [lat, lon])


def _tap(page, lon: float, lat: float) -> None:
    x, y = _pixel(page, lon, lat)
    assert 0 < x < 390 and 0 < y < 844, (x, y)  # on the screen, inside the map
    page.touchscreen.tap(x, y)


def _draw(page, corners) -> None:
    for index, (lon, lat) in enumerate(corners, start=1):
        _tap(page, lon, lat)
        page.wait_for_function(f"() => document.querySelectorAll('#draw-map .marker-icon:not(.cursor-marker)').length === {index}")
    _tap(page, *corners[0])  # the first corner again closes the shape
    page.wait_for_selector(SHAPE)
    assert page.locator(f"#draw-map {EDIT_CORNERS}").count() == len(corners)  # closed, and now editable


def _status(page) -> str:
    return page.inner_text("[data-status]")


def test_a_farmer_draws_a_boundary_with_four_taps_and_the_server_measures_it(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    code, lon, lat = _new_plot(app)
    corners = [_offset(lon, lat, -90, -60), _offset(lon, lat, 100, -70), _offset(lon, lat, 80, 75),
               _offset(lon, lat, -85, 60)]
    context, page, problems = _phone(browser, live_server)
    try:
        _open_from_boundary_page(page, url, code)
        centre = page.evaluate("() => document.getElementById('draw-map').gsMap.getCenter()")
        assert abs(centre["lat"] - lat) < 1e-4 and abs(centre["lng"] - lon) < 1e-4  # on the plot's point
        assert page.locator(SHAPE).count() == 0
        assert page.locator("#draw-map .leaflet-overlay-pane path").count() >= 1  # the plot's point, with no tiles
        _draw(page, corners)
        assert "ไร่" in page.inner_text("[data-live]")  # this phone's estimate, before saving
        page.click("[data-save]")
        page.wait_for_selector("[data-done]:not([hidden])")
        assert "วัดได้" in _status(page) and "ไร่" in _status(page) and "เฮกตาร์" in _status(page)
        assert page.locator(f'[data-done] a[href="/plots/{code}/boundary"]').is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "plot-boundary-drawn.png"), full_page=True)
        assert problems == []
    finally:
        context.close()
    (stored,) = _history(app, code)
    expected = utm_area(corners + [corners[0]])
    assert stored[0] is BoundarySource.DRAWN
    assert abs(stored[1] - expected) / expected < 0.02, (stored[1], expected)
    assert len(stored[2]) == 5 and stored[2][0] == stored[2][-1]


def test_a_farmer_corrects_a_walked_boundary_by_dragging_a_corner(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    code, lon, lat = _new_plot(app)
    walked = square(120, lon=lon, lat=lat)
    with app.app_context():
        boundaries.record(demo_user("farmer"), plots.get_by_code(code), walked, BoundarySource.WALKED, accuracy_m=6)
        db.session.commit()
    moved = _offset(*walked[2], 40, 30)  # the north-east corner, 50 m further out
    corrected = [walked[0], walked[1], moved, walked[3], walked[0]]
    context, page, problems = _phone(browser, live_server)
    try:
        _open_from_boundary_page(page, url, code)
        assert page.locator(f"#draw-map {EDIT_CORNERS}").count() == 4  # the walked boundary, ready to correct
        before = page.inner_text("[data-live]")
        # The map fits the boundary: a step back leaves room to pull a corner outwards.
        page.evaluate("() => { const map = document.getElementById('draw-map').gsMap; map.setZoom(map.getZoom() - 1, { animate: false }); }")
        x, y = _pixel(page, *walked[2])
        to_x, to_y = _pixel(page, *moved)
        assert 0 < to_x < 390 and 0 < to_y < 844 and page.locator(f"#draw-map {EDIT_CORNERS}").count() == 4
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(to_x, to_y, steps=8)
        page.mouse.up()
        page.wait_for_function("(before) => document.querySelector('[data-live]').textContent !== before", arg=before)
        page.click("[data-save]")
        page.wait_for_selector("[data-done]:not([hidden])")
        assert "ไร่" in _status(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert problems == []
    finally:
        context.close()
    drawn, first = _history(app, code)
    assert first[0] is BoundarySource.WALKED and first[2] == [[round(v, 6) for v in p] for p in walked]  # kept as it was
    expected = utm_area(corrected)
    assert drawn[0] is BoundarySource.DRAWN and abs(drawn[1] - expected) / expected < 0.02, (drawn[1], expected)
    assert abs(first[1] - expected) / expected > 0.05  # the new area, not the old one


def test_a_crossing_shape_is_refused_with_the_reasons_and_stays_on_the_map(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    code, lon, lat = _new_plot(app)
    bow_tie = [_offset(lon, lat, -80, -60), _offset(lon, lat, 80, 60), _offset(lon, lat, 80, -60),
               _offset(lon, lat, -80, 60)]
    context, page, problems = _phone(browser, live_server)
    try:
        _open_from_boundary_page(page, url, code)
        _draw(page, bow_tie)

        context.set_offline(True)  # no signal: said so, and the shape is kept
        page.click("[data-save]")
        offline = page.get_attribute("[data-draw]", "data-msg-offline")
        page.wait_for_function("(text) => document.querySelector('[data-status]').textContent.includes(text)", arg=offline)
        assert page.locator(f"#draw-map {EDIT_CORNERS}").count() == 4
        context.set_offline(False)

        page.click("[data-save]")
        page.wait_for_selector("[data-reasons] li")
        assert "ใช้ขอบเขตนี้ไม่ได้" in _status(page)  # refused...
        assert "ตัดกันเอง" in page.inner_text("[data-reasons]")  # ...because it crosses itself
        assert page.locator(SHAPE).count() == 1  # still there to be corrected
        assert page.locator(f"#draw-map {EDIT_CORNERS}").count() == 4
        assert page.locator("[data-done]").is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "plot-boundary-refused.png"), full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())  # "Start again" throws the unsaved shape away
        page.click("[data-start-over]")
        page.wait_for_function("(shape) => !document.querySelector(shape)", arg=SHAPE)
        assert page.locator("[data-status]").is_hidden()
        assert problems == []
    finally:
        context.close()
    assert _history(app, code) == []
