import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user


def test_right_password_signs_in_and_wrong_one_is_refused(client, given):
    with given():
        user = make_user(Role.FARMER, email="somchai@example.com")

    refused = login(client, "somchai@example.com", "not the password")
    assert refused.status_code == 200
    assert "อีเมล หมายเลขโทรศัพท์ หรือรหัสผ่านไม่ถูกต้อง" in refused.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # still anonymous

    accepted = login(client, "SOMCHAI@example.com ", PASSWORD)
    assert accepted.status_code == 302
    page = client.get("/account")
    assert page.status_code == 200
    assert user.display_name in page.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    response = login(client, "nobody@example.com", "whatever-password")
    assert "อีเมล หมายเลขโทรศัพท์ หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_repeated_wrong_passwords_are_rate_limited_per_account(client, given):
    with given():
        make_user(email="target@example.com")
    for _ in range(5):
        assert login(client, "target@example.com", "guess-guess").status_code == 200
    blocked = login(client, "target@example.com", PASSWORD)
    assert blocked.status_code == 429
    assert "ลองหลายครั้งเกินไป" in blocked.get_data(as_text=True)
    # another account from the same address is not locked by the first one's failures
    assert login(client, "someone-else@example.com", "guess-guess").status_code == 200


def test_many_failures_from_one_address_are_rate_limited(client):
    statuses = [login(client, f"spray{n}@example.com", "guess-guess").status_code for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_successful_logins_do_not_count_towards_the_limit(client, given):
    with given():
        make_user(email="regular@example.com")
    for _ in range(7):
        assert login(client, "regular@example.com", PASSWORD).status_code == 302
        post_form(client, "/logout", {}, page="/")


def test_login_without_csrf_token_is_refused(client, given):
    with given():
        make_user(email="csrf@example.com")
    response = client.post("/login", data={"login": "csrf@example.com", "password": PASSWORD})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "แบบฟอร์มนี้หมดอายุ" in body
    assert "Traceback" not in body
    assert client.get("/account").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, given):
    with given():
        make_user(email="next@example.com")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/steal", data={"csrf_token": token, "login": "next@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_returns_to_the_page_asked_for(client, given):
    with given():
        make_user(email="back@example.com")
    assert client.get("/account").headers["Location"].startswith("/login?next=")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=/account", data={"csrf_token": token, "login": "back@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_logout_needs_post_with_token(client, given):
    with given():
        make_user(email="out@example.com")
    login(client, "out@example.com", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    post_form(client, "/logout", {}, page="/")
    assert client.get("/account").status_code == 302


def test_inactive_account_cannot_sign_in(client, given):
    with given():
        user = make_user(email="gone@example.com")
        user.is_active = False
    response = login(client, "gone@example.com", PASSWORD)
    assert response.status_code == 200
    assert client.get("/account").status_code == 302


def test_last_login_is_recorded(client, given, app):
    with given():
        make_user(email="stamp@example.com")
    login(client, "stamp@example.com", PASSWORD)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "stamp@example.com"))
        assert user.last_login_at is not None


def test_sign_in_by_phone_picks_the_household_member_whose_password_matches(client, given):
    with given():
        make_user(Role.FARMER, email="wife@example.com", phone="0812223333", password="wife-password-1",
                  display_name="แม่บ้าน")
        make_user(Role.FARMER, email="husband@example.com", phone="081-222-3333", password="husband-password-1",
                  display_name="พ่อบ้าน")
    assert login(client, "081 222 3333", "husband-password-1").status_code == 302
    assert "พ่อบ้าน" in client.get("/account").get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    assert login(client, "0812223333", "wrong-password").status_code == 200
    assert client.get("/account").status_code == 302


def test_failed_logins_by_phone_count_against_the_number(client, given):
    with given():
        make_user(phone="0899990000")
    for spelling in ["0899990000", "089-999-0000", "+66 89 999 0000", "66899990000", "089 999 0000"]:
        assert login(client, spelling, "wrong-guess").status_code == 200
    assert login(client, "0899990000", PASSWORD).status_code == 429
