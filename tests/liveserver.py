"""A live, threaded server on a scratch database, and the same form posted from several threads at once.

For races that only real concurrent requests show: each post runs in its own server thread with its own database
transaction, as under gunicorn."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import flask_migrate
import requests
from werkzeug.serving import make_server

from greensmile import create_app
from greensmile.extensions import db
from tests.conftest import CSRF_RE, SUBMISSION_KEY_RE
from tests.dbutil import scratch_database


@contextmanager
def live_app(database_url: str, suffix: str, tmp_path, build, config: dict | None = None):
    """Yield (app, base URL, what `build()` returned); `build` fills the new database in an app context."""
    with scratch_database(database_url, suffix, tmp_path) as url:
        pooled = {"pool_size": 10, "max_overflow": 10} if url.startswith("postgresql") else {}
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": pooled, **(config or {})})
        with app.app_context():
            flask_migrate.upgrade()
            built = build()
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}", built
        finally:
            server.shutdown()
            thread.join(timeout=10)
            with app.app_context():
                db.engine.dispose()


def browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the server is on this machine
    return session


def signed_in(base: str, login: str, password: str) -> requests.Session:
    session = browser()
    page = session.get(f"{base}/login").text
    answer = session.post(f"{base}/login", data={"csrf_token": CSRF_RE.search(page).group(1), "login": login,
                                                 "password": password}, allow_redirects=False)
    assert answer.status_code == 302, answer.status_code
    return session


def hidden_fields(session: requests.Session, url: str) -> dict[str, str]:
    """The CSRF token and the one-time key of the (first) create form on the page."""
    page = session.get(url).text
    return {"csrf_token": CSRF_RE.search(page).group(1), "submission_key": SUBMISSION_KEY_RE.search(page).group(1)}


def post_at_once(sessions: list[requests.Session], url: str, forms: list[dict]) -> list[requests.Response]:
    """Each session posts its form to `url` at the same moment (a double tap, or several people); the answers."""
    start = threading.Barrier(len(sessions))
    answers: list = [None] * len(sessions)

    def post(n: int) -> None:
        start.wait()
        try:
            answers[n] = sessions[n].post(url, data=forms[n], allow_redirects=False, timeout=60)
        except Exception as error:  # reported in the test's assertion, not lost in the thread
            answers[n] = error

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def same_browser(session: requests.Session, times: int) -> list[requests.Session]:
    """`times` connections carrying one browser's cookies: one phone's double (or fivefold) tap."""
    copies = []
    for _ in range(times):
        copy = browser()
        copy.cookies.update(session.cookies)
        copies.append(copy)
    return copies
