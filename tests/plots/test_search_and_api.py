import re
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.network.models import OrganisationKind
from greensmile.plots.models import PlotChange, PlotType
from tests.conftest import login, post_form
from tests.factories import PASSWORD, add_member, crop, district, make_organisation, make_plot, make_user


@contextmanager
def counting_queries(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _many_plots(coordinator_email: str, count: int):
    coordinator = make_user(Role.COORDINATOR, email=coordinator_email)
    group = make_organisation(OrganisationKind.PGS_GROUP)
    for n in range(count):
        farmer = make_user(Role.FARMER)
        add_member(group, farmer, coordinator)
        make_plot(farmer, group, crops=["ผักบุ้ง", "คะน้า", f"พืช {n % 4}"], village=f"หมู่บ้าน {n}")


def test_the_list_page_runs_the_same_number_of_queries_for_any_length(client, given, app):
    with given():
        _many_plots("coord@example.com", 5)
    login(client, "coord@example.com", PASSWORD)
    client.get("/plots")  # warm up: the session's first page loads the account
    with counting_queries(app) as few:
        assert client.get("/plots").status_code == 200
    with given():
        for n in range(40):
            make_plot(make_user(Role.FARMER), crops=["ผักบุ้ง", f"พืช {n}"])
    with counting_queries(app) as many:
        body = client.get("/plots").get_data(as_text=True)
    assert "45 แปลง" in body
    assert len(many) == len(few), (len(few), len(many))


def test_search_by_thai_substring_and_filters(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        khuan = district("9013", "ควนเนียง", "Khuan Niang")
        hat_yai = district("9011", "หาดใหญ่", "Hat Yai")
        somchai = make_user(Role.FARMER, display_name="สมชาย ปลูกผัก")
        malee = make_user(Role.FARMER, display_name="มาลี สวนผลไม้")
        make_plot(somchai, district_id=khuan.id, village="บ้านควนเนียงใน", crops=["คะน้า"])
        make_plot(malee, district_id=hat_yai.id, village="บ้านคลองแห", crops=["ทุเรียน"], plot_type=PlotType.FRUIT)
    login(client, "coord@example.com", PASSWORD)

    def names(**query):
        body = client.get("/plots", query_string=query).get_data(as_text=True)
        return {name for name in ("สมชาย ปลูกผัก", "มาลี สวนผลไม้") if name in body}

    assert names(q="ปลูก") == {"สมชาย ปลูกผัก"}
    assert names(q="คลองแห") == {"มาลี สวนผลไม้"}
    assert names(district=str(khuan.id)) == {"สมชาย ปลูกผัก"}
    assert names(plot_type="fruit") == {"มาลี สวนผลไม้"}
    assert names(q="สวนผลไม้", district=str(khuan.id)) == set()
    assert names() == {"สมชาย ปลูกผัก", "มาลี สวนผลไม้"}


def test_api_gives_anonymous_callers_no_personal_details(client, given):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com", phone="0812223344")
        plot = make_plot(owner, latitude=Decimal("7.123456"), longitude=Decimal("100.654321"),
                         notes="กุญแจอยู่ใต้กระถาง")
    anonymous = client.get(f"/api/v1/plots/{plot.code.lower()}").get_json()
    assert anonymous["code"] == plot.code
    assert "phone" not in anonymous["farmer"] and "notes" not in anonymous
    assert anonymous["location"]["latitude"] == 7.12 and anonymous["location"]["coordinates"] == "approximate"
    assert "0812223344" not in client.get("/api/v1/plots").get_data(as_text=True)

    login(client, "owner@example.com", PASSWORD)
    mine = client.get(f"/api/v1/plots/{plot.code}").get_json()
    assert mine["farmer"]["phone"] == "0812223344" and mine["notes"] == "กุญแจอยู่ใต้กระถาง"
    assert mine["location"]["latitude"] == 7.123456


def test_api_other_farmers_get_the_public_view(client, given):
    with given():
        owner = make_user(Role.FARMER, phone="0812223344")
        make_user(Role.FARMER, email="nosy@example.com")
        plot = make_plot(owner)
    login(client, "nosy@example.com", PASSWORD)
    assert "phone" not in client.get(f"/api/v1/plots/{plot.code}").get_json()["farmer"]


def test_api_list_filters_pages_and_refuses_bad_filters(client, given):
    with given():
        hat_yai = district("9011", "หาดใหญ่", "Hat Yai")
        for n in range(5):
            make_plot(make_user(Role.FARMER), district_id=hat_yai.id, crops=["คะน้า"])
        make_plot(make_user(Role.FARMER), district_id=district("9013", "ควนเนียง", "Khuan Niang").id,
                  plot_type=PlotType.RICE, crops=["ข้าว"])
    first = client.get("/api/v1/plots?district=9011&per_page=2").get_json()
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next"]
    assert all(item["location"]["district"]["code"] == "9011" for item in first["items"])
    assert client.get("/api/v1/plots?plot_type=rice").get_json()["total"] == 1
    for bad in ("district=9999", "plot_type=spaceship", "page=abc", "crop=x"):
        response = client.get(f"/api/v1/plots?{bad}")
        assert response.status_code == 400 and response.get_json()["error"]["status"] == 400, bad
    assert client.get("/api/v1/plots/NOPE12").status_code == 404


def test_supply_dashboard_answers_who_grows_what_where(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        khuan = district("9013", "ควนเนียง", "Khuan Niang")
        hat_yai = district("9011", "หาดใหญ่", "Hat Yai")
        grower = make_user(Role.FARMER, display_name="คนปลูกคะน้า", phone="0861234567")
        make_plot(grower, district_id=khuan.id, crops=["คะน้า"], area_m2=Decimal(3200))
        make_plot(make_user(Role.FARMER, display_name="คนปลูกที่อื่น"), district_id=hat_yai.id, crops=["คะน้า"])
        make_plot(make_user(Role.FARMER, display_name="คนปลูกข้าว"), district_id=khuan.id, crops=["ข้าว"],
                  plot_type=PlotType.RICE)
        kale = crop("คะน้า")
    login(client, "coord@example.com", PASSWORD)
    body = client.get("/plots/dashboard").get_data(as_text=True)
    cells = lambda label: re.search(  # noqa: E731
        rf"<td>{label}</td><td class=\"num\">(\d+)</td><td class=\"num\">([\d.,]+)</td><td class=\"num\">(\d+)</td>",
        body).groups()
    assert cells("ควนเนียง") == ("2", "3.0", "2")  # 2 plots: 2 rai + 1 rai, 2 farmers
    assert cells("หาดใหญ่") == ("1", "1.0", "1")
    assert cells("คะน้า") == ("2", "3.0", "2")
    assert cells("ข้าว") == ("1", "1.0", "1")
    assert re.search(r"<strong>3</strong> แปลง", body) and re.search(r"<strong>4.0</strong> ไร่", body)
    found = client.get("/plots/dashboard", query_string={"crop": kale.id, "district": khuan.id}).get_data(as_text=True)
    assert "คนปลูกคะน้า" in found and "0861234567" in found
    assert "คนปลูกที่อื่น" not in found and "คนปลูกข้าว" not in found


def test_dashboard_is_for_coordinators(client, given):
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/plots/dashboard").status_code == 403


def test_percent_and_underscore_in_a_search_are_taken_literally(client, given):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_plot(make_user(Role.FARMER, display_name="ธรรมดา"), village="บ้านธรรมดา")
        make_plot(make_user(Role.FARMER, display_name="พิเศษ"), village="บ้าน 100%_ดี")
    login(client, "coord@example.com", PASSWORD)
    body = client.get("/plots", query_string={"q": "%"}).get_data(as_text=True)
    assert "พิเศษ" in body and "ธรรมดา" not in body
    body = client.get("/plots", query_string={"q": "_"}).get_data(as_text=True)
    assert "พิเศษ" in body and "ธรรมดา" not in body


def test_editing_without_changes_records_no_history(client, given, app):
    with given():
        owner = make_user(Role.FARMER, email="owner@example.com")
        plot = make_plot(owner, area_m2=Decimal("2004.37"), name="เดิม")
    login(client, "owner@example.com", PASSWORD)
    page = client.get(f"/plots/{plot.code}/edit").get_data(as_text=True)
    assert 'value="2004.37"' in page and 'id="area_rai"' in page
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page))
    fields.pop("csrf_token", None)
    fields.update({"area_unit": "m2", "district_id": str(plot.district_id), "plot_type": "vegetables",
                   "group_id": "0", "crops": [re.search(r'value="(\d+)"', tag).group(1)
                             for tag in re.findall(r'<input[^>]*name="crops"[^>]*>', page) if "checked" in tag]})
    assert fields["crops"]
    assert post_form(client, f"/plots/{plot.code}/edit", fields).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotChange)
                                 .where(PlotChange.plot_id == plot.id)) == 1  # only "created"


def test_group_members_get_the_full_view_and_their_list_costs_fixed_queries(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR)
        group = make_organisation(OrganisationKind.PGS_GROUP)
        member = make_user(Role.FARMER, email="member@example.com")
        add_member(group, member, coordinator)
        owner = make_user(Role.FARMER, phone="0865554433")
        add_member(group, owner, coordinator)
        plot = make_plot(owner, group, latitude=Decimal("7.123456"), longitude=Decimal("100.654321"))
        make_plot(make_user(Role.FARMER), village="นอกกลุ่ม")
    login(client, "member@example.com", PASSWORD)
    seen = client.get(f"/api/v1/plots/{plot.code}").get_json()
    assert seen["farmer"]["phone"] == "0865554433" and seen["location"]["latitude"] == 7.123456
    client.get("/plots")
    with counting_queries(app) as few:
        body = client.get("/plots").get_data(as_text=True)
    assert plot.code in body and "นอกกลุ่ม" not in body
    with given():
        for _ in range(30):
            farmer = make_user(Role.FARMER)
            add_member(group, farmer, coordinator)
            make_plot(farmer, group)
    with counting_queries(app) as many:
        assert "31 แปลง" in client.get("/plots").get_data(as_text=True)
    assert len(many) == len(few)
