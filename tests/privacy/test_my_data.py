""""Download my data": a ZIP of JSON and CSV holding every table that references the person (found by walking the
models' foreign keys to users), their plots' and orders' records, and the photos they uploaded; never a secret.
A coordinator makes it for a farmer without e-mail, and that leaves a line in the farmer's access log."""
from __future__ import annotations

import io
import json
import zipfile

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.privacy.models import AccessKind, AccessLog
from tests.certification.helpers import png
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user


def _tables_referencing_users(app) -> set[str]:
    with app.app_context():
        return {table.name for table in db.metadata.sorted_tables
                if any(key.column.table.name == "users" for key in table.foreign_keys)}


def _download(client, path: str) -> zipfile.ZipFile:
    token = csrf_token(client, path)
    answer = client.post(path, data={"csrf_token": token})
    assert answer.status_code == 200 and answer.mimetype == "application/zip", answer.status_code
    assert "attachment" in answer.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(answer.get_data()))


def test_my_data_holds_every_table_that_references_me_and_no_secret(client, given, app):
    from tests.orders.helpers import make_market

    with given():
        market = make_market()
        from greensmile.plots import services as plots

        plots.add_photo(market.farmer, market.cycle.plot, png((800, 600)), "แปลงผักหน้าฝน")
        farmer_email = market.farmer.email
        plot_code = market.cycle.plot.code
    login(client, farmer_email, PASSWORD)
    archive = _download(client, "/account/data")
    names = set(archive.namelist())
    manifest = json.loads(archive.read("manifest.json"))
    for table in _tables_referencing_users(app) | {"users"}:  # every one, even when empty
        assert f"json/{table}.json" in names and f"csv/{table}.csv" in names, table
        assert table in manifest["tables"]
    (me,) = json.loads(archive.read("json/users.json"))
    assert me["email"] == farmer_email and "password_hash" not in me and "session_token" not in me
    assert all("token_hash" not in row for row in json.loads(archive.read("json/user_sessions.json")))
    plots_rows = json.loads(archive.read("json/plots.json"))
    assert [row["code"] for row in plots_rows] == [plot_code]
    assert json.loads(archive.read("json/plots.certifications.json"))  # their plot's certification record
    assert json.loads(archive.read("json/listings.json"))  # what they sell
    photos = [name for name in names if name.startswith("photos/plots/")]
    assert len(photos) == 1 and archive.read(photos[0])[:2] == b"\xff\xd8"  # the JPEG they uploaded
    assert "แปลงผักหน้าฝน" in archive.read("csv/plots.plot_photos.csv").decode("utf-8-sig")


def test_a_coordinator_makes_it_for_a_farmer_without_email_and_it_is_logged(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email=None, display_name="สมใจ ไม่มีอีเมล", phone="0811112222")
        make_user(Role.FARMER, email="other@example.com")
        farmer_id = farmer.id
    login(client, "other@example.com", PASSWORD)
    page = "/account"
    token = csrf_token(client, page)
    assert client.post(f"/users/{farmer_id}/data", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "coord@example.com", PASSWORD)
    archive = _download(client, f"/users/{farmer_id}/data")
    (row,) = json.loads(archive.read("json/users.json"))
    assert row["display_name"] == "สมใจ ไม่มีอีเมล" and row["phone"] == "0811112222"
    with app.app_context():
        kinds = db.session.scalars(sa.select(AccessLog.kind).where(AccessLog.subject_id == farmer_id)).all()
        assert AccessKind.EXPORT in kinds


def test_a_coordinators_own_data_holds_what_they_did_not_the_others_data(client, given, app):
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com", address="12 หมู่ 3 บ้านลับ")
        from greensmile.privacy import services as privacy
        from greensmile.privacy.models import Purpose

        privacy.record(farmer, Purpose.FARM_DIRECTORY, True, coordinator)  # the coordinator recorded the farmer's
    login(client, "coord@example.com", PASSWORD)
    archive = _download(client, "/account/data")
    (row,) = json.loads(archive.read("json/consents.json"))
    assert row["as"] == "actor" and set(row) == {"id", "created_at", "recorded_by_id", "as"}
    assert "12 หมู่ 3" not in archive.read("csv/consents.csv").decode("utf-8-sig")
    assert "as" in archive.read("csv/consents.csv").decode("utf-8-sig").splitlines()[0]


def test_a_coordinators_change_to_a_farmers_plot_does_not_bring_the_farmers_phone_into_their_data(client, given):
    from tests.factories import make_plot

    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com", phone="0899998888")
        plot = make_plot(farmer, name="แปลงเดิม")
        from greensmile.plots import services as plots

        data = plots.PlotData(district_id=plot.district_id, area_m2=plot.area_m2, plot_type=plot.plot_type,
                              name="แปลงใหม่", crop_ids=[crop.id for crop in plot.crops])
        plots.update_plot(coordinator, plot, data)
    login(client, "coord@example.com", PASSWORD)
    archive = _download(client, "/account/data")
    rows = json.loads(archive.read("json/plot_changes.json"))
    assert rows and all(row["as"] == "actor" for row in rows)
    assert all(b"0899998888" not in archive.read(name) for name in archive.namelist())


def test_a_large_download_is_made_by_the_worker_and_only_its_people_get_it(client, given, app, monkeypatch):
    from greensmile.jobs import services as jobs
    from greensmile.notifications.models import Notification
    from greensmile.privacy import export
    from greensmile.privacy.models import DataExport, ExportStatus

    monkeypatch.setitem(app.config, "PRIVACY_EXPORT_INLINE_ROWS", 3)
    with given():
        coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com", display_name="สมใจ ข้อมูลเยอะ")
        without_email = make_user(Role.FARMER, email=None, display_name="ลุงไม่มีอีเมล")
        make_user(Role.FARMER, email="other@example.com")
        from greensmile.privacy import services as privacy
        from greensmile.privacy.models import Purpose

        for purpose in (Purpose.PUBLIC_NAME, Purpose.FARM_DIRECTORY, Purpose.PEOPLE_PHOTOS):
            privacy.record(farmer, purpose, True, farmer)
            privacy.record(without_email, purpose, True, coordinator)
        farmer_id, without_id = farmer.id, without_email.id
    login(client, "farmer@example.com", PASSWORD)
    asked = client.post("/account/data", data={"csrf_token": csrf_token(client, "/account/data")})
    assert asked.status_code == 302 and asked.location == "/account/data"  # not a file: it is being made
    assert "กำลังจัดทำ" in client.get("/account/data").get_data(as_text=True)
    with app.app_context():
        assert jobs.run_once("test", kinds=[export.KIND]) == 1
        made = db.session.scalar(sa.select(DataExport).where(DataExport.user_id == farmer_id))
        assert made.status is ExportStatus.READY and made.size > 0 and made.expires_at > made.finished_at
        assert db.session.scalar(sa.select(Notification.user_id).where(
            Notification.kind == "privacy.export_ready")) == farmer_id
        made_id = made.id
    page = client.get("/account/data").get_data(as_text=True)
    assert f"/account/data/{made_id}.zip" in page
    answer = client.get(f"/account/data/{made_id}.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    assert len(json.loads(archive.read("json/consents.json"))) == 3
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "other@example.com", PASSWORD)
    assert client.get(f"/account/data/{made_id}.zip").status_code == 404  # not theirs
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "coord@example.com", PASSWORD)  # for a farmer without e-mail: the coordinator gets it
    assert client.get(f"/account/data/{made_id}.zip").status_code == 404
    asked = client.post(f"/users/{without_id}/data", data={"csrf_token": csrf_token(client, f"/users/{without_id}")})
    assert asked.status_code == 302 and asked.location == "/account/data"
    with app.app_context():
        assert jobs.run_once("test", kinds=[export.KIND]) == 1
        theirs = db.session.scalar(sa.select(DataExport).where(DataExport.user_id == without_id))
        assert theirs.requested_by_id != without_id and theirs.status is ExportStatus.READY
        kinds = db.session.scalars(sa.select(AccessLog.kind).where(AccessLog.subject_id == without_id)).all()
        assert AccessKind.EXPORT in kinds
    page = client.get("/account/data").get_data(as_text=True)
    assert "ลุงไม่มีอีเมล" in page and f"/account/data/{theirs.id}.zip" in page
    assert client.get(f"/account/data/{theirs.id}.zip").status_code == 200
