import base64
import json
import uuid
from datetime import date, timedelta

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification import residue, services
from greensmile.certification.models import (
    Answer,
    Application,
    ApplicationStatus,
    Assignment,
    Certification,
    CertStatus,
    ChecklistItem,
    Inspection,
    Outcome,
    ResidueMethod,
    ResidueResult,
    ResidueTest,
    StandardVersion,
)
from greensmile.extensions import db
from tests.certification.helpers import apply_for, certified, make_cycle, png, submission, through_inspection
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user

SIGNATURE = "data:image/png;base64," + base64.b64encode(png()).decode()


def _logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_a_farmer_applies_with_a_signature_and_others_cannot(client, given, app):
    with given():
        cycle = make_cycle()
        make_user(Role.FARMER, email="stranger@example.com")
    login(client, "stranger@example.com", PASSWORD)
    assert client.get(f"/plots/{cycle.plot.code}/apply").status_code == 403
    _logout(client)

    login(client, "farmer@example.com", PASSWORD)
    empty = post_form(client, f"/plots/{cycle.plot.code}/apply", {"pledge_kind": "signature", "signature": ""})
    assert "โปรดลงลายมือชื่อในกรอบ" in empty.get_data(as_text=True)
    witnessed = post_form(client, f"/plots/{cycle.plot.code}/apply", {"pledge_kind": "witnessed", "witness_name": ""})
    assert "โปรดเพิ่มรูปถ่ายการให้คำมั่น" in witnessed.get_data(as_text=True)
    response = post_form(client, f"/plots/{cycle.plot.code}/apply", {"pledge_kind": "signature", "signature": SIGNATURE})
    assert response.status_code == 302
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.status is ApplicationStatus.SUBMITTED and application.pledge_kind.value == "signature"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "รอมอบหมายผู้ตรวจ" in page
    assert client.get(f"/applications/{application.id}/pledge.jpg").status_code == 200


def test_coordinator_assigns_and_a_conflict_is_refused_with_its_reason(client, given, app):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        neighbour = make_user(Role.INSPECTOR, email="neighbour@example.com", phone="0811111111")
    login(client, "coord@example.com", PASSWORD)
    page = f"/applications/{application.id}"
    refused = post_form(client, f"{page}/assign", {"inspector_id": str(neighbour.id),
                                                   "scheduled_on": "2026-12-01"}, page=page)
    assert refused.status_code == 400
    assert "ห้ามตรวจแปลงของครัวเรือนตนเอง" in refused.get_data(as_text=True)
    assigned = post_form(client, f"{page}/assign", {"inspector_id": str(cycle.inspector.id),
                                                    "scheduled_on": "2026-12-01"}, page=page)
    assert assigned.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 1
    _logout(client)
    login(client, "farmer@example.com", PASSWORD)
    assert post_form(client, f"{page}/assign", {"inspector_id": str(cycle.inspector.id),
                                                "scheduled_on": "2026-12-02"}, page=page).status_code == 403


def test_the_committee_certifies_and_the_public_sees_status_and_dates(client, given, app):
    with given():
        cycle = make_cycle()
        application = through_inspection(cycle)
    anonymous = app.test_client()
    assert anonymous.get(f"/api/v1/plots/{cycle.plot.code}").get_json()["certification"]["status"] == "not_certified"
    login(client, "committee@example.com", PASSWORD)
    page = f"/applications/{application.id}"
    response = post_form(client, f"{page}/decide", {"outcome": "certify", "reasons": "ผ่านทุกข้อ ไม่มีข้อบกพร่อง",
                                                    "conditions": ""}, page=page)
    assert response.status_code == 302
    start = services.today()
    public = anonymous.get(f"/api/v1/plots/{cycle.plot.code}").get_json()["certification"]
    assert public == {
        "standard": "pgs-organic",
        "status": "certified",
        "valid_from": start.isoformat(),
        "valid_until": (services.add_months(start, 12) - timedelta(days=1)).isoformat(),
        "last_inspected_on": start.isoformat(),
        "charter_version": "pgs-organic v1",
    }
    assert "ผ่านทุกข้อ" not in anonymous.get(f"/api/v1/plots/{cycle.plot.code}").get_data(as_text=True)


def test_only_the_committee_decides_through_the_page(client, given):
    with given():
        cycle = make_cycle()
        application = through_inspection(cycle)
    login(client, "coord@example.com", PASSWORD)
    page = f"/applications/{application.id}"
    assert post_form(client, f"{page}/decide", {"outcome": "certify", "reasons": "x"}, page=page).status_code == 403


def test_private_notes_stay_private(client, given, app):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
        sent = submission(application, assignment.id, Answer.COMPLIANT, Outcome.CERTIFY,
                          summary="บันทึกลับของผู้ตรวจ: ถังพ่นยาอยู่หลังบ้าน")
        first_item = next(iter(sent.answers))
        sent.answers[first_item] = (Answer.COMPLIANT, "หมายเหตุรายข้อของผู้ตรวจ")
        inspection, _ = services.submit_inspection(sent, cycle.inspector)
        services.decide(application, cycle.committee, Outcome.CERTIFY, "เหตุผลภายในของคณะกรรมการ")
        residue.record_residue_test(cycle.plot, cycle.coordinator, tested_on=date.today(), sample="คะน้า",
                                     substance="ไซเพอร์เมทริน", method=ResidueMethod.RAPID,
                                     result=ResidueResult.PASSED, notes="หมายเหตุภายในการตรวจสาร")
        make_user(Role.FARMER, email="stranger@example.com")
    secrets = ["บันทึกลับของผู้ตรวจ", "เหตุผลภายในของคณะกรรมการ", "หมายเหตุภายในการตรวจสาร", "หมายเหตุรายข้อของผู้ตรวจ"]
    anonymous = app.test_client()
    body = anonymous.get(f"/api/v1/plots/{cycle.plot.code}").get_data(as_text=True)
    assert all(secret not in body for secret in secrets)
    for path in (f"/applications/{application.id}", f"/inspections/{inspection.id}",
                 f"/applications/{application.id}/pledge.jpg"):
        assert anonymous.get(path).status_code == 302  # to sign in
    login(client, "stranger@example.com", PASSWORD)
    for path in (f"/applications/{application.id}", f"/inspections/{inspection.id}",
                 f"/applications/{application.id}/pledge.jpg", f"/plots/{cycle.plot.code}"):
        assert client.get(path).status_code == 403, path
    _logout(client)
    login(client, "farmer@example.com", PASSWORD)  # the farmer sees what concerns them
    assert "เหตุผลภายในของคณะกรรมการ" in client.get(f"/applications/{application.id}").get_data(as_text=True)


def _sync(client, payload: dict, token: str | None):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post("/inspections/sync", data={"inspection": json.dumps(payload)}, headers=headers)


def _payload(application, assignment_id: int, client_uuid: str) -> dict:
    return {
        "client_uuid": client_uuid, "assignment_id": assignment_id, "visited_at": "2026-11-20T03:15:00.000Z",
        "recommendation": "certify", "summary": "", "position": {"latitude": 7.1, "longitude": 100.4, "accuracy": 9},
        "answers": {str(item.id): {"answer": "compliant", "note": ""} for item in application.version.items},
        "photos": [],
    }


def test_the_sync_endpoint_stores_once_and_refuses_strangers(client, given, app):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
        payload = _payload(application, assignment.id, str(uuid.uuid4()))
        make_user(Role.INSPECTOR, email="other-inspector@example.com")
    assert _sync(app.test_client(), payload, None).status_code == 401
    login(client, "inspector@example.com", PASSWORD)
    token = csrf_token(client, "/inspections")
    assert _sync(client, payload, None).status_code == 400  # no token
    first = _sync(client, payload, token)
    assert first.status_code == 201 and first.get_json()["status"] == "stored"
    again = _sync(client, payload, token)
    assert again.status_code == 200 and again.get_json() == {"status": "already_stored", "id": first.get_json()["id"]}
    assert _sync(client, {"client_uuid": "x"}, token).status_code == 400
    _logout(client)
    login(client, "other-inspector@example.com", PASSWORD)
    other = _sync(client, {**payload, "client_uuid": str(uuid.uuid4())}, csrf_token(client, "/inspections"))
    assert other.status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1


def test_the_inspection_form_is_only_for_its_inspector(client, given):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
        make_user(Role.INSPECTOR, email="other-inspector@example.com")
    login(client, "inspector@example.com", PASSWORD)
    assert client.get("/inspections").status_code == 200
    page = client.get(f"/inspections/assignments/{assignment.id}").get_data(as_text=True)
    assert 'data-item="' in page and "1.1" in page and "data-csrf=" in page
    _logout(client)
    login(client, "other-inspector@example.com", PASSWORD)
    assert client.get(f"/inspections/assignments/{assignment.id}").status_code == 403


def test_sanctions_need_the_right_role(client, given, app):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
    login(client, "farmer@example.com", PASSWORD)
    plot_page = f"/plots/{cycle.plot.code}"
    assert post_form(client, f"/certifications/{cert.id}/suspend", {"reason": "x"}, page=plot_page).status_code == 403
    _logout(client)
    login(client, "coord@example.com", PASSWORD)
    post_form(client, f"/certifications/{cert.id}/suspend", {"reason": "ผลตรวจสารไม่ผ่าน"}, page=plot_page)
    post_form(client, f"/certifications/{cert.id}/revoke", {"reason": "ผู้ประสานงานเพิกถอนเองไม่ได้"}, page=plot_page)
    with app.app_context():
        saved = db.session.get(Certification, cert.id)
        assert saved.status is CertStatus.SUSPENDED
    body = client.get(plot_page).get_data(as_text=True)
    assert "ผลตรวจสารไม่ผ่าน" in body and "ถูกพักการรับรอง" in body


def test_residue_tests_through_the_plot_page(client, given, app):
    with given():
        cycle = make_cycle()
        certified(cycle)
        make_user(Role.CONSUMER, email="consumer@example.com")
    plot_page = f"/plots/{cycle.plot.code}"
    form = {"tested_on": date.today().isoformat(), "sample": "คะน้า", "substance": "คลอร์ไพริฟอส",
            "method": "lab", "result": "failed", "value": "0.2 mg/kg", "suspend_now": "y"}
    login(client, "consumer@example.com", PASSWORD)
    assert post_form(client, plot_page + "/residue-tests", form, page="/account").status_code == 403
    _logout(client)
    login(client, "coord@example.com", PASSWORD)
    post_form(client, plot_page + "/residue-tests", form, page=plot_page)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidueTest)) == 1
        cert = db.session.scalar(sa.select(Certification))
        assert cert.status is CertStatus.SUSPENDED
    body = client.get(plot_page).get_data(as_text=True)
    assert "คลอร์ไพริฟอส" in body and "0.2 mg/kg" in body


def test_the_pipeline_shows_each_queue(client, given):
    with given():
        cycle = make_cycle()
        waiting = apply_for(cycle)
        make_user(Role.FARMER, email="someone@example.com")
    login(client, "coord@example.com", PASSWORD)
    body = client.get("/certification/pipeline").get_data(as_text=True)
    applied = body.split('id="applied"')[1].split("</section>")[0]
    assert cycle.plot.code in applied and f"/applications/{waiting.id}" in applied
    _logout(client)
    login(client, "someone@example.com", PASSWORD)
    assert client.get("/certification/pipeline").status_code == 403


def test_charters_are_public_drafts_are_not_and_published_ones_stay_as_they_are(client, given, app):
    with given():
        cycle = make_cycle()
    anonymous = app.test_client()
    charter_page = anonymous.get("/standards/pgs-organic/v1").get_data(as_text=True)
    assert "ไม่ใช้ปุ๋ยเคมีสังเคราะห์ทุกชนิด" in charter_page
    login(client, "coord@example.com", PASSWORD)
    drafted = post_form(client, "/standards/pgs-organic/drafts", {}, page="/standards")
    assert drafted.headers["Location"].endswith("/standards/pgs-organic/v2")
    assert anonymous.get("/standards/pgs-organic/v2").status_code == 404
    with app.app_context():
        v1_item = db.session.scalar(sa.select(ChecklistItem).join(ChecklistItem.section).join(StandardVersion)
                                    .where(StandardVersion.number == 1).limit(1))
    refused = post_form(client, f"/standards/pgs-organic/v1/items/{v1_item.id}",
                        {"section_id": str(v1_item.section_id), "ref": "1.1", "text_th": "แก้แล้ว", "text_en": ""},
                        page="/standards/pgs-organic/v2", follow_redirects=True)
    assert "แก้ไขไม่ได้" in refused.get_data(as_text=True)
    published = post_form(client, "/standards/pgs-organic/v2/publish", {}, page="/standards/pgs-organic/v2",
                          follow_redirects=True)
    assert "ประกาศใช้ฉบับที่ 2 แล้ว" in published.get_data(as_text=True)
    assert anonymous.get("/standards/pgs-organic/v2").status_code == 200
    assert "ไม่ใช้ปุ๋ยเคมีสังเคราะห์ทุกชนิด" in anonymous.get("/standards/pgs-organic/v1").get_data(as_text=True)
    assert cycle


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert "__VERSION__" not in body and "workbox-sw.js" in body


def test_expire_command(app, given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
        cert.valid_until = date.today() - timedelta(days=1)
    result = app.test_cli_runner().invoke(args=["certification", "expire"])
    assert result.exit_code == 0 and "1 certificates expired" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(Certification)).status is CertStatus.EXPIRED



def test_the_plot_list_shows_and_filters_by_organic_status(client, given):
    from tests.factories import make_plot

    with given():
        cycle = make_cycle()
        certified(cycle)
        lapsed_plot = make_plot(cycle.farmer, cycle.group, name="แปลงหมดอายุ")
        lapsed = services.certification_for(lapsed_plot, cycle.standard)
        lapsed.status, lapsed.valid_until = CertStatus.CERTIFIED, date.today() - timedelta(days=2)
        make_plot(cycle.farmer, cycle.group, name="แปลงใหม่")
    login(client, "farmer@example.com", PASSWORD)

    def names(status):
        body = client.get("/plots", query_string={"status": status}).get_data(as_text=True)
        return {name for name in ("แปลงสมัคร", "แปลงหมดอายุ", "แปลงใหม่") if name in body}

    assert names("certified") == {"แปลงสมัคร"}
    assert names("expired") == {"แปลงหมดอายุ"}  # by date, before any cron has run
    assert names("not_certified") == {"แปลงใหม่"}
    assert names("") == {"แปลงสมัคร", "แปลงหมดอายุ", "แปลงใหม่"}
    body = client.get("/plots").get_data(as_text=True)
    assert "status-certified" in body and "status-expired" in body


def test_residue_tests_are_public_without_their_notes(client, given, app):
    with given():
        cycle = make_cycle()
        residue.record_residue_test(cycle.plot, cycle.coordinator, tested_on=date.today(), sample="คะน้า",
                                     substance="ไซเพอร์เมทริน", method=ResidueMethod.RAPID,
                                     result=ResidueResult.PASSED, notes="หมายเหตุภายใน")
    data = app.test_client().get(f"/api/v1/plots/{cycle.plot.code}").get_json()
    assert data["residue_tests"] == [{"tested_on": date.today().isoformat(), "sample": "คะน้า",
                                      "substance": "ไซเพอร์เมทริน", "method": "rapid", "result": "passed", "value": ""}]


def test_the_committee_sees_any_plot_and_revokes_through_its_page(client, given, app):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
    login(client, "committee@example.com", PASSWORD)
    plot_page = f"/plots/{cycle.plot.code}"
    body = client.get(plot_page).get_data(as_text=True)
    assert "ประวัติการรับรอง" in body and f"/certifications/{cert.id}/revoke" in body
    post_form(client, f"/certifications/{cert.id}/revoke", {"reason": "ใช้ยาฆ่าหญ้าซ้ำ"}, page=plot_page)
    with app.app_context():
        assert db.session.get(Certification, cert.id).status is CertStatus.REVOKED


def test_an_assigned_inspector_records_a_residue_test_on_its_own_page(client, given, app):
    with given():
        cycle = make_cycle()
        services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)
        make_user(Role.INSPECTOR, email="other-inspector@example.com")
    page = f"/plots/{cycle.plot.code}/residue-tests"
    form = {"tested_on": date.today().isoformat(), "sample": "ผักบุ้ง", "substance": "ออร์กาโนฟอสเฟต",
            "method": "rapid", "result": "passed"}
    login(client, "other-inspector@example.com", PASSWORD)
    assert client.get(page).status_code == 403
    _logout(client)
    login(client, "inspector@example.com", PASSWORD)
    assert client.get(page).status_code == 200
    assert post_form(client, page, form).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(ResidueTest.substance)) == "ออร์กาโนฟอสเฟต"


def test_the_sync_endpoint_answers_409_for_one_id_on_two_plots(client, given):
    from tests.factories import make_plot

    with given():
        cycle = make_cycle()
        first = apply_for(cycle)
        first_assignment = services.assign(first, cycle.inspector, date.today(), cycle.coordinator)
        second = apply_for(cycle, make_plot(cycle.farmer, cycle.group))
        second_assignment = services.assign(second, cycle.inspector, date.today(), cycle.coordinator)
        # Built while the session is open: the charter's items are loaded lazily.
        payloads = [_payload(first, first_assignment.id, "one-id"), _payload(second, second_assignment.id, "one-id")]
    login(client, "inspector@example.com", PASSWORD)
    token = csrf_token(client, "/inspections")
    assert _sync(client, payloads[0], token).status_code == 201
    clash = _sync(client, payloads[1], token)
    assert clash.status_code == 409 and clash.get_json()["code"] == "refused"


def test_a_stale_token_is_reported_so_the_phone_can_fetch_a_new_one(client, given):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
        payloads = [_payload(application, assignment.id, str(uuid.uuid4())) for _ in range(2)]
    login(client, "inspector@example.com", PASSWORD)
    stale = _sync(client, payloads[0], "token-from-an-old-session")
    assert stale.status_code == 400 and stale.get_json()["code"] == "csrf"
    fresh = client.get("/inspections/token").get_json()["csrf_token"]
    assert _sync(client, payloads[1], fresh).status_code == 201
    assert app_anonymous_token_refused(client)


def app_anonymous_token_refused(client) -> bool:
    _logout(client)
    return client.get("/inspections/token").status_code == 401
