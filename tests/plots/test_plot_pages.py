from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.network.models import OrganisationKind
from greensmile.plots.models import Plot, PlotChange
from tests.conftest import login, post_form
from tests.factories import PASSWORD, add_member, crop, district, make_organisation, make_plot, make_user

FORM = {
    "name": "แปลงหลังบ้าน",
    "group_id": "0",
    "plot_type": "vegetables",
    "subdistrict": "คอหงส์",
    "village": "บ้านทุ่งรี",
    "latitude": "7.0086",
    "longitude": "100.4747",
    "area_unit": "rai",
    "area_rai": "1",
    "area_ngan": "2",
    "area_wa": "50",
    "water_source": "บ่อบาดาล",
}


def _plot(app, code):
    with app.app_context():
        return db.session.scalar(sa.select(Plot).where(Plot.code == code))


def test_farmer_registers_a_plot_in_rai_ngan_wa(client, given, app):
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
        hat_yai = district()
        kale = crop("คะน้า", "Chinese kale")
    login(client, "farmer@example.com", PASSWORD)
    response = post_form(client, "/plots/new", {**FORM, "district_id": str(hat_yai.id), "crops": [str(kale.id)]})
    assert response.status_code == 302, response.get_data(as_text=True)
    code = response.headers["Location"].rsplit("/", 1)[1]
    plot = _plot(app, code)
    # 1 rai 2 ngan 50 square wa = 1,600 + 800 + 200 m²
    assert plot.area_m2 == Decimal("2600.00")
    assert plot.latitude == Decimal("7.008600")
    page = client.get(f"/plots/{code}").get_data(as_text=True)
    assert "แปลงหลังบ้าน" in page and "1 ไร่ 2 งาน 50.0 ตารางวา" in page and "คะน้า" in page


def test_bad_plot_input_is_refused_and_nothing_is_saved(client, given, app):
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
        hat_yai = district()
    login(client, "farmer@example.com", PASSWORD)
    cases = [
        ({"latitude": "70.1"}, "ละติจูดนี้ไม่อยู่ในประเทศไทย"),
        ({"longitude": ""}, "กรอกทั้งละติจูดและลองจิจูด หรือเว้นว่างทั้งคู่"),
        ({"area_rai": "0", "area_ngan": "0", "area_wa": "0"}, "โปรดกรอกพื้นที่แปลง"),
        ({"area_unit": "m2", "area_m2": "0.001"}, "โปรดกรอกพื้นที่แปลง"),  # rounds to 0.00 m²
        ({"area_unit": "m2", "area_m2": "999999999"}, "พื้นที่ต้องมากกว่า 0 และไม่เกิน 100,000 ไร่"),
        ({"area_ngan": "7"}, "ตัวเลขต้องอยู่ระหว่าง 0 ถึง 3"),
        ({"latitude": "เจ็ด"}, "ตัวเลขไม่ถูกต้อง"),
        ({"plot_type": "spaceship"}, "ตัวเลือกไม่ถูกต้อง"),
    ]
    for change, message in cases:
        response = post_form(client, "/plots/new", {**FORM, "district_id": str(hat_yai.id), **change})
        assert response.status_code == 200, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 0


def test_a_farmer_cannot_edit_or_see_another_farmers_plot(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        make_user(Role.FARMER, email="other@example.com")
        plot = make_plot(owner, name="แปลงของเจ้าของ")
    login(client, "other@example.com", PASSWORD)
    assert client.get(f"/plots/{plot.code}").status_code == 403
    assert client.get(f"/plots/{plot.code}/edit").status_code == 403
    response = post_form(
        client, f"/plots/{plot.code}/edit", {**FORM, "district_id": str(plot.district_id)}, page="/plots/new"
    )
    assert response.status_code == 403
    assert _plot(app, plot.code).name == "แปลงของเจ้าของ"
    assert "แปลงของเจ้าของ" not in client.get("/plots").get_data(as_text=True)


def test_group_members_see_but_do_not_edit_and_coordinators_edit(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        owner = make_user(Role.FARMER, email="owner@example.com")
        neighbour = make_user(Role.FARMER, email="neighbour@example.com")
        group = make_organisation(OrganisationKind.PGS_GROUP)
        add_member(group, owner, coordinator)
        add_member(group, neighbour, coordinator)
        plot = make_plot(owner, group, name="แปลงกลุ่ม")
    login(client, "neighbour@example.com", PASSWORD)
    assert client.get(f"/plots/{plot.code}").status_code == 200
    assert "แปลงกลุ่ม" in client.get("/plots").get_data(as_text=True)
    assert client.get(f"/plots/{plot.code}/edit").status_code == 403
    post_form(client, "/logout", {}, page="/")

    login(client, "coord@example.com", PASSWORD)
    edited = post_form(client, f"/plots/{plot.code}/edit", {
        **FORM, "name": "แปลงกลุ่ม (แก้)", "group_id": str(group.id), "district_id": str(plot.district_id),
        "area_unit": "m2", "area_m2": "1600",
    })
    assert edited.status_code == 302
    with app.app_context():
        saved = db.session.scalar(sa.select(Plot).where(Plot.code == plot.code))
        assert saved.name == "แปลงกลุ่ม (แก้)"
        latest = saved.changes[0]
        assert latest.action == "updated" and latest.user_id == coordinator.id
        assert latest.changes["name"] == ["แปลงกลุ่ม", "แปลงกลุ่ม (แก้)"]
        assert "area_m2" not in latest.changes  # 1,600 m² before and after: not a change


def test_history_keeps_every_change_in_order(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner, name="เดิม")
    login(client, "owner@example.com", PASSWORD)
    for name in ("ครั้งที่หนึ่ง", "ครั้งที่สอง"):
        post_form(client, f"/plots/{plot.code}/edit", {
            **FORM, "name": name, "district_id": str(plot.district_id), "area_unit": "m2", "area_m2": "1600",
        })
    page = client.get(f"/plots/{plot.code}").get_data(as_text=True)
    assert page.index("ครั้งที่สอง") < page.index("ครั้งที่หนึ่ง")  # newest first
    with app.app_context():
        actions = db.session.scalars(
            sa.select(PlotChange.action).where(PlotChange.plot_id == plot.id).order_by(PlotChange.id)
        ).all()
    assert actions == ["created", "updated", "updated"]


def test_plot_codes_in_addresses_ignore_case_and_typos_are_404(client, given):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner)
    login(client, "owner@example.com", PASSWORD)
    assert client.get(f"/plots/{plot.code.lower()}").status_code == 200
    typo = plot.code[:-1] + ("A" if plot.code[-1] != "A" else "B")
    assert client.get(f"/plots/{typo}").status_code == 404


def test_coordinator_registers_a_plot_for_a_farmer_by_phone(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = accounts.create_user(email=None, display_name="ลุงดำ", phone="0891112222", roles=(Role.FARMER,))
        hat_yai = district()
    login(client, "coord@example.com", PASSWORD)
    response = post_form(client, "/plots/new", {**FORM, "owner": "089-111-2222", "district_id": str(hat_yai.id)})
    assert response.status_code == 302
    assert _plot(app, response.headers["Location"].rsplit("/", 1)[1]).owner_id == farmer.id
    unknown = post_form(client, "/plots/new", {**FORM, "owner": "0800000000", "district_id": str(hat_yai.id)})
    assert "ไม่มีบัญชีเกษตรกรที่ใช้อีเมลหรือหมายเลขโทรศัพท์นี้" in unknown.get_data(as_text=True)


def test_a_farmer_cannot_put_a_plot_in_a_group_they_are_not_in(client, given, app):
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
        other_group = make_organisation(OrganisationKind.PGS_GROUP)
        hat_yai = district()
    login(client, "farmer@example.com", PASSWORD)
    response = post_form(client, "/plots/new", {**FORM, "group_id": str(other_group.id), "district_id": str(hat_yai.id)})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 0


def test_consumers_cannot_register_plots(client, given):
    with given():
        make_user(Role.CONSUMER, email="consumer@example.com")
    login(client, "consumer@example.com", PASSWORD)
    assert client.get("/plots/new").status_code == 403
