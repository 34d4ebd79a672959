"""Every demo role signs in through a real browser and sees the navigation made for it."""
import pytest

from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav

EXPECTED_NAV = {
    "consumer": {"site.home"},
    "farmer": {"site.home", "plots.index", "network.mine"},
    "inspector": {"site.home", "plots.index", "inspections.assignments", "network.mine"},
    "committee": {"site.home", "plots.index", "certification.decisions", "network.mine"},
    "coordinator": {"site.home", "plots.index", "certification.pipeline", "plots.dashboard", "accounts.users",
                    "network.groups", "network.organisations"},
    "buyer": {"site.home", "network.mine"},
    "supporter": {"site.home", "network.mine"},
}
ROLE_PAGES = {"accounts.users", "network.groups", "network.organisations", "network.mine", "plots.index",
              "plots.dashboard", "inspections.assignments", "certification.decisions", "certification.pipeline"}


def _nav(page) -> set[str]:
    return set(page.eval_on_selector_all(".mainnav [data-nav]", "els => els.map(e => e.dataset.nav)"))


def test_home_page_is_thai_and_legible(page, live_server):
    page.goto(live_server["url"] + "/")
    assert page.locator("html").get_attribute("lang") == "th"
    assert "อาหารอินทรีย์ปลอดภัย" in page.locator("h1").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-th.png"), full_page=True)


@pytest.mark.parametrize("role", sorted(EXPECTED_NAV))
def test_each_demo_role_signs_in_and_sees_its_navigation(page, live_server, role):
    sign_in(page, live_server, role)
    assert page.locator(".flash-success").count() == 1
    shown = _nav(page) & (ROLE_PAGES | {"site.home"})
    assert shown == EXPECTED_NAV[role]
    assert "accounts.account" in _nav(page) and "accounts.login" not in _nav(page)
    ARTIFACTS.mkdir(exist_ok=True)
    for endpoint in sorted(EXPECTED_NAV[role] - {"site.home"}):
        click_nav(page, f'.mainnav [data-nav="{endpoint}"]')
        assert page.locator("h1").count() == 1
        assert "ไม่ได้รับอนุญาต" not in page.content()
        page.screenshot(path=str(ARTIFACTS / f"{role}-{endpoint}.png"), full_page=True)
    if role != "coordinator":
        response = page.goto(live_server["url"] + "/users")
        assert response.status == 403
    with page.expect_navigation():  # signing out first clears the offline pages, then navigates
        click_nav(page, ".mainnav form button")
    assert "accounts.login" in _nav(page)


def test_language_switch_in_the_browser(page, live_server):
    page.goto(live_server["url"] + "/")
    page.click(".lang button")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Safe, organic food" in page.locator("h1").inner_text()
    page.click(".lang button")
    assert page.locator("html").get_attribute("lang") == "th"
