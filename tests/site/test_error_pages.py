import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts import services
from greensmile.accounts.models import User
from greensmile.extensions import db


def test_404_is_a_thai_page_without_a_trace(client):
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "ไม่พบหน้านี้" in body and "Traceback" not in body


def test_405_and_400_pages(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}  # the error keeps its own headers
    assert "ไม่ได้รับอนุญาต" in response.get_data(as_text=True)
    assert client.post("/language", data={}).status_code == 400


def test_413_for_a_body_over_the_limit(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/signup", data={"display_name": "x" * 5000})
    assert response.status_code == 413
    assert "ไฟล์ใหญ่เกินไป" in response.get_data(as_text=True)


def test_json_errors_for_the_api(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


@pytest.mark.own_app
def test_500_shows_no_trace_and_rolls_back_what_the_request_wrote(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/explode")
    def explode():
        services.create_user(email="half-written@example.com", display_name="ครึ่งทาง", password="whatever-123")
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/explode")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "เกิดข้อผิดพลาด" in body
    assert "secret internal detail" not in body and "Traceback" not in body
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "half-written@example.com")) is None
        db.engine.dispose()


@pytest.mark.own_app
def test_500_page_still_shows_when_the_database_is_gone(tmp_path, caplog):
    import flask_migrate

    from tests.conftest import login
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
    path.unlink()  # the database disappears under a signed-in visitor
    path.mkdir()  # and cannot even be re-created as an empty file

    response = client.get("/account")
    body = response.get_data(as_text=True)
    # An outage, not a bug: "try again shortly" (tests/site/test_dependencies.py), on the page that needs no database.
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert '<p class="error-code">503</p>' in body and "Traceback" not in body
    assert "OperationalError" not in body
