"""A live server on 127.0.0.1 with the demo data, and a headless Chromium driven by Playwright."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from greensmile.demo import seed_demo
from tests.liveserver import live_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these Chromium tries to reach Google's services at start-up; this machine has no such network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(database_url, tmp_path_factory):
    with live_app(database_url, "e2e", tmp_path_factory.mktemp("e2e"), seed_demo,
                  {"PUBLIC_BASE_URL": "http://127.0.0.1"}) as (app, url, accounts):
        yield {"url": url, "accounts": accounts, "app": app}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs it with apt-get where it can (needs root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install-dev)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, live_server, role: str) -> None:
    account = next(a for a in live_server["accounts"] if a.email.startswith(role + "@"))
    submit_login(page, live_server["url"], account.email, account.password)
    assert "/login" not in page.url  # each role lands on its own desk


def submit_login(page, url: str, login: str, password: str) -> None:
    """Fill the sign-in form and wait for the page it answers with (a desk, or the form again when refused)."""
    page.goto(url + "/login")
    page.fill("#login", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
