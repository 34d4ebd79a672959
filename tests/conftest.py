"""Suite fixtures: one app, a migrated database, and a rolled-back transaction around every test."""
from __future__ import annotations

import ipaddress
import os
import re
import socket
from contextlib import contextmanager

os.environ["APP_ENV"] = "testing"

import flask_migrate  # noqa: E402
import pytest  # noqa: E402
from flask_sqlalchemy.session import Session as FlaskSession  # noqa: E402

from greensmile import create_app  # noqa: E402
from greensmile.extensions import db, limiter  # noqa: E402
from tests.dbutil import empty_database, suite_database_url  # noqa: E402


# ---------------------------------------------------------------- guard: no outbound network
class OutboundNetworkBlocked(RuntimeError):
    pass


def _is_local(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise OutboundNetworkBlocked(f"test tried to reach {address!r}; tests may only talk to this machine")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise OutboundNetworkBlocked(f"test tried to reach {address!r}; tests may only talk to this machine")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host.decode() if isinstance(host, bytes) else host):
        raise OutboundNetworkBlocked(f"test tried to resolve {host!r}; tests may only talk to this machine")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def no_outbound_network():
    patches = [
        (socket.socket, "connect", _guarded_connect),
        (socket.socket, "connect_ex", _guarded_connect_ex),
        (socket, "getaddrinfo", _guarded_getaddrinfo),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    for owner, name, replacement in patches:
        setattr(owner, name, replacement)
    yield
    for owner, name, original in originals:
        setattr(owner, name, original)


# ---------------------------------------------------------------- app and database
@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return suite_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    empty_database(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "UPLOAD_DIR": str(tmp_path_factory.mktemp("up"))})
    with app.app_context():
        flask_migrate.upgrade()  # the suite's schema comes from the migrations, not create_all
    yield app
    with app.app_context():
        db.engine.dispose()


class _ConnectionBoundSession(FlaskSession):
    # Flask-SQLAlchemy would pick the app's engine; tests pin every session to the test's connection.
    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Every test runs inside one transaction that is rolled back; requests commit to savepoints."""
    if request.node.get_closest_marker("e2e") or request.node.get_closest_marker("own_app"):
        yield None  # such tests build their own app and database, with their own sessions
        return
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {
            "class_": _ConnectionBoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            # objects a test built stay readable after their set-up context has closed
            "expire_on_commit": False,
        }
    )
    # No app context stays pushed during the test: each request gets its own, with its own `g`.
    try:
        yield db.session
    finally:
        # every app context removed its own session when it closed
        transaction.rollback()
        connection.close()
        db.session = original


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """For tests that call services directly. Do not mix with client requests: they would share `g`."""
    with app.test_request_context():
        yield


@pytest.fixture
def given(app):
    """`with given(): ...` builds data in its own app context and commits it, before any request is made."""

    @contextmanager
    def context():
        with app.app_context():
            yield db.session
            db.session.commit()

    return context


# ---------------------------------------------------------------- helpers for form posts
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION_KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1)


def form_keys(client, url: str) -> dict[str, str]:
    """The hidden fields a browser would send back: the CSRF token and, on a form that makes something, its key."""
    response = client.get(url)
    page = response.get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    key = SUBMISSION_KEY_RE.search(page)
    return {"csrf_token": match.group(1), **({"submission_key": key.group(1)} if key else {})}


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST like a browser: take the CSRF token (and a create form's one-time key) from the page the form is on."""
    return client.post(url, data={**form_keys(client, page or url), **data}, **kwargs)


def login(client, identifier: str, password: str, **kwargs):
    """Sign in with an e-mail address or a phone number."""
    return post_form(client, "/login", {"login": identifier, "password": password}, **kwargs)
