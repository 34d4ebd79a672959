"""LINE Login against a local fake of LINE (fake_login.py), through the app's real HTTP handling: the test plays the
browser, following the app's redirect to the fake with `requests` and bringing the fake's redirect back to the
Flask test client; the app's own server-side calls (token, friendship status, JWKS) reach the fake over real HTTP."""
from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask_babel import force_locale

from greensmile.accounts.models import LineLink, User
from greensmile.extensions import db
from tests.conftest import post_form
from tests.line_login.fake_login import FakeLineLogin


@pytest.fixture(scope="session")
def fake_line(app):
    with app.test_request_context():
        from greensmile.urls import public_url

        callback = public_url("accounts.line_callback")
    fake = FakeLineLogin([callback])
    yield fake
    fake.stop()


@pytest.fixture
def line(app, fake_line, monkeypatch):
    """LINE Login turned on for one test, pointed at the fake (a fresh LINE user, nothing tampered)."""
    fake_line.reset()
    for key, value in fake_line.config().items():
        monkeypatch.setitem(app.config, key, value)
    return fake_line


class Browser:
    """The Flask test client, and the trip through LINE's pages a real browser would make."""

    def __init__(self, client, fake: FakeLineLogin):
        self.client, self.fake = client, fake
        self.callback_args: dict[str, str] = {}

    def to_line(self, started):
        """Follow the app's redirect to LINE; returns LINE's answer (a redirect back to the app, or a refusal)."""
        assert started.status_code == 302, started.get_data(as_text=True)
        location = started.headers["Location"]
        assert location.startswith(self.fake.base_url + "/oauth2/v2.1/authorize?"), location
        return requests.get(location, allow_redirects=False, timeout=5)

    def back(self, at_line):
        """Bring LINE's redirect back to the app: the callback."""
        assert at_line.status_code == 302, at_line.text
        back = urlsplit(at_line.headers["Location"])
        self.callback_args = {key: values[0] for key, values in parse_qs(back.query).items()}
        self.last_callback = back.path + "?" + back.query
        return self.client.get(self.last_callback)

    def through_line(self, started):
        return self.back(self.to_line(started))

    def sign_in_with_line(self, next_path: str | None = None):
        url = "/login/line" + (f"?next={next_path}" if next_path else "")
        return self.through_line(post_form(self.client, url, {}, page="/login"))

    def link_line(self):
        return self.through_line(post_form(self.client, "/account/line/link", {}, page="/account"))

    def signed_in(self) -> bool:
        return self.client.get("/account").status_code == 200


@pytest.fixture
def browser(client, line):
    return Browser(client, line)


@pytest.fixture
def says(app):
    """Whether a page shows a message, in Thai or in English (the catalogue may or may not translate it yet)."""

    def check(response, message) -> bool:
        page = html.unescape(response.get_data(as_text=True))
        with app.test_request_context():
            for locale in ("th", "en"):
                with force_locale(locale):
                    if str(message) in page:
                        return True
        return False

    return check


@pytest.fixture
def read(app):
    """Run a query in its own app context (what the requests committed is visible)."""

    def run(function):
        with app.app_context():
            return function()

    return run


def link_of(line_user_id: str) -> LineLink | None:
    return db.session.scalar(sa.select(LineLink).where(LineLink.line_user_id == line_user_id))


def links_of_user(user_id: int) -> list[LineLink]:
    return list(db.session.scalars(sa.select(LineLink).where(LineLink.user_id == user_id)))


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))
