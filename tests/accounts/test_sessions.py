"""Signed-in devices: cookies name a device record, and signing out on the server ends every copy of them."""
import logging
import re
import time

import sqlalchemy as sa
import time_machine

from greensmile.accounts import sessions
from greensmile.accounts.models import Role, User, UserSession
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.outbox import sent_mails

REMEMBER = "remember_token"
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36")


def _copy(app, client, *names):
    """A second browser holding copies of the given cookies of `client` (as a thief with them would)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


def _devices(app, user) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                                       .order_by(UserSession.id)))


def test_a_copied_session_cookie_stops_working_after_sign_out(client, app, given):
    with given():
        user = make_user(email="copied@example.com")
    login(client, "copied@example.com", PASSWORD)
    thief = _copy(app, client, "session")
    assert thief.get("/account").status_code == 200  # the copy works while the device is signed in

    post_form(client, "/logout", {}, page="/")
    assert _signed_out(client.get("/account"))
    assert _signed_out(thief.get("/account"))
    [device] = _devices(app, user)
    assert device.revoked_at is not None


def test_a_copied_remember_cookie_stops_working_after_sign_out(client, app, given):
    with given():
        make_user(email="remembered@example.com")
    post_form(client, "/login", {"login": "remembered@example.com", "password": PASSWORD, "remember": "y"})
    thief = _copy(app, client, REMEMBER)  # only the year-long cookie, no session
    assert thief.get("/account").status_code == 200
    both = _copy(app, client, REMEMBER, "session")

    post_form(client, "/logout", {}, page="/")
    assert _signed_out(_copy(app, thief, REMEMBER).get("/account"))  # a fresh browser with the copy
    assert _signed_out(thief.get("/account"))
    assert _signed_out(both.get("/account"))


def test_sign_in_records_the_device_and_the_cookie_holds_no_stored_value(client, app, given):
    with given():
        user = make_user(email="device@example.com")
    login(client, "device@example.com", PASSWORD, headers={"User-Agent": ANDROID_CHROME})
    [device] = _devices(app, user)
    assert device.revoked_at is None and device.user_agent == ANDROID_CHROME[:200]
    assert device.ip == "127.0.0.1"
    assert len(device.token_hash) == 64
    with app.app_context():
        user_row = db.session.get(User, user.id)
        assert device.token_hash not in client.get_cookie("session").value
        assert user_row.session_token not in client.get_cookie("session").value


def test_the_devices_page_lists_this_device_and_signs_out_another(client, app, given):
    with given():
        user = make_user(email="two-phones@example.com")
    other = app.test_client()
    login(other, "two-phones@example.com", PASSWORD, headers={"User-Agent": ANDROID_CHROME})
    login(client, "two-phones@example.com", PASSWORD)

    assert "/account/devices" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/devices").get_data(as_text=True)
    assert "Chrome" in page and "Android" in page
    assert page.count("/sign-out\"") == 1  # one other device to sign out; this one signs out with the usual button

    first, second = _devices(app, user)
    response = post_form(client, f"/account/devices/{first.id}/sign-out", {}, page="/account/devices")
    assert response.status_code == 302 and response.location == "/account/devices"
    assert _signed_out(other.get("/account"))
    assert client.get("/account").status_code == 200
    assert f"/account/devices/{first.id}/sign-out" not in client.get("/account/devices").get_data(as_text=True)


def test_signing_out_this_device_from_the_list_signs_it_out(client, app, given):
    with given():
        user = make_user(email="self-list@example.com")
    login(client, "self-list@example.com", PASSWORD)
    [device] = _devices(app, user)
    response = post_form(client, f"/account/devices/{device.id}/sign-out", {}, page="/account/devices")
    assert response.status_code == 302
    assert _signed_out(client.get("/account"))


def test_nobody_signs_out_another_persons_device(client, app, given):
    with given():
        victim = make_user(email="victim@example.com")
        make_user(email="meddler@example.com")
    victims_phone = app.test_client()
    login(victims_phone, "victim@example.com", PASSWORD)
    [device] = _devices(app, victim)

    login(client, "meddler@example.com", PASSWORD)
    response = post_form(client, f"/account/devices/{device.id}/sign-out", {}, page="/account/devices")
    assert response.status_code == 404
    assert f"/account/devices/{device.id}/" not in client.get("/account/devices").get_data(as_text=True)
    post_form(client, "/account/devices/sign-out-others", {}, page="/account/devices")
    assert victims_phone.get("/account").status_code == 200  # still signed in
    assert _devices(app, victim)[0].revoked_at is None


def test_sign_out_everywhere_else_keeps_this_device(client, app, given):
    with given():
        make_user(email="everywhere@example.com")
    phones = [app.test_client() for _ in range(2)]
    for phone in phones:
        login(phone, "everywhere@example.com", PASSWORD)
    login(client, "everywhere@example.com", PASSWORD)
    response = post_form(client, "/account/devices/sign-out-others", {}, page="/account/devices")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert all(_signed_out(phone.get("/account")) for phone in phones)


def test_device_sign_out_needs_the_form_token(client, app, given):
    with given():
        user = make_user(email="csrf-devices@example.com")
    other = app.test_client()
    login(other, "csrf-devices@example.com", PASSWORD)
    login(client, "csrf-devices@example.com", PASSWORD)
    first, _ = _devices(app, user)
    assert client.post(f"/account/devices/{first.id}/sign-out").status_code == 400
    assert client.post("/account/devices/sign-out-others").status_code == 400
    assert other.get("/account").status_code == 200


def test_a_password_change_ends_copies_of_this_devices_cookies_too(client, app, given):
    with given():
        make_user(email="rotate@example.com")
    post_form(client, "/login", {"login": "rotate@example.com", "password": PASSWORD, "remember": "y"})
    thief = _copy(app, client, "session", REMEMBER)
    post_form(client, "/account/password",
              {"current_password": PASSWORD, "password": "new-pass-123", "confirm": "new-pass-123"})
    assert client.get("/account").status_code == 200
    assert _signed_out(thief.get("/account"))


def test_a_password_reset_signs_out_every_device(client, app, given, caplog):
    with given():
        make_user(email="reset-all@example.com")
    phone = app.test_client()
    post_form(phone, "/login", {"login": "reset-all@example.com", "password": PASSWORD, "remember": "y"})
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        post_form(client, "/password/forgot", {"email": "reset-all@example.com"})
    mail = sent_mails(caplog, app)[0]
    path = re.search(r"http://greensmile\.test(/password/reset/[\w.\-]+)", mail).group(1)
    assert post_form(client, path, {"password": "brand-new-secret", "confirm": "brand-new-secret"}).status_code == 302
    assert _signed_out(phone.get("/account"))
    assert _signed_out(_copy(app, phone, REMEMBER).get("/account"))


def test_a_coordinator_closing_an_account_signs_it_out_everywhere(client, app, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        member = make_user(email="member@example.com")
    members_phone = app.test_client()
    post_form(members_phone, "/login", {"login": "member@example.com", "password": PASSWORD, "remember": "y"})
    login(client, "coord@example.com", PASSWORD)

    response = post_form(client, f"/users/{member.id}/close", {}, page=f"/users/{member.id}")
    assert response.status_code == 302
    assert _signed_out(members_phone.get("/account"))
    assert all(device.revoked_at is not None for device in _devices(app, member))
    assert login(app.test_client(), "member@example.com", PASSWORD).status_code == 200

    # opened again, it signs in anew; the old devices stay signed out
    assert post_form(client, f"/users/{member.id}/reopen", {}, page=f"/users/{member.id}").status_code == 302
    assert _signed_out(_copy(app, members_phone, REMEMBER).get("/account"))
    assert login(app.test_client(), "member@example.com", PASSWORD).status_code == 302


def test_only_a_coordinator_closes_accounts_and_not_their_own(client, app, given):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(email="plain@example.com")
        victim = make_user(email="victim@example.com")
    login(client, "plain@example.com", PASSWORD)
    assert post_form(client, f"/users/{victim.id}/close", {}, page="/account").status_code == 403
    post_form(client, "/logout", {}, page="/")

    login(client, "coord@example.com", PASSWORD)
    response = post_form(client, f"/users/{coordinator.id}/close", {}, page=f"/users/{coordinator.id}",
                         follow_redirects=True)
    assert client.get("/account").status_code == 200
    with app.app_context():
        assert db.session.get(User, coordinator.id).is_active and db.session.get(User, victim.id).is_active
    assert response.status_code == 200


def test_last_seen_moves_at_most_every_few_minutes(client, app, given):
    with given():
        user = make_user(email="seen@example.com")
    login(client, "seen@example.com", PASSWORD)
    [device] = _devices(app, user)
    with time_machine.travel(time.time() + 60):
        assert client.get("/account").status_code == 200
    assert _devices(app, user)[0].last_seen_at == device.last_seen_at
    with time_machine.travel(time.time() + 6 * 60):
        assert client.get("/account").status_code == 200
    assert _devices(app, user)[0].last_seen_at > device.last_seen_at


def test_a_device_unused_for_longer_than_the_remember_cookie_lives_is_signed_out(client, app, given):
    with given():
        make_user(email="idle@example.com")
    login(client, "idle@example.com", PASSWORD)
    with time_machine.travel(time.time() + 366 * 24 * 3600):
        assert _signed_out(client.get("/account"))


def test_old_cookies_of_the_form_id_and_token_open_nothing(client, app, given):
    with given():
        user = make_user(email="legacy@example.com")
    with app.test_request_context():
        legacy = f"{user.id}:{user.session_token}"
        assert sessions.load_user(legacy) is None


def test_describe_agent_names_common_phone_browsers(app_ctx):
    assert sessions.describe_agent(ANDROID_CHROME) == "Chrome บน Android"  # Thai first
    line = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari Line/13.0.0"
    assert sessions.describe_agent(line) == "LINE บน iPhone"
    assert sessions.describe_agent("") and sessions.describe_agent(None) == sessions.describe_agent("")


def test_rate_limits_count_per_account_on_every_device_and_hold_no_cookie_secret(app, given):
    """A limit keyed on the device would restart with each new sign-in, and put the cookie's secret in the store."""
    from flask_login import login_user

    from greensmile.extensions import per_account

    with given():
        user = make_user(Role.FARMER, email="limits@example.com")
    keys = []
    for _device in range(2):
        with app.test_request_context("/"):
            signed_in = db.session.get(User, user.id)
            sessions.start(signed_in, user_agent=ANDROID_CHROME, ip="10.0.0.1")
            login_user(signed_in)
            keys.append(per_account("photo-upload")())
            assert signed_in.get_id() not in keys[-1]
    assert keys == [f"photo-upload:{user.id}"] * 2
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        assert per_account("checkout")() == "checkout:192.0.2.7"
