"""The privacy notice as versioned data: coordinators publish versions; a new version asks everyone again, on their
next page; sign-up shows it and records the acknowledgement; a coordinator records it read to a farmer."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.privacy import services
from greensmile.privacy.models import Acknowledgement, ConsentMethod, Notice
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user


def _publish(client, version_text: str):
    token = csrf_token(client, "/privacy/notices")
    return client.post("/privacy/notices", data={"csrf_token": token, "body_th": f"ประกาศ {version_text}",
                                                  "body_en": f"Notice {version_text}"})


def test_a_new_version_asks_everyone_again(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, email="farmer@example.com")
    login(client, "coord@example.com", PASSWORD)
    assert _publish(client, "ฉบับที่ 1").status_code == 302
    # the coordinator too is asked, on the next page they open
    answer = client.get("/plots")
    assert answer.status_code == 302 and answer.location.startswith("/privacy/acknowledge")
    token = csrf_token(client, "/privacy/acknowledge?next=/plots")
    assert client.post("/privacy/acknowledge?next=/plots", data={"csrf_token": token}).location == "/plots"
    assert client.get("/plots").status_code == 200
    client.post("/logout", data={"csrf_token": token})

    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/farm/listings")
    assert page.status_code == 302 and "next=/farm/listings" in page.location
    body = client.get(page.location).get_data(as_text=True)
    assert "ประกาศ ฉบับที่ 1" in body
    # not a page: a phone's service worker caching pages, and the phones' JSON, are never sent there
    assert client.get("/farm/listings", headers={"Sec-Fetch-Mode": "same-origin"}).status_code == 200
    assert client.get("/privacy").status_code == 200
    token = csrf_token(client, "/privacy/acknowledge")
    client.post("/privacy/acknowledge", data={"csrf_token": token})
    assert client.get("/farm/listings").status_code == 200
    client.post("/logout", data={"csrf_token": token})

    login(client, "coord@example.com", PASSWORD)
    assert _publish(client, "ฉบับที่ 2").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/privacy")})
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/farm/listings").location.startswith("/privacy/acknowledge")  # asked again
    with app.app_context():
        farmer = db.session.scalar(sa.select(User).where(User.email == "farmer@example.com"))
        versions = db.session.scalars(sa.select(Notice.version).join(
            Acknowledgement, Acknowledgement.notice_id == Notice.id).where(Acknowledgement.user_id == farmer.id))
        assert sorted(versions) == [1]


def test_only_a_coordinator_publishes_and_the_thai_text_is_required(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, Role.COMMITTEE, email="member@example.com")
    login(client, "member@example.com", PASSWORD)
    assert client.get("/privacy/notices").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/privacy")})
    login(client, "coord@example.com", PASSWORD)
    token = csrf_token(client, "/privacy/notices")
    refused = client.post("/privacy/notices", data={"csrf_token": token, "body_th": "  ", "body_en": "English only"})
    assert refused.status_code == 400 and "English only" in refused.get_data(as_text=True)  # kept after a refusal
    with app.app_context():
        assert services.current_notice() is None


def test_sign_up_shows_the_notice_and_records_its_acknowledgement(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        services.publish_notice(coordinator, "ประกาศความเป็นส่วนตัว", "Privacy notice")
    page = client.get("/signup").get_data(as_text=True)
    assert "notice_read" in page and "/privacy" in page
    fields = {"csrf_token": csrf_token(client, "/signup"), "display_name": "ผู้ซื้อ ใหม่",
              "email": "new@example.com", "phone": "", "password": "long-enough-1", "confirm": "long-enough-1"}
    refused = client.post("/signup", data=fields)
    assert refused.status_code == 200 and "new@example.com" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "new@example.com")) is None
    assert client.post("/signup", data={**fields, "notice_read": "y"}).status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new@example.com"))
        (ack,) = db.session.scalars(sa.select(Acknowledgement).where(Acknowledgement.user_id == user.id))
        assert ack.method is ConsentMethod.ON_SCREEN and ack.notice.version == 1


def test_a_coordinator_records_the_notice_read_to_a_farmer_and_nobody_else_can(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email=None, display_name="สมใจ ไม่มีอีเมล", phone="0811112222")
        make_user(Role.FARMER, email="other@example.com")
        services.acknowledge(coordinator, coordinator, services.publish_notice(coordinator, "ประกาศ", ""))
        farmer_id = farmer.id
    login(client, "other@example.com", PASSWORD)
    client.get("/privacy")
    token = csrf_token(client, "/privacy")
    assert client.post(f"/users/{farmer_id}/notice-read", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "coord@example.com", PASSWORD)
    page = f"/users/{farmer_id}/consents"
    assert "notice-read" in client.get(page).get_data(as_text=True)
    assert client.post(f"/users/{farmer_id}/notice-read", data={"csrf_token": csrf_token(client, page)}
                       ).status_code == 302
    with app.app_context():
        (ack,) = db.session.scalars(sa.select(Acknowledgement).where(Acknowledgement.user_id == farmer_id))
        assert ack.method is ConsentMethod.WITNESSED and ack.recorded_by.email == "coord@example.com"
