import pytest

from greensmile.accounts import services
from greensmile.accounts.errors import LastCoordinator
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user

COORDINATOR_PAGES = ["/users", "/groups", "/organisations", "/network/new"]


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.FARMER, Role.INSPECTOR, Role.COMMITTEE, Role.BUYER, Role.SUPPORTER])
def test_other_roles_cannot_reach_coordinator_pages(client, given, role):
    with given():
        make_user(role, email="someone@example.com")
    login(client, "someone@example.com", PASSWORD)
    for path in COORDINATOR_PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "บัญชีของท่านไม่มีสิทธิ์เข้าถึงหน้านี้" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in COORDINATOR_PAGES + ["/account", "/my/network"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_coordinator_reaches_coordinator_pages(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
    login(client, "coord@example.com", PASSWORD)
    for path in COORDINATOR_PAGES:
        assert client.get(path).status_code == 200, path


def test_coordinator_grants_and_revokes_roles(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        person = make_user(Role.CONSUMER, email="person@example.com")
    login(client, "coord@example.com", PASSWORD)
    response = post_form(client, f"/users/{person.id}", {"roles": ["consumer", "farmer", "inspector"]})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, person.id)
        assert saved.role_set == {Role.CONSUMER, Role.FARMER, Role.INSPECTOR}
        assert {grant.granted_by_id for grant in saved.roles if grant.role is Role.FARMER} == {coordinator.id}
    post_form(client, f"/users/{person.id}", {"roles": ["consumer"]})
    with app.app_context():
        assert db.session.get(User, person.id).role_set == {Role.CONSUMER}


def test_unknown_role_value_is_refused(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        person = make_user(email="person@example.com")
    login(client, "coord@example.com", PASSWORD)
    response = post_form(client, f"/users/{person.id}", {"roles": ["consumer", "emperor"]})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, person.id).role_set == {Role.CONSUMER}


def test_a_user_cannot_grant_themselves_roles(client, given, app):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
    login(client, "farmer@example.com", PASSWORD)
    response = post_form(client, f"/users/{farmer.id}", {"roles": ["farmer", "coordinator"]}, page="/account")
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, farmer.id).role_set == {Role.FARMER}


def test_the_last_coordinator_cannot_be_removed(app_ctx):
    only = make_user(Role.COORDINATOR)
    with pytest.raises(LastCoordinator):
        services.set_roles(only, {Role.CONSUMER}, acting=only)
    second = make_user(Role.COORDINATOR)
    services.set_roles(only, {Role.CONSUMER}, acting=second)
    assert only.role_set == {Role.CONSUMER}


def test_user_search_by_thai_name_fragment_email_and_phone(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, display_name="บุญมี ขยันยิ่ง", email="boonmee@example.com", phone="0891234567")
        make_user(display_name="สมศรี มีสุข", email="somsri@example.com")
    login(client, "coord@example.com", PASSWORD)
    for query in ("ขยัน", "boonmee", "089-123"):
        body = client.get("/users", query_string={"q": query}).get_data(as_text=True)
        assert "บุญมี ขยันยิ่ง" in body, query
        assert "สมศรี มีสุข" not in body, query
    body = client.get("/users", query_string={"role": "farmer"}).get_data(as_text=True)
    assert "บุญมี ขยันยิ่ง" in body and "สมศรี มีสุข" not in body


def test_user_list_is_paginated(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com", display_name="ก ผู้ประสานงาน")
        for n in range(30):
            make_user(display_name=f"ผู้ใช้ {n:02d}")
    login(client, "coord@example.com", PASSWORD)
    first = client.get("/users").get_data(as_text=True)
    assert "หน้า 1 จาก 2" in first
    second = client.get("/users?page=2").get_data(as_text=True)
    assert "หน้า 2 จาก 2" in second


def test_tampered_filters_and_page_links_do_not_break_the_list(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        for n in range(30):
            make_user(display_name=f"สมาชิก {n:02d}")
    login(client, "coord@example.com", PASSWORD)
    bogus_role = client.get("/users?role=emperor")
    assert bogus_role.status_code == 200
    assert "ตัวเลือกไม่ถูกต้อง" in bogus_role.get_data(as_text=True)
    tricky = client.get("/users?q=สมาชิก&endpoint=x&_method=POST&_anchor=evil&_external=1")
    body = tricky.get_data(as_text=True)
    assert tricky.status_code == 200
    assert 'href="/users?q=' in body and "page=2" in body
    assert "evil" not in body.split('rel="next"')[0].rsplit("<a", 1)[-1]
