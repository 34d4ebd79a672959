import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user

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


def test_sign_up_makes_a_consumer_and_signs_in(client, app):
    response = post_form(client, "/signup", GOOD)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "malee@example.com"))
        assert user.role_set == {Role.CONSUMER}
        assert user.phone == "0812345678"
        assert user.password_hash.startswith("$argon2id$")
        assert "a-long-password" not in user.password_hash
    assert "มาลี ศรีสุข" in client.get("/account").get_data(as_text=True)


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


def test_sign_up_with_a_taken_email_is_refused(client, given, app):
    with given():
        make_user(email="malee@example.com")
    before = _count_users(app)
    response = post_form(client, "/signup", GOOD)
    assert "อีเมลนี้มีบัญชีอยู่แล้ว" in response.get_data(as_text=True)
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
