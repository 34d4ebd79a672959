import logging
import re
import time

import time_machine

from greensmile.accounts import services
from greensmile.accounts.errors import InvalidResetToken
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user
from tests.outbox import sent_mails

LINK_RE = re.compile(r"http://greensmile\.test(/password/reset/[\w.\-]+)")


def _request_reset(client, caplog, email: str) -> str:
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        response = post_form(client, "/password/forgot", {"email": email})
    assert response.status_code == 302
    mails = sent_mails(caplog, client.application)
    assert len(mails) == 1, mails
    match = LINK_RE.search(mails[0])
    assert match, mails[0]
    return match.group(1)


def test_reset_link_sets_a_new_password_once(client, given, caplog):
    with given():
        make_user(email="forgetful@example.com")
    path = _request_reset(client, caplog, "forgetful@example.com")
    mail = sent_mails(caplog, client.application)[0]
    assert "ตั้งรหัสผ่านใหม่" in mail  # the mail speaks the account's language (Thai)

    assert client.get(path).status_code == 200
    done = post_form(client, path, {"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    assert login(client, "forgetful@example.com", PASSWORD).status_code == 200  # old password refused
    assert login(client, "forgetful@example.com", "brand-new-secret").status_code == 302
    post_form(client, "/logout", {}, page="/")

    # the same link cannot be used a second time
    reused = client.get(path)
    assert reused.status_code == 302 and "/password/forgot" in reused.headers["Location"]
    again = client.post(path, data={"csrf_token": csrf_token(client, "/login"), "password": "attacker-pass", "confirm": "attacker-pass"})
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]
    assert login(client, "forgetful@example.com", "attacker-pass").status_code == 200


def test_reset_link_expires(client, given, caplog, app):
    with given():
        make_user(email="slow@example.com")
    path = _request_reset(client, caplog, "slow@example.com")
    # one minute past the link's lifetime
    with time_machine.travel(time.time() + app.config["PASSWORD_RESET_MAX_AGE"] + 60):
        response = client.get(path)
        assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]
        follow = client.get(response.headers["Location"])
        assert "ลิงก์ตั้งรหัสผ่านใหม่นี้ไม่ถูกต้อง หมดอายุ" in follow.get_data(as_text=True)


def test_reset_link_works_within_its_lifetime(client, given, caplog, app):
    with given():
        make_user(email="intime@example.com")
    path = _request_reset(client, caplog, "intime@example.com")
    with time_machine.travel(time.time() + app.config["PASSWORD_RESET_MAX_AGE"] - 60):
        assert client.get(path).status_code == 200


def test_tampered_token_is_refused(app_ctx):
    user = make_user()
    token = services.make_reset_token(user)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    try:
        services.user_for_reset_token(forged, 3600)
    except InvalidResetToken:
        pass
    else:
        raise AssertionError("a forged token was accepted")
    assert services.user_for_reset_token(token, 3600) is user


def test_unknown_address_gets_the_same_answer_and_no_mail(client, caplog):
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        response = post_form(client, "/password/forgot", {"email": "stranger@example.com"}, follow_redirects=True)
    assert "หากมีบัญชีที่ใช้อีเมลนี้" in response.get_data(as_text=True)
    assert not sent_mails(caplog, client.application)


def test_change_password_checks_the_current_one_and_signs_out_other_devices(client, app, given):
    with given():
        user = make_user(email="changer@example.com")
    other_device = app.test_client()
    login(other_device, "changer@example.com", PASSWORD)
    login(client, "changer@example.com", PASSWORD)

    wrong = post_form(
        client, "/account/password", {"current_password": "nope-nope", "password": "new-pass-123", "confirm": "new-pass-123"}
    )
    assert "รหัสผ่านปัจจุบันไม่ถูกต้อง" in wrong.get_data(as_text=True)

    ok = post_form(
        client, "/account/password", {"current_password": PASSWORD, "password": "new-pass-123", "confirm": "new-pass-123"}
    )
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200  # this device stays signed in
    assert other_device.get("/account").status_code == 302  # the other is signed out
    with app.app_context():
        assert db.session.get(User, user.id).password_hash != user.password_hash


def test_farmer_without_email_gets_a_link_from_a_coordinator_and_signs_in_by_phone(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = services.create_user(
            email=None, display_name="ลุงมี ไม่มีอีเมล", phone="089-765-4321", roles=(Role.FARMER,)
        )
    login(client, "coord@example.com", PASSWORD)
    page = post_form(client, f"/users/{farmer.id}/reset-link", {}, page=f"/users/{farmer.id}")
    assert page.status_code == 200
    link = re.search(r'value="http://greensmile\.test(/password/reset/[^"]+)"', page.get_data(as_text=True)).group(1)

    farmer_phone = app.test_client()
    assert post_form(farmer_phone, link, {"password": "farmer-pass-1", "confirm": "farmer-pass-1"}).status_code == 302
    assert login(farmer_phone, "+66 89 765 4321", "farmer-pass-1").status_code == 302
    assert "ลุงมี ไม่มีอีเมล" in farmer_phone.get("/account").get_data(as_text=True)


def test_coordinators_cannot_make_reset_links_for_accounts_with_email(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        other = make_user(Role.COORDINATOR, email="other-coord@example.com")
        nophone = services.create_user(email=None, display_name="ไม่มีทั้งสองอย่าง", roles=(Role.FARMER,))
    login(client, "coord@example.com", PASSWORD)
    for target in (other, nophone):
        response = post_form(client, f"/users/{target.id}/reset-link", {}, page=f"/users/{target.id}")
        assert response.status_code == 400
        assert "password/reset" not in response.get_data(as_text=True)
        assert "สร้างลิงก์ตั้งรหัสผ่านใหม่ที่นี่ได้เฉพาะบัญชีที่ไม่มีอีเมล" in response.get_data(as_text=True)


def test_password_change_keeps_a_remembered_device_signed_in(client, given):
    with given():
        make_user(email="remember@example.com")
    post_form(client, "/login", {"login": "remember@example.com", "password": PASSWORD, "remember": "y"})
    post_form(
        client, "/account/password", {"current_password": PASSWORD, "password": "new-pass-123", "confirm": "new-pass-123"}
    )
    client.delete_cookie("session")  # the browser restarts: only the remember cookie is left
    assert client.get("/account").status_code == 200


def test_consumer_cannot_make_reset_links(client, given):
    with given():
        make_user(email="plain@example.com")
        victim = make_user(email="victim@example.com")
    login(client, "plain@example.com", PASSWORD)
    assert post_form(client, f"/users/{victim.id}/reset-link", {}, page="/account").status_code == 403
