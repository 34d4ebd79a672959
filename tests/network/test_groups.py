import sqlalchemy as sa

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.network import services
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_organisation, make_user
from tests.formvalues import form_values


def test_coordinator_creates_a_group_and_adds_a_member_who_becomes_a_farmer(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        person = make_user(email="newfarmer@example.com")
    login(client, "coord@example.com", PASSWORD)
    created = post_form(
        client,
        "/network/new",
        {"name": "กลุ่มผักอินทรีย์บ้านใหม่", "name_en": "Ban Mai", "kind": "pgs_group", "district_id": "0",
         "contact_phone": "", "description": ""},
    )
    assert created.status_code == 302
    org_path = created.headers["Location"]
    added = post_form(client, f"{org_path}/members", {"member": "NewFarmer@example.com", "position": "member"},
                      page=org_path)
    assert added.status_code == 302
    with app.app_context():
        group = db.session.scalar(sa.select(Organisation).where(Organisation.name == "กลุ่มผักอินทรีย์บ้านใหม่"))
        assert [m.user_id for m in group.memberships] == [person.id]
        assert Role.FARMER in db.session.get(User, person.id).role_set
    assert "กลุ่มผักอินทรีย์บ้านใหม่" in client.get("/groups").get_data(as_text=True)


def test_joining_a_buyer_organisation_makes_a_buyer(app_ctx):
    coordinator = make_user(Role.COORDINATOR)
    person = make_user(email="kitchen@example.com")
    kitchen = make_organisation(OrganisationKind.HOSPITAL_KITCHEN)
    services.add_member(kitchen, "kitchen@example.com", Position.MANAGER, acting=coordinator)
    assert Role.BUYER in person.role_set


def test_duplicate_names_and_unknown_members_are_refused(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        group = make_organisation(name="กลุ่มเดิม")
    login(client, "coord@example.com", PASSWORD)
    duplicate = post_form(client, "/network/new", {"name": "กลุ่มเดิม", "kind": "pgs_group", "district_id": "0"})
    assert duplicate.status_code == 200
    assert "มีกลุ่มหรือองค์กรชื่อนี้อยู่แล้ว" in duplicate.get_data(as_text=True)
    unknown = post_form(client, f"/network/{group.id}/members", {"member": "ghost@example.com", "position": "member"},
                        page=f"/network/{group.id}")
    assert unknown.status_code == 400
    assert "ไม่มีบัญชีที่ใช้อีเมลนี้" in unknown.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0


def test_members_see_their_group_and_outsiders_do_not(client, given):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        member = make_user(Role.FARMER, email="member@example.com")
        make_user(Role.FARMER, email="outsider@example.com")
        group = make_organisation(name="กลุ่มของสมาชิก")
        services.add_member(group, member.email, Position.MEMBER, acting=coordinator)
    login(client, "member@example.com", PASSWORD)
    assert client.get(f"/network/{group.id}").status_code == 200
    assert "กลุ่มของสมาชิก" in client.get("/my/network").get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    login(client, "outsider@example.com", PASSWORD)
    assert client.get(f"/network/{group.id}").status_code == 403
    assert "กลุ่มของสมาชิก" not in client.get("/my/network").get_data(as_text=True)


def test_only_coordinators_change_groups(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        member = make_user(Role.FARMER, email="member@example.com")
        group = make_organisation(name="กลุ่มห้ามแก้")
        services.add_member(group, member.email, Position.MANAGER, acting=coordinator)
    login(client, "member@example.com", PASSWORD)
    page = f"/network/{group.id}"
    assert post_form(client, f"/network/{group.id}/edit", {"name": "ถูกแก้", "kind": "pgs_group"}, page=page).status_code == 403
    assert post_form(client, f"{page}/members", {"member": "member@example.com", "position": "member"}, page=page).status_code == 403
    assert post_form(client, f"{page}/members/{member.id}/remove", {}, page=page).status_code == 403
    with app.app_context():
        assert db.session.get(Organisation, group.id).name == "กลุ่มห้ามแก้"
        assert db.session.get(Membership, (group.id, member.id)) is not None


def test_coordinator_removes_a_member(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        member = make_user(Role.FARMER, email="member@example.com")
        group = make_organisation()
        services.add_member(group, member.email, Position.MEMBER, acting=coordinator)
    login(client, "coord@example.com", PASSWORD)
    page = f"/network/{group.id}"
    assert post_form(client, f"{page}/members/{member.id}/remove", {}, page=page).status_code == 302
    with app.app_context():
        assert db.session.get(Membership, (group.id, member.id)) is None


def test_missing_group_is_404(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
    login(client, "coord@example.com", PASSWORD)
    response = client.get("/network/999999")
    assert response.status_code == 404
    assert "ไม่พบหน้านี้" in response.get_data(as_text=True)


def _confirmation(page: str) -> dict:
    """What the "Is this the person?" box sends back."""
    box = page[page.index('id="confirm-member"'):]
    return form_values(box[:box.index("</section>")])


def test_a_farmer_without_e_mail_is_added_to_a_group_by_phone_number(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        group = make_organisation(name="กลุ่มผักบ้านนา")
        other = make_organisation(name="กลุ่มสวนยางบ้านนา")
        farmer = accounts.create_user(email=None, phone="0812345678", display_name="ลุงมี ไม่มีอีเมล", password=PASSWORD)
        services.add_member(other, "0812345678", Position.MANAGER, acting=farmer)
        for name in ("พี่", "น้อง"):
            accounts.create_user(email=None, phone="0899999999", display_name=name, password=PASSWORD)
    login(client, "coord@example.com", PASSWORD)
    page = f"/network/{group.id}"
    # A phone number is anyone's to type: the page first shows whose account it names, and adds nobody yet.
    shown = post_form(client, f"{page}/members", {"member": "+66 81-234-5678", "position": "committee"}, page=page)
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "ลุงมี ไม่มีอีเมล" in text and "กลุ่มสวนยางบ้านนา" in text
    with app.app_context():
        assert db.session.get(Membership, (group.id, farmer.id)) is None
    confirm = _confirmation(text)
    assert confirm["confirmed_id"] == str(farmer.id) and confirm["position"] == "committee"
    added = client.post(f"{page}/members", data=confirm)
    assert added.status_code == 302
    unknown = post_form(client, f"{page}/members", {"member": "081-000-0000", "position": "member"}, page=page)
    assert unknown.status_code == 400 and 'value="081-000-0000"' in unknown.get_data(as_text=True)
    shared = post_form(client, f"{page}/members", {"member": "089 999 9999", "position": "member"}, page=page)
    assert shared.status_code == 400  # a household's phone: which of them is meant is not guessed
    with app.app_context():
        assert [(m.user_id, m.position) for m in db.session.get(Organisation, group.id).memberships] == [
            (farmer.id, Position.COMMITTEE)]
        assert Role.FARMER in db.session.get(User, farmer.id).role_set


def test_a_phone_number_that_names_someone_else_by_the_time_of_confirming_adds_nobody(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        group = make_organisation(name="กลุ่มผักบ้านนา")
        first = accounts.create_user(email=None, phone="0812345678", display_name="ลุงมี", password=PASSWORD)
    login(client, "coord@example.com", PASSWORD)
    page = f"/network/{group.id}"
    shown = post_form(client, f"{page}/members", {"member": "0812345678", "position": "member"}, page=page)
    confirm = _confirmation(shown.get_data(as_text=True))
    with app.app_context():  # meanwhile the number moves to another account
        db.session.get(User, first.id).phone = None
        second = accounts.create_user(email=None, phone="0812345678", display_name="ป้าศรี", password=PASSWORD)
        db.session.commit()
        second_id = second.id
    refused = client.post(f"{page}/members", data=confirm)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "เป็นของบัญชีอื่นแล้ว" in text
    assert 'id="confirm-member"' not in text and 'value="0812345678"' in text
    with app.app_context():
        assert db.session.get(Organisation, group.id).memberships == []
    # Asked again, the page names the account it is now, and that one is added once confirmed.
    again = post_form(client, f"{page}/members", {"member": "0812345678", "position": "member"}, page=page)
    assert "ป้าศรี" in again.get_data(as_text=True)
    assert client.post(f"{page}/members", data=_confirmation(again.get_data(as_text=True))).status_code == 302
    with app.app_context():
        assert [m.user_id for m in db.session.get(Organisation, group.id).memberships] == [second_id]
