"""Who may keep a copy of a page (greensmile/caching.py), seen through HTTP; and HSTS over HTTPS."""
import re
import time
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.caching import declared_policy
from greensmile.demo import DEMO_DOMAIN, demo_password
from greensmile.extensions import db
from greensmile.network.models import Organisation, OrganisationKind
from greensmile.rubber.models import Lot
from tests.conftest import CSRF_RE, login
from tests.factories import PASSWORD, make_user

HREF_RE = re.compile(r'<a\s[^>]*href="([^"#]+)')
SAME_SITE = {"", "localhost", "greensmile.test"}
NEVER_FOLLOW = ("/logout", "/language", "/lang", "/static/", "/media/")
MAX_PAGES = 400
PER_PATTERN = 2  # /orders/12 and /orders/13 are the same page twice: see a couple of each, then move on


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def _links(body: str) -> list[str]:
    found = []
    for href in HREF_RE.findall(body):
        href = href.replace("&amp;", "&")
        parts = urlsplit(href)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in SAME_SITE or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(NEVER_FOLLOW):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _endpoint(app, path: str) -> str | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(path).path, method="GET")[0]
    except Exception:
        return None


def _crawl(app, client, start: list[str], budget: int, name: str, problems: list[str], seen_types: Counter) -> int:
    queue, visited, per_pattern = deque(start), set(), Counter()
    fetched = 0
    while queue and fetched < budget:
        path = queue.popleft()
        if path in visited or per_pattern[_pattern(path)] >= PER_PATTERN:
            continue
        visited.add(path)
        per_pattern[_pattern(path)] += 1
        response = client.get(path)
        fetched += 1
        kind = response.mimetype
        if not (kind == "text/html" or kind == "text/csv" or "json" in kind):
            continue
        seen_types[kind] += 1
        cache = response.headers.get("Cache-Control", "")
        body = response.get_data(as_text=True)
        if "no-store" not in cache:
            # The one allowed exception: a page declared public that was not made for this person (the plot page
            # behind a QR code is the same bytes for everyone). It must then hold nothing of theirs: no form token,
            # no menu with their account and sign-out (their name may be there: a farmer's own plot shows it).
            with app.test_request_context(path):
                declared = declared_policy(_endpoint(app, path)) is not None
            if not (declared and cache.startswith("public") and not CSRF_RE.search(body) and "/logout" not in body
                    and "Set-Cookie" not in response.headers):
                problems.append(f"{path} ({response.status_code}, {kind}) sent {cache!r} to a signed-in {name}")
        if kind == "text/html" and response.status_code == 200:
            queue.extend(link for link in _links(body) if link not in visited)
    return fetched


def test_every_page_a_signed_in_person_sees_is_no_store(app, db_session):
    started = time.monotonic()
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    emails = sorted(set(re.findall(rf"[\w.+-]+@{re.escape(DEMO_DOMAIN)}", seeded.output)))
    assert len(emails) >= 7  # one account per role at least
    with app.app_context():
        names = {email: db.session.scalar(sa.text("SELECT display_name FROM users WHERE email = :e"), {"e": email})
                 for email in emails}
        rubber_group = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.kind == OrganisationKind.FSC_GROUP))

    problems, seen_types, total = [], Counter(), 0
    budget = MAX_PAGES // len(emails)
    for email in emails:
        client = app.test_client()
        assert login(client, email, demo_password()).status_code == 302, email
        # The exports first: they sit deep in the site, behind pages the budget may not reach.
        start = ["/", "/plots/export.csv", f"/rubber/groups/{rubber_group}/register.csv", "/account", "/impact"]
        total += _crawl(app, client, start, budget, names[email], problems, seen_types)

    assert not problems, "\n".join(problems)
    assert total > 100 and seen_types["text/html"] > 100 and seen_types["text/csv"] >= 2, (total, seen_types)
    assert time.monotonic() - started < 60

    # The same site, not signed in: the impact page is still public for anonymous visitors.
    impact = _anonymous_with_cookie(app.test_client()).get("/impact")
    assert impact.status_code == 200 and impact.headers["Cache-Control"].startswith("public, max-age=")
    assert "Set-Cookie" not in impact.headers and "Cookie" in impact.headers.get("Vary", "")


def _anonymous_with_cookie(client):
    """A visitor whose session cookie is settled: the first visits write it (the language form's token, then
    Flask-Login's mark), and an answer that writes a cookie is never public."""
    for _ in range(2):
        client.get("/")
    return client


def test_impact_and_lot_pages_are_public_only_for_anonymous_visitors(app, client, given):
    app.test_cli_runner().invoke(args=["seed-demo"])
    with given():
        lot_code = db.session.scalar(sa.select(Lot.code))
        make_user(email="reader@example.com")

    _anonymous_with_cookie(client)
    for path in ("/impact", f"/lots/{lot_code}"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"].startswith("public, max-age="), path
    assert client.get("/api/v1/impact").headers["Cache-Control"].startswith("public, max-age=")
    assert client.get(f"/lots/{lot_code}/qr.png").headers["Cache-Control"] == "public, max-age=86400"

    login(client, "reader@example.com", PASSWORD)
    for path in ("/impact", f"/lots/{lot_code}"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and CSRF_RE.search(body)  # the menu and a form token: theirs
        assert response.headers["Cache-Control"] == "private, no-store", path
    # Not made for them: the same bytes as for anyone, so still public.
    assert client.get(f"/lots/{lot_code}/qr.png").headers["Cache-Control"] == "public, max-age=86400"


def test_a_public_page_that_sets_a_cookie_is_not_public(client):
    first = client.get("/impact")  # a new visitor: the language form's token starts a session
    assert "Set-Cookie" in first.headers
    assert first.headers["Cache-Control"] == "private, no-store"


def test_the_plot_page_stays_public_for_everyone(client, given):
    from tests.certification.helpers import certified, make_cycle

    with given():
        cycle = make_cycle()
        certified(cycle)
        make_user(email="scanner@example.com")
    login(client, "scanner@example.com", PASSWORD)  # a consumer with an account, scanning at the market
    page = client.get(f"/p/{cycle.plot.code}")
    assert page.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    assert "Set-Cookie" not in page.headers
    assert client.get(f"/p/{cycle.plot.code}/qr.png").headers["Cache-Control"] == "public, max-age=3600"
    assert client.get(f"/p/{cycle.plot.code}/qr.svg").headers["Cache-Control"] == "public, max-age=3600"
    # ... but a redirect or an error from the same routes is not given an hour in caches
    assert "public" not in client.get("/p/ZZZZZ/qr.png").headers.get("Cache-Control", "")


def test_an_export_is_never_stored(app, client, given):
    from greensmile.accounts.models import Role

    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
    login(client, "coord@example.com", PASSWORD)
    export = client.get("/plots/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert export.headers["Cache-Control"] == "private, no-store"


# ---------------------------------------------------------------- HSTS
def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_can_be_turned_off(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 0)
    assert "Strict-Transport-Security" not in client.get("/", base_url="https://localhost").headers


@pytest.mark.own_app
def test_hsts_behind_a_trusted_proxy(database_url):
    behind_proxy = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1, "HSTS_SECONDS": 600})
    client = behind_proxy.test_client()
    forwarded = client.get("/sw.js", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=600"
    assert "Strict-Transport-Security" not in client.get("/sw.js").headers

    # Without a trusted proxy, anyone could send the header: it is not believed.
    direct = create_app({"SQLALCHEMY_DATABASE_URI": database_url}).test_client()
    assert "Strict-Transport-Security" not in direct.get("/sw.js", headers={"X-Forwarded-Proto": "https"}).headers


def test_a_page_nobody_declared_public_is_no_store_for_a_visitor_without_a_cookie(app):
    """A shared cache with a default lifetime must not keep an undeclared page: the sign-up confirmation holds the
    new person's name and address, though nobody is signed in and no cookie is set."""
    client = app.test_client(use_cookies=False)
    for path in ("/api/v1/plots", "/api/v1/listings", "/healthz", "/signup"):  # the first three set no cookie
        assert client.get(path).headers.get("Cache-Control") == "private, no-store", path
