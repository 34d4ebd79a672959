import logging
import re
import time

import sqlalchemy as sa
import time_machine

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.outbox import sent_mails

GOOD = {
    "display_name": "มาลี ศรีสุข",
    "email": "Malee@Example.com",
    "phone": "+66 81 234 5678",
    "password": "a-long-password",
    "confirm": "a-long-password",
}


def _count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def _mails(caplog, app=None) -> list[str]:
    return sent_mails(caplog, app)


CONFIRM_RE = re.compile(r"http://greensmile\.test(/signup/confirm/[\w.\-]+)")


def test_sign_up_makes_a_consumer_that_signs_in_once_the_mailed_link_is_opened(client, app, caplog):
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        response = post_form(client, "/signup?next=/market", GOOD, page="/signup")
    assert response.status_code == 302 and response.location == "/market"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "malee@example.com"))
        assert user.role_set == {Role.CONSUMER}
        assert user.phone == "0812345678"
        assert user.password_hash.startswith("$argon2id$")
        assert "a-long-password" not in user.password_hash
        assert user.email_confirmed_at is None
    assert client.get("/account").status_code == 302  # not signed in before the address is confirmed
    # the password does not open the account yet, and says no more than a wrong one would
    refused = login(client, "malee@example.com", "a-long-password")
    assert refused.status_code == 200 and "อีเมล หมายเลขโทรศัพท์ หรือรหัสผ่านไม่ถูกต้อง" in refused.get_data(as_text=True)

    mails = _mails(caplog, app)
    assert len(mails) == 1 and "To: malee@example.com" in mails[0]
    path = CONFIRM_RE.search(mails[0]).group(1)
    assert client.get(path).status_code == 200  # opening the link only shows a button (mail scanners follow links)
    assert client.get("/account").status_code == 302
    confirmed = post_form(client, path, {})
    assert confirmed.status_code == 302 and confirmed.location == "/market"
    assert "มาลี ศรีสุข" in client.get("/account").get_data(as_text=True)

    # the link works once; the password works from now on
    post_form(client, "/logout", {}, page="/")
    assert client.get(path).status_code == 302
    assert login(client, "malee@example.com", "a-long-password").status_code == 302


def _answer(client, data):
    """What the person signing up sees: the redirect, then the page it leads to (its form tokens left out)."""
    response = post_form(client, "/signup", data)
    page = client.get(response.location)
    body = re.sub(r'value="[^"]*"', 'value=""', page.get_data(as_text=True))
    return response.status_code, response.location, page.status_code, body


def test_sign_up_answers_alike_for_a_new_and_a_registered_address_and_mails_the_owner(app, given, caplog):
    with given():
        owner = make_user(email="malee@example.com", display_name="มาลี เจ้าของ")
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        registered = _answer(app.test_client(), GOOD)
        registered_mails = _mails(caplog, app)
        caplog.clear()
        new = _answer(app.test_client(), {**GOOD, "email": "someone-new@example.com"})
        new_mails = _mails(caplog, app)

    assert registered == new
    assert registered[:3] == (302, "/", 200)
    assert "ตรวจดูอีเมลของคุณ" in registered[3]
    assert "อีเมลนี้มีบัญชีอยู่แล้ว" not in registered[3]

    # the owner is told, with the ways back in; nothing of theirs changed and no second account was made
    assert len(registered_mails) == 1
    mail = registered_mails[0]
    assert "To: malee@example.com" in mail and "มีผู้พยายามสมัครด้วยอีเมลของคุณ" in mail  # someone tried to sign up
    assert "http://greensmile.test/login?login=malee@example.com" in mail
    assert "http://greensmile.test/password/forgot" in mail
    assert "/signup/confirm/" not in mail
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "malee@example.com")) == 1
        assert db.session.get(User, owner.id).password_hash == owner.password_hash
    assert len(new_mails) == 1 and "To: someone-new@example.com" in new_mails[0] and "/signup/confirm/" in new_mails[0]


def test_sign_up_with_someone_elses_phone_opens_nothing(client, given, app, caplog):
    # Phone numbers are not unique (a household shares one), so sign-up says nothing about them; an unconfirmed
    # sign-up must not sign in by that phone, nor be offered to a coordinator adding members by phone.
    with given():
        make_user(email="farmer@example.com", phone="081-234-5678")
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        response = post_form(client, "/signup", {**GOOD, "email": "intruder@example.com"})
    assert response.status_code == 302
    assert login(client, "081-234-5678", "a-long-password").status_code == 200
    assert login(client, "081-234-5678", PASSWORD).status_code == 302  # the farmer still signs in by phone
    with app.app_context():
        from greensmile.accounts import services

        assert [user.email for user in services.accounts_named("0812345678")] == ["farmer@example.com"]


def test_a_confirmation_link_that_is_forged_or_expired_is_refused(client, app, caplog):
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        post_form(client, "/signup", GOOD)
    path = CONFIRM_RE.search(_mails(caplog, app)[0]).group(1)
    forged = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert forged.status_code == 302 and forged.location.startswith("/login")
    with time_machine.travel(time.time() + 4 * 24 * 3600):
        assert client.get(path).status_code == 302
    assert client.get("/account").status_code == 302


def test_a_password_reset_confirms_an_unconfirmed_address(client, app, caplog):
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        post_form(client, "/signup", GOOD)
        _mails(caplog, app)  # the confirmation, delivered and set aside
        caplog.clear()
        post_form(client, "/password/forgot", {"email": "malee@example.com"})
    reset = re.search(r"http://greensmile\.test(/password/reset/[\w.\-]+)", _mails(caplog, app)[0]).group(1)
    assert post_form(client, reset, {"password": "another-password", "confirm": "another-password"}).status_code == 302
    assert login(client, "malee@example.com", "another-password").status_code == 302


def test_sign_up_refuses_bad_input_and_writes_nothing(client, app):
    before = _count_users(app)
    cases = [
        ({"email": "not-an-email"}, "โปรดกรอกอีเมลให้ถูกต้อง"),
        ({"phone": "12345"}, "กรอกหมายเลขโทรศัพท์ไทย"),
        ({"password": "short", "confirm": "short"}, "รหัสผ่านต้องยาว 8 ถึง 128 ตัวอักษร"),
        ({"confirm": "something-else"}, "รหัสผ่านทั้งสองช่องไม่ตรงกัน"),
        ({"display_name": ""}, "โปรดกรอกช่องนี้"),
    ]
    for change, message in cases:
        response = post_form(client, "/signup", {**GOOD, **change})
        assert response.status_code == 200, change
        assert message in response.get_data(as_text=True), change
    assert _count_users(app) == before


def test_profile_edit_saves_name_phone_and_language(client, given, app):
    with given():
        user = make_user(email="edit@example.com")
    login(client, "edit@example.com", PASSWORD)
    response = post_form(client, "/account", {"display_name": "ชื่อใหม่", "phone": "081-111-2222", "locale": "en",
                                              "address": "99 หมู่ 1 ต.คอหงส์"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert (saved.display_name, saved.phone, saved.locale) == ("ชื่อใหม่", "0811112222", "en")
        assert saved.address == "99 หมู่ 1 ต.คอหงส์"
    assert "My account" in client.get("/account").get_data(as_text=True)


def test_profile_post_without_csrf_changes_nothing(client, given, app):
    with given():
        user = make_user(email="nocsrf@example.com", display_name="เดิม")
    login(client, "nocsrf@example.com", PASSWORD)
    response = client.post("/account", data={"display_name": "ถูกแก้", "phone": "", "locale": "th"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).display_name == "เดิม"


def test_a_sign_up_with_someone_elses_address_cannot_take_their_account_when_they_sign_up_too(app, caplog):
    """The pre-hijack: someone signs up first with Malee's address and their own password. When Malee signs up
    herself, her details replace theirs and only her newest link opens the account, with her password."""
    squatter, malee = app.test_client(), app.test_client()
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        post_form(squatter, "/signup", {**GOOD, "display_name": "ผู้แอบอ้าง", "password": "squatters-secret",
                                        "confirm": "squatters-secret"}, page="/signup")
        first_link = CONFIRM_RE.search(_mails(caplog, app)[-1]).group(1)
        caplog.clear()
        post_form(malee, "/signup", GOOD, page="/signup")
        mails = _mails(caplog, app)
    assert len(mails) == 1 and "To: malee@example.com" in mails[0]
    newest_link = CONFIRM_RE.search(mails[0]).group(1)  # a fresh link, not "you already have an account"
    assert newest_link != first_link
    assert malee.get(first_link).status_code == 302  # the squatter's link is dead
    assert post_form(malee, newest_link, {}).status_code == 302
    post_form(malee, "/logout", {}, page="/")
    assert login(malee, "malee@example.com", "squatters-secret").status_code == 200  # refused
    assert login(malee, "malee@example.com", GOOD["password"]).status_code == 302
    assert "มาลี ศรีสุข" in malee.get("/account").get_data(as_text=True)
    assert _count_users(app) == 1


def test_a_password_reset_signs_out_whoever_was_signed_in_on_that_browser(app, client, given):
    """A coordinator opening a member's reset link at the office is signed out on the server, not only in the
    browser: a copy of the coordinator's cookie stops working too."""
    from greensmile.accounts import services

    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        member = make_user(email="member@example.com")
        link = f"/password/reset/{services.make_reset_token(member)}"
    login(client, "coord@example.com", PASSWORD)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/account").status_code == 200
    assert post_form(client, link, {"password": "a-new-long-pass", "confirm": "a-new-long-pass"}).status_code == 302
    assert copy.get("/account").status_code == 302  # the coordinator's copied cookie opens nothing now
