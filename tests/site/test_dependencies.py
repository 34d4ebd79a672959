"""When the database or Redis is away, the site says so: 503 with Retry-After, one log line, /healthz per dependency."""
import json
import logging
import socket
import time

import pytest
from flask_babel import force_locale

from greensmile import create_app
from greensmile.error_pages import MESSAGES
from greensmile.extensions import db
from tests.conftest import login

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://nobody@127.0.0.1:1/none",  # nothing listens on port 1: refused at once
    "sqlite": "sqlite:///{tmp}/no/such/dir/gone.db",
}


def _down_app(kind: str, tmp_path, **config):
    url = UNREACHABLE[kind].format(tmp=tmp_path)
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PROPAGATE_EXCEPTIONS": False, **config})


def _thai(app, text) -> str:
    with app.test_request_context(), force_locale("th"):
        return str(text)


def _assert_said_once(caplog):
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "database unavailable" in lines[0], lines


@pytest.mark.own_app
@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
@pytest.mark.parametrize("path", ["/market", "/impact", "/p/SK001R"])
def test_pages_answer_503_with_retry_after_when_the_database_is_away(kind, path, tmp_path, caplog):
    app = _down_app(kind, tmp_path)
    caplog.set_level(logging.INFO)
    response = app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.mimetype == "text/html" and '<html lang="th">' in body
    title, message = MESSAGES[503]
    assert _thai(app, title) in body and _thai(app, message) in body
    assert "Traceback" not in body and "OperationalError" not in body and "127.0.0.1" not in body
    _assert_said_once(caplog)


@pytest.mark.own_app
@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_the_api_answers_503_in_json(kind, tmp_path, caplog):
    app = _down_app(kind, tmp_path)
    caplog.set_level(logging.INFO)
    response = app.test_client().get("/api/v1/plots")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert response.get_json()["error"]["status"] == 503
    _assert_said_once(caplog)


@pytest.mark.own_app
@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_pages_that_need_no_database_still_answer(kind, tmp_path):
    client = _down_app(kind, tmp_path).test_client()
    assert client.get("/").status_code == 200 and client.get("/login").status_code == 200


@pytest.mark.own_app
def test_even_in_testing_mode_an_outage_is_a_503_not_an_exception(tmp_path):
    app = _down_app("sqlite", tmp_path, PROPAGATE_EXCEPTIONS=None)  # TESTING: errors would reach the caller
    assert app.test_client().get("/market").status_code == 503


@pytest.mark.own_app
def test_a_signed_in_person_whose_database_vanishes_gets_the_503_page(tmp_path, caplog):
    import flask_migrate

    from tests.factories import PASSWORD, make_user

    path = tmp_path / "vanishing.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "PROPAGATE_EXCEPTIONS": False})
    with app.app_context():
        flask_migrate.upgrade()
        make_user(email="signed-in@example.com")
        db.session.commit()
    client = app.test_client()
    assert login(client, "signed-in@example.com", PASSWORD).status_code == 302
    with app.app_context():
        db.engine.dispose()
    path.unlink()
    path.mkdir()  # the file cannot even be re-created

    logging.getLogger().addHandler(caplog.handler)  # the migrations' logging set-up took it off
    caplog.clear()
    caplog.set_level(logging.INFO)
    response = client.get("/account")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert _thai(app, MESSAGES[503][0]) in body and "signed-in@example.com" not in body
    assert "Traceback" not in body and "OperationalError" not in body  # the page that needs no database
    assert response.headers["Cache-Control"] == "private, no-store"
    _assert_said_once(caplog)
    # The database goes while another error page (a 404 with its menu) is being drawn: still "try again shortly".
    assert client.get("/no/such/page").status_code == 503


@pytest.mark.own_app
def test_a_bug_in_our_own_sql_is_still_a_500_with_its_traceback(database_url, caplog):
    import sqlalchemy as sa

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/broken-query")
    def broken_query():
        db.session.execute(sa.text("SELECT no_such_column FROM no_such_table"))  # SQLite calls this "operational"

    caplog.set_level(logging.INFO)
    response = app.test_client().get("/broken-query")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert any(record.exc_info for record in caplog.records), "the bug's traceback was not logged"
    with app.app_context():
        db.engine.dispose()


# ---------------------------------------------------------------- /healthz
def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url(app, monkeypatch):
    def use(url: str):
        monkeypatch.setitem(app.config, "REDIS_URL", url)
    return use


def test_healthz_lists_each_dependency(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok",
                                   "checks": {"database": "ok", "redis": "not configured"}}


def test_healthz_is_degraded_not_down_when_redis_is_away(client, redis_url):
    redis_url("redis://127.0.0.1:1/0")
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 2  # a monitor's check never hangs on a dead Redis
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok",
                                   "checks": {"database": "ok", "redis": "unreachable"}}


def test_healthz_checks_a_live_redis(client, redis_url):
    if not _redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    redis_url("redis://127.0.0.1:6379/0")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["checks"] == {"database": "ok", "redis": "ok"}
    redis_url("redis://127.0.0.1:1/0")  # the same worker, Redis moved: checked anew, not the old client
    assert client.get("/healthz").get_json()["checks"]["redis"] == "unreachable"


@pytest.mark.own_app
@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_healthz_says_error_when_the_database_is_away(kind, tmp_path):
    app = _down_app(kind, tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.get_data()) == {"status": "error", "database": "unreachable",
                                               "checks": {"database": "unreachable", "redis": "unreachable"}}
