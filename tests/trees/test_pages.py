"""The tree bank through real requests: registering, the offline measuring day's sync endpoint, the bank officer's
collateral register (page and CSV), pledges, price tables, and people who may not see or touch the trees."""
from __future__ import annotations

import csv
import io
import json
import uuid

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.trees.models import Measurement, Pledge, PriceTable, Tree, TreeStatus
from tests.certification.helpers import png
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user
from tests.trees.helpers import make_tree_bank


def _day(plot_code, *rows, confirmed=False, measured_on=None):
    return {"day": json.dumps({"measured_on": (measured_on or today()).isoformat(), "confirmed": confirmed, "rows": [
        {"client_uuid": client, "plot": plot_code, "tag": tag, "girth_cm": girth, "height_m": height, "photo": None}
        for client, tag, girth, height in rows]})}


def _sync(client, page, data, **kwargs):
    token = csrf_token(client, page)
    return client.post("/trees/sync", data=data, headers={"X-CSRFToken": token, "Accept": "application/json"},
                       **kwargs)


def test_a_measuring_day_sent_twice_is_stored_once_and_valued(client, given, app):
    with given():
        world = make_tree_bank()
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    body = client.get(page).get_data(as_text=True)
    assert "T-001" in body and "T-002" in body  # the tags travel with the page, for the phone to check offline
    rows = [(str(uuid.uuid4()), "T-001", 94.2, 12.5), (str(uuid.uuid4()), "T-002", 62.8, 9)]
    first = _sync(client, page, _day(world.plot.code, *rows))
    assert first.status_code == 201 and first.json["stored"] == 2
    again = _sync(client, page, _day(world.plot.code, *rows))  # the reply was lost; the phone sends again
    assert again.status_code == 200 and again.json["stored"] == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 2
    plot_page = client.get(f"/trees/plots/{world.plot.code}").get_data(as_text=True)
    assert "94.2" in plot_page and "฿" in plot_page


def test_a_much_smaller_girth_is_answered_with_a_question_and_stored_once_confirmed(client, given, app):
    with given():
        world = make_tree_bank()
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    from datetime import timedelta
    _sync(client, page, _day(world.plot.code, (str(uuid.uuid4()), "T-001", 90, 12),
                             measured_on=today() - timedelta(days=200)))
    typo = (str(uuid.uuid4()), "T-001", 9.0, 12)
    question = _sync(client, page, _day(world.plot.code, typo))
    assert question.status_code == 409 and question.json["code"] == "confirm" and "T-001" in question.json["message"]
    assert _sync(client, page, _day(world.plot.code, typo, confirmed=True)).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 2


def test_the_sync_refuses_strangers_bad_rows_and_requests_without_a_token(client, given, app):
    with given():
        world = make_tree_bank()
        make_user(email="stranger@example.com")
    row = (str(uuid.uuid4()), "T-001", 90, 12)
    assert client.post("/trees/sync", data=_day(world.plot.code, row)).status_code == 401
    login(client, "stranger@example.com", PASSWORD)
    assert client.get(f"/trees/plots/{world.plot.code}/measure").status_code == 404
    refused = _sync(client, "/", _day(world.plot.code, row))
    assert refused.status_code == 403
    post_form(client, "/logout", {}, page="/")
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    no_token = client.post("/trees/sync", data=_day(world.plot.code, row), headers={"Accept": "application/json"})
    assert no_token.status_code == 400 and no_token.json["code"] == "csrf"
    unknown = _sync(client, page, _day(world.plot.code, row, (str(uuid.uuid4()), "NOPE", 50, 5)))
    assert unknown.status_code == 400 and "NOPE" in unknown.json["message"]
    garbage = _sync(client, page, {"day": "{not json"})
    assert garbage.status_code == 400
    with app.app_context():  # the good row of the refused day was not stored either
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 0


def test_a_farmer_registers_a_tree_with_a_photo_and_a_stand_then_tags_it(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    url = f"/trees/plots/{world.plot.code}"
    made = post_form(client, f"{url}/trees", {"tag": "N-9", "species_id": str(world.teak.id), "planting_year": "2020",
                                              "latitude": "7.012345", "longitude": "100.456789",
                                              "photo": (io.BytesIO(png()), "tree.png")},
                     page=url, content_type="multipart/form-data")
    assert made.status_code == 302
    not_a_photo = post_form(client, f"{url}/trees", {"tag": "N-10", "species_id": str(world.teak.id),
                                                     "photo": (io.BytesIO(b"%PDF-1.4"), "tree.png")},
                            page=url, content_type="multipart/form-data")
    assert not_a_photo.status_code == 409
    assert "N-10" not in not_a_photo.get_data(as_text=True).split("<table")[1].split("</table>")[0]  # refused whole
    post_form(client, f"{url}/stands", {"species_id": str(world.teak.id), "count": "5", "planting_year": "2022"},
              page=url)
    with app.app_context():
        tree = db.session.scalar(sa.select(Tree).where(Tree.tag == "N-9"))
        assert tree.photo and str(tree.latitude) == "7.012345"
        assert db.session.scalar(sa.select(Tree).where(Tree.tag == "N-10")) is None  # refused whole
        from greensmile.trees.models import Stand
        stand_id = db.session.scalar(sa.select(Stand.id))
    assert client.get(f"/trees/{tree.id}/photo.jpg").status_code == 200
    post_form(client, f"/trees/stands/{stand_id}/split", {"tags": "S-1\nS-2\n"}, page=url)
    with app.app_context():
        from greensmile.trees.models import Stand
        assert db.session.get(Stand, stand_id).count == 3
        assert sorted(db.session.scalars(sa.select(Tree.tag).where(Tree.stand_id == stand_id))) == ["S-1", "S-2"]


def test_the_bank_officer_sees_the_register_pledges_and_a_pledged_tree_cannot_be_felled(client, given, app):
    with given():
        world = make_tree_bank()
        from greensmile.trees import services as trees
        trees.record_day(world.farmer, world.plot, today(), [
            trees.MeasurementData(str(uuid.uuid4()), "T-001", 94.2, 12.5)])
        other_farmer = make_user(email="neighbour@example.com")
        tree_id = world.trees[0].id
    login(client, "officer@bank.example", PASSWORD)
    register = client.get(f"/trees/farmers/{world.farmer.id}/register").get_data(as_text=True)
    assert "สมศรี ปลูกป่า" in register and "T-001" in register and "สัก" in register and "฿" in register
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/trees/farmers/{world.farmer.id}/register.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["tag"], r["girth_cm"], r["price_table_version"]) for r in rows] == [("T-001", "94.2", "1"),
                                                                                ("T-002", "", "")]
    tree_page = f"/trees/{tree_id}"
    assert post_form(client, f"{tree_page}/pledge", {"loan_reference": "LN-001", "pledged_on": today().isoformat()},
                     page=tree_page).status_code == 302
    post_form(client, "/logout", {}, page="/")

    login(client, "planter@example.com", PASSWORD)
    refused = post_form(client, f"{tree_page}/take-down", {"status": "felled", "reason": "ขาย"}, page=tree_page,
                        follow_redirects=True)
    assert "ธนาคารต้นไม้ทดสอบ" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Tree, tree_id).status is TreeStatus.STANDING
        pledge_id = db.session.scalar(sa.select(Pledge.id))
    # The farmer may not release the bank's pledge.
    assert post_form(client, f"/trees/pledges/{pledge_id}/release", {"released_on": today().isoformat()},
                     page=tree_page).status_code == 403
    post_form(client, "/logout", {}, page="/")

    login(client, "neighbour@example.com", PASSWORD)
    assert other_farmer and client.get(f"/trees/farmers/{world.farmer.id}/register").status_code == 404
    assert client.get(f"/trees/farmers/{world.farmer.id}/register.csv").status_code == 404
    assert client.get(tree_page).status_code == 404


def test_coordinators_load_price_tables_and_a_bad_file_is_reported_row_by_row(client, given, app):
    with given():
        make_tree_bank(prices="")
    login(client, "planter@example.com", PASSWORD)
    assert client.get("/trees/prices").status_code == 403
    post_form(client, "/logout", {}, page="/")
    login(client, "coordinator@example.com", PASSWORD)
    bad = post_form(client, "/trees/prices", {"source": "ราคาทดสอบ", "file": (
        io.BytesIO("species,min_girth_cm,baht_per_m3\nสัก,0,1000\nไม้ไม่มีจริง,0,5\n".encode()), "p.csv")},
        page="/trees/prices", content_type="multipart/form-data")
    assert bad.status_code == 400 and "แถวที่ 3:" in bad.get_data(as_text=True)  # the row is named, in Thai
    assert "ไม้ไม่มีจริง" in bad.get_data(as_text=True) and "แถวที่ 2:" not in bad.get_data(as_text=True)
    good = post_form(client, "/trees/prices", {"source": "ราคาทดสอบ", "file": (
        io.BytesIO("species,min_girth_cm,baht_per_m3\nสัก,0,1000\n".encode()), "p.csv")},
        page="/trees/prices", content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(PriceTable.version)).all() == [1]


def test_the_sync_answers_malformed_days_with_400_and_writes_nothing(client, given, app):
    with given():
        world = make_tree_bank()
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    code = world.plot.code

    def day(**row):
        base = {"client_uuid": str(uuid.uuid4()), "plot": code, "tag": "T-001", "girth_cm": 90, "height_m": 12,
                "photo": None}
        return {"day": json.dumps({"measured_on": today().isoformat(), "rows": [{**base, **row}]})}

    from datetime import timedelta
    for data in (day(girth_cm="NaN"), day(girth_cm="Infinity"), day(height_m="sNaN"), day(girth_cm=[1]),
                 day(girth_cm=0.01), day(girth_cm=1999.96), day(photo=["x"]), day(client_uuid="not-a-uuid"),
                 day(plot=12), {"day": json.dumps({"measured_on": today().isoformat(), "rows": "T-001"})},
                 {"day": json.dumps({"measured_on": (today() + timedelta(days=1)).isoformat(), "rows": [
                     {"client_uuid": str(uuid.uuid4()), "plot": code, "tag": "T-001", "girth_cm": 9,
                      "height_m": 1}]})},
                 {"day": json.dumps(["not", "a", "day"])}):
        answer = _sync(client, page, data)
        assert answer.status_code == 400 and answer.json["status"] == "error", (data, answer.status_code)
    twice = str(uuid.uuid4())
    repeated = {"day": json.dumps({"measured_on": today().isoformat(), "rows": [
        {"client_uuid": twice, "plot": code, "tag": tag, "girth_cm": 9, "height_m": 1} for tag in ("T-001", "T-002")]})}
    assert _sync(client, page, repeated).status_code == 400  # one id for two trees: refused, not half stored
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 0


def test_a_confirmation_must_be_meant(client, given, app):
    with given():
        world = make_tree_bank()
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    from datetime import timedelta
    _sync(client, page, _day(world.plot.code, (str(uuid.uuid4()), "T-001", 90, 12),
                             measured_on=today() - timedelta(days=30)))
    typo = _day(world.plot.code, (str(uuid.uuid4()), "T-001", 9, 12))
    payload = json.loads(typo["day"])
    payload["confirmed"] = "false"  # a string is not a yes
    assert _sync(client, page, {"day": json.dumps(payload)}).status_code == 409


def test_another_bank_sees_the_tree_bank_but_not_its_loans_and_no_farmer_s_other_trees(client, given, app):
    from greensmile.accounts.models import Role
    from greensmile.network import services as network
    from greensmile.network.models import OrganisationKind, Position
    from greensmile.plots.models import PlotType
    from greensmile.trees import services as trees
    from tests.factories import make_organisation, make_plot

    with given():
        world = make_tree_bank()
        trees.pledge(world.officer, world.trees[0], world.bank, "LN-SECRET-9", today())
        rival = make_organisation(OrganisationKind.BANK, name="ธนาคารอื่น")
        make_user(email="rival@bank.example")
        network.add_member(rival, "rival@bank.example", Position.MEMBER, world.coordinator)
        home = make_plot(world.farmer, plot_type=PlotType.FRUIT, crops=["มะม่วง"])  # no tree-bank group
        own = trees.register_tree(world.farmer, home, trees.TreeData("M-1", world.teak.id))
        pledge_id = db.session.scalar(sa.select(Pledge.id))
    login(client, "rival@bank.example", PASSWORD)
    register = client.get(f"/trees/farmers/{world.farmer.id}/register").get_data(as_text=True)
    assert "T-001" in register and "ธนาคารต้นไม้ทดสอบ" in register  # pledged, and to whom
    assert "LN-SECRET-9" not in register and "M-1" not in register  # but not the loan, nor the home garden
    assert "LN-SECRET-9" not in client.get(f"/trees/farmers/{world.farmer.id}/register.csv").get_data(as_text=True)
    assert "LN-SECRET-9" not in client.get(f"/trees/{world.trees[0].id}").get_data(as_text=True)
    assert client.get(f"/trees/{own.id}").status_code == 404
    with given():
        stranger = make_user(Role.FARMER, email="gardener@example.com", display_name="ชาวสวน บ้านเดี่ยว")
        garden = make_plot(stranger, plot_type=PlotType.FRUIT, crops=["มะม่วง"])
        trees.register_tree(stranger, garden, trees.TreeData("G-1", world.teak.id))
    listed = client.get("/trees").get_data(as_text=True)
    assert "สมศรี ปลูกป่า" in listed and "ชาวสวน บ้านเดี่ยว" not in listed  # only the tree bank's farmers
    tree_page = f"/trees/{world.trees[0].id}"
    assert post_form(client, f"/trees/pledges/{pledge_id}/release", {"released_on": today().isoformat()},
                     page=tree_page).status_code == 403  # another bank's pledge
    refused = post_form(client, f"/trees/{own.id}/pledge", {"loan_reference": "X", "pledged_on": today().isoformat()},
                        page=tree_page)
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).released_on is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1


def test_a_tree_bank_group_with_fewer_than_nine_on_its_committee_is_warned(client, given, app):
    from greensmile.network import services as network
    from greensmile.network.models import Position

    with given():
        world = make_tree_bank()
        for n in range(8):
            make_user(email=f"committee{n}@example.com")
            network.add_member(world.group, f"committee{n}@example.com", Position.COMMITTEE, world.coordinator)
    login(client, "coordinator@example.com", PASSWORD)
    page = f"/network/{world.group.id}"
    assert "data-committee-warning" in client.get(page).get_data(as_text=True)  # 8 of the 9 the bank asks for
    with given():
        make_user(email="committee8@example.com")
        network.add_member(world.group, "committee8@example.com", Position.COMMITTEE, world.coordinator)
    assert "data-committee-warning" not in client.get(page).get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    login(client, "committee0@example.com", PASSWORD)  # the committee sees it on the tree bank's page too
    assert "คณะกรรมการมี 9 คน" in client.get("/trees").get_data(as_text=True)


def test_a_photo_taken_with_a_measurement_is_kept_and_a_file_that_is_no_photo_refuses_the_day(client, given, app):
    with given():
        world = make_tree_bank()
        make_user(email="stranger@example.com")
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"

    def day(tag, photo_bytes):
        client_uuid = str(uuid.uuid4())
        body = {"measured_on": today().isoformat(), "rows": [
            {"client_uuid": client_uuid, "plot": world.plot.code, "tag": tag, "girth_cm": 70, "height_m": 9,
             "photo": "photo-0"}]}
        return {"day": json.dumps(body), "photo-0": (io.BytesIO(photo_bytes), "photo-0.jpg")}

    refused = _sync(client, page, day("T-002", b"GIF89a not really"), content_type="multipart/form-data")
    assert refused.status_code == 400
    stored = _sync(client, page, day("T-001", png()), content_type="multipart/form-data")
    assert stored.status_code == 201
    with app.app_context():
        (measured,) = db.session.scalars(sa.select(Measurement)).all()  # the refused day left nothing
        assert measured.photo
    assert client.get(f"/trees/measurements/{measured.id}.jpg").headers["Content-Type"] == "image/jpeg"
    post_form(client, "/logout", {}, page="/")
    login(client, "stranger@example.com", PASSWORD)
    assert client.get(f"/trees/measurements/{measured.id}.jpg").status_code == 404


def test_strangers_are_refused_the_photo_the_stand_the_group_day_and_take_down(client, given, app):
    from greensmile.trees import services as trees
    from greensmile.trees.models import Stand

    with given():
        world = make_tree_bank()
        trees.set_tree_photo(world.farmer, world.trees[0], png())
        stand = trees.register_stand(world.farmer, world.plot, world.teak.id, 4, 2020)
        make_user(email="stranger@example.com")
    login(client, "stranger@example.com", PASSWORD)
    tree_url = f"/trees/{world.trees[0].id}"
    assert client.get(f"{tree_url}/photo.jpg").status_code == 404
    assert client.get(f"/trees/groups/{world.group.id}/measure").status_code == 404
    assert client.get(f"/trees/plots/{world.plot.code}").status_code == 404
    for url, data in ((f"{tree_url}/photo", {"photo": (io.BytesIO(png()), "x.png")}),
                      (f"{tree_url}/take-down", {"status": "felled", "reason": "ขโมยตัด"}),
                      (f"/trees/stands/{stand.id}/split", {"tags": "X-1"}),
                      (f"/trees/plots/{world.plot.code}/trees", {"tag": "X-2", "species_id": str(world.teak.id)}),
                      (f"/trees/plots/{world.plot.code}/stands", {"species_id": str(world.teak.id), "count": "3"})):
        assert post_form(client, url, data, page="/", content_type="multipart/form-data").status_code == 404, url
    with app.app_context():
        assert db.session.get(Tree, world.trees[0].id).status is TreeStatus.STANDING
        assert db.session.get(Stand, stand.id).count == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Tree)) == 2


def test_the_register_csv_never_hands_a_spreadsheet_a_formula(client, given, app):
    from greensmile.trees import services as trees

    with given():
        world = make_tree_bank(tags=("=HYPERLINK(1)",))
        trees.pledge(world.officer, world.trees[0], world.bank, "+LN-1", today())
    login(client, "planter@example.com", PASSWORD)
    (row,) = csv.DictReader(io.StringIO(client.get(f"/trees/farmers/{world.farmer.id}/register.csv")
                                        .get_data(as_text=True).lstrip("\ufeff")))
    assert (row["tag"], row["loan_reference"], row["species"]) == ("'=HYPERLINK(1)", "'+LN-1", "สัก")


def test_only_the_lending_bank_releases_a_pledge_not_a_coordinator(client, given, app):
    """Once released the tree may be felled: the bank's security is the bank's to give up."""
    with given():
        world = make_tree_bank()
        from greensmile.trees import services as trees
        trees.pledge(world.officer, world.trees[0], world.bank, "LN-77", today())
        pledge_id = db.session.scalar(sa.select(Pledge.id))
    tree_page = f"/trees/{world.trees[0].id}"
    login(client, "coordinator@example.com", PASSWORD)
    page = client.get(tree_page).get_data(as_text=True)
    assert f"/trees/pledges/{pledge_id}/release" not in page  # no button to press
    assert post_form(client, f"/trees/pledges/{pledge_id}/release", {"released_on": today().isoformat()},
                     page=tree_page).status_code == 403
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).released_on is None
    post_form(client, "/logout", {}, page="/")
    login(client, "officer@bank.example", PASSWORD)
    assert post_form(client, f"/trees/pledges/{pledge_id}/release", {"released_on": today().isoformat()},
                     page=tree_page).status_code == 302
    with app.app_context():
        assert db.session.get(Pledge, pledge_id).released_on == today()
