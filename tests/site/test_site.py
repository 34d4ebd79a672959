import json

import pytest

from greensmile import create_app
from greensmile.accounts.models import User
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user


def test_home_page_is_thai_by_default(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="th">' in body
    assert "อาหารอินทรีย์ปลอดภัย จากเกษตรกรที่ไว้ใจได้" in body
    assert "Safe, organic food" not in body


def test_language_switch_is_remembered_in_the_session(client):
    response = post_form(client, "/language", {"lang": "en", "next": "/signup"}, page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/signup"
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in body and "Safe, organic food from farmers you can trust" in body
    post_form(client, "/language", {"lang": "th", "next": "/"}, page="/")
    assert "อาหารอินทรีย์ปลอดภัย" in client.get("/").get_data(as_text=True)


def test_language_choice_is_remembered_for_the_account(client, given, app):
    with given():
        user = make_user(email="english@example.com")
    login(client, "english@example.com", PASSWORD)
    post_form(client, "/language", {"lang": "en", "next": "/"}, page="/")
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    phone = app.test_client()  # a new device: no session language yet
    login(phone, "english@example.com", PASSWORD)
    assert '<html lang="en">' in phone.get("/").get_data(as_text=True)


def test_language_switch_refuses_other_languages_and_offsite_redirects(client):
    assert post_form(client, "/language", {"lang": "fr", "next": "/"}, page="/").status_code == 400
    response = post_form(client, "/language", {"lang": "en", "next": "https://evil.example/"}, page="/")
    assert response.headers["Location"] == "/"


def test_healthz_answers_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok" and response.get_json()["database"] == "ok"


@pytest.mark.own_app
def test_healthz_answers_503_when_the_database_is_gone(tmp_path):
    # A real, unreachable database: a SQLite file in a directory that does not exist.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/gone.db"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert {"status": "error", "database": "unreachable"}.items() <= json.loads(response.get_data()).items()


@pytest.mark.own_app
def test_healthz_answers_503_when_postgresql_refuses(tmp_path):
    # Nothing listens on port 1 of this machine: the connection is refused at once.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    assert app.test_client().get("/healthz").status_code == 503


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "cdn" not in client.get("/").get_data(as_text=True).lower()
