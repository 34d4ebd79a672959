"""The rubber pages through real requests: harvests on a phone, the group manager's desk, lots, and strangers."""
from __future__ import annotations

import io

import sqlalchemy as sa

from greensmile.certification import services as certification
from greensmile.certification.group_models import CorrectiveAction
from greensmile.certification.models import CertStatus
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.rubber import lots
from greensmile.rubber.models import Harvest, LotHarvest
from tests.certification.helpers import png
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_organisation, make_user
from tests.rubber.helpers import harvest, make_group


def test_a_tapper_records_harvests_and_the_ceiling_says_why(client, given, app):
    with given():
        world = make_group(area_m2="1600")
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    assert "RRIM 600" in client.get(url).get_data(as_text=True)
    ok = post_form(client, f"{url}/harvests", {"harvested_on": today().isoformat(), "product": "field_latex",
                                                "weight_kg": "1000", "drc_percent": "35"}, page=url)
    assert ok.status_code == 302
    refused = post_form(client, f"{url}/harvests", {"harvested_on": today().isoformat(), "product": "cup_lump",
                                                     "weight_kg": "200", "drc_percent": "50"}, page=url,
                        follow_redirects=True)
    body = refused.get_data(as_text=True)
    assert "ไม่รับบันทึก" in body and "400" in body  # refused, with the figures
    with app.app_context():
        assert [h.dry_rubber_kg for h in db.session.scalars(sa.select(Harvest))] == [350]
    # Another member may not record on this plot, nor see its page.
    post_form(client, "/logout", {}, page="/")
    login(client, "tapper1@example.com", PASSWORD)
    assert client.get(url).status_code == 404


def test_the_group_desk_is_its_managers_alone(client, given, app):
    from greensmile.network import services as network
    from greensmile.network.models import OrganisationKind, Position

    with given():
        world = make_group()
        other = make_organisation(OrganisationKind.FSC_GROUP, name="กลุ่มยางอื่น")
        make_user(email="other-manager@example.com")
        network.add_member(other, "other-manager@example.com", Position.MANAGER, world.coordinator)
    login(client, "other-manager@example.com", PASSWORD)
    assert client.get(f"/rubber/groups/{world.group.id}").status_code == 404
    assert client.get(f"/rubber/groups/{world.group.id}/register.csv").status_code == 404
    post_form(client, "/logout", {}, page="/")
    login(client, "manager@example.com", PASSWORD)
    page = client.get(f"/rubber/groups/{world.group.id}").get_data(as_text=True)
    assert world.plots[0].code in page and "FSC-C000000" in page
    csv_body = client.get(f"/rubber/groups/{world.group.id}/register.csv").get_data(as_text=True)
    assert csv_body.startswith("\ufeffmember,plot_code") and world.plots[1].code in csv_body


def test_a_major_request_raised_and_closed_with_a_photo_through_the_desk(client, given, app):
    with given():
        world = make_group()
        cert = certification.certification_for(world.plots[0], world.fsc)
    login(client, "manager@example.com", PASSWORD)
    desk = f"/rubber/groups/{world.group.id}"
    token = csrf_token(client, desk)
    due = today().isoformat()
    assert client.post(f"/rubber/certifications/{cert.id}/requests", data={
        "csrf_token": token, f"cert{cert.id}-severity": "major", f"cert{cert.id}-finding": "เก็บกรดฟอร์มิกใกล้ลำห้วย",
        f"cert{cert.id}-due_on": due}).status_code == 302
    with app.app_context():
        request = db.session.scalar(sa.select(CorrectiveAction))
        assert request.severity.value == "major" and request.is_open
    token = csrf_token(client, desk)
    closed = client.post(f"/rubber/requests/{request.id}/close", data={
        "csrf_token": token, f"car{request.id}-note": "ย้ายไปเก็บในตู้ล็อก",
        f"car{request.id}-photo": (io.BytesIO(png()), "evidence.png")}, content_type="multipart/form-data")
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(CorrectiveAction, request.id).evidence_photo


def test_lots_are_seen_by_their_buyer_and_group_only(client, given, app):
    with given():
        world = make_group()
        record = harvest(world, 0)
        lot = lots.create_lot(world.manager, world.group, world.exporter)
        rival = make_user(email="rival@example.com")
        from greensmile.network import services as network
        from greensmile.network.models import Position

        network.add_member(world.other_exporter, rival.email, Position.MEMBER, world.coordinator)
    login(client, "manager@example.com", PASSWORD)
    page = f"/rubber/lots/{lot.id}"
    assert post_form(client, f"{page}/add", {"harvest_ids": [str(record.id)]}, page=page).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(LotHarvest.harvest_id)) == record.id
    assert "FSC 100%" in client.get(page).get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    login(client, "exporter@example.com", PASSWORD)
    assert lot.code in client.get("/rubber/lots").get_data(as_text=True)
    assert client.get(page).status_code == 200 and client.get(f"{page}/delivery").status_code == 200
    token = csrf_token(client, "/rubber/lots")
    assert client.post(f"{page}/ship", data={"csrf_token": token, "shipped_on": today().isoformat()}).status_code == 403
    post_form(client, "/logout", {}, page="/")
    login(client, "rival@example.com", PASSWORD)
    assert lot.code not in client.get("/rubber/lots").get_data(as_text=True)
    assert client.get(page).status_code == 404 and client.get(f"{page}/delivery").status_code == 404
    assert client.get(f"/lots/{lot.code}").status_code == 200  # the public trace page stays public


def test_the_desk_shows_a_suspended_plot_to_reinstate(client, given, app):
    with given():
        world = make_group()
        cert = certification.certification_for(world.plots[0], world.fsc)
        certification.suspend(cert, world.coordinator, "ตรวจพบ")
    login(client, "manager@example.com", PASSWORD)
    desk = f"/rubber/groups/{world.group.id}"
    assert f"/rubber/certifications/{cert.id}/reinstate" in client.get(desk).get_data(as_text=True)
    token = csrf_token(client, desk)
    assert client.post(f"/rubber/certifications/{cert.id}/reinstate",
                       data={"csrf_token": token, f"cert{cert.id}-reason": "แก้ไขแล้ว"}).status_code == 302
    with app.app_context():
        from greensmile.certification.models import Certification

        assert db.session.get(Certification, cert.id).status is CertStatus.CERTIFIED


def test_a_member_signs_the_fsc_membership_agreement_on_screen(client, given, app):
    import base64

    from greensmile.certification.models import Application

    with given():
        world = make_group()
    login(client, "tapper1@example.com", PASSWORD)
    plot_page = client.get(f"/rubber/plots/{world.plots[1].code}").get_data(as_text=True)
    assert "standard=fsc-rubber" in plot_page  # no agreement on file yet: the page offers it
    url = f"/plots/{world.plots[1].code}/apply?standard=fsc-rubber"
    page = client.get(url).get_data(as_text=True)
    assert "F1.1" in page or "FSC" in page  # the FSC checklist, not the organic charter
    signature = "data:image/png;base64," + base64.b64encode(png()).decode()
    response = post_form(client, url, {"pledge_kind": "signature", "signature": signature}, page=url)
    assert response.status_code == 302
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        assert application.certification.standard.code == "fsc-rubber"
    assert "standard=fsc-rubber" not in client.get(f"/rubber/plots/{world.plots[1].code}").get_data(as_text=True)
