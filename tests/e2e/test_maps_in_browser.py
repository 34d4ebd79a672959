"""On a phone: a consumer finds certified farms near them (the browser's position), and a coordinator and an
inspector open the map of the plots from their desks. No tiles reach this machine: the maps draw on a plain
background."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.public import directory
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def _listed(app) -> list[directory.Farm]:
    with app.test_request_context():
        return directory.farms(directory.FarmFilters())


def test_a_consumer_finds_the_farms_near_them_on_a_phone(browser, live_server):
    app, url = live_server["app"], live_server["url"]
    farms = [farm for farm in _listed(app) if farm.position]
    assert len(farms) >= 3, "the demo lists three farms with positions"
    near = farms[1]  # not first without a position: first once the visitor stands beside it
    lon, lat = near.position
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH",
                                  geolocation={"latitude": lat, "longitude": lon, "accuracy": 30},
                                  permissions=["geolocation"])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "consumer")
        page.goto(url + "/")
        click_nav(page, 'a[data-nav="public.farms"]')
        page.wait_for_selector("#farms-map[data-ready]")
        assert page.get_attribute("#farms-map", "data-ready") == str(len(farms))  # every listed farm on the map
        assert near.plot.code not in page.locator("main .card.farm h2").first.inner_text()
        with page.expect_navigation():
            page.click("#near-me")
        assert "lat=" in page.url and "lon=" in page.url
        first = page.locator("main .card.farm h2").first.inner_text()
        assert near.plot.code in first  # nearest first
        assert "กม." in page.inner_text("main .card.farm >> nth=0")
        page.wait_for_selector("#farms-map[data-ready]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "farms-near-me.png"), full_page=True)
        with page.expect_navigation():  # from the directory to the plot's public page
            page.locator("main .card.farm h2 a").first.click()
        assert f"/p/{near.plot.code}" in page.url
    finally:
        context.close()


def test_the_coordinator_and_the_inspector_open_the_map_of_the_plots_from_their_desks(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        from greensmile.plots.models import Plot

        placed = db.session.scalar(sa.select(sa.func.count()).select_from(Plot).where(Plot.latitude.is_not(None)))
        assert demo_user("inspector") is not None
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "coordinator")  # lands on the pipeline
        with page.expect_navigation():
            page.click('main a[href="/plots/map"]')
        page.wait_for_selector("#network-map[data-ready]")
        assert page.get_attribute("#network-map", "data-ready") == str(placed)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "network-map.png"), full_page=True)
        context.clear_cookies()

        sign_in(page, live_server, "inspector")  # lands on the inspections
        with page.expect_navigation():
            page.click('main a[href^="/plots/map"]')
        page.wait_for_selector("#network-map[data-ready]")
        assert page.get_attribute("#network-map", "data-ready") not in ("error", "0")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
