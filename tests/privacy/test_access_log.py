"""Every access to a person's phone number through a coordinator's page or export, and every opening of their land
document's photo, leaves a line the person sees; a person looking at their own data leaves none."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.privacy.models import AccessKind, AccessLog
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_plot, make_user


def _log(app, email: str) -> list[tuple[AccessKind, str, str]]:
    with app.app_context():
        person = db.session.scalar(sa.select(User).where(User.email == email))
        return [(row.kind, row.detail, row.actor.email if row.actor else "") for row in db.session.scalars(
            sa.select(AccessLog).where(AccessLog.subject_id == person.id).order_by(AccessLog.id))]


def test_a_coordinators_pages_and_export_with_a_phone_leave_lines_the_farmer_sees(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com", phone="0812345678")
        quiet = make_user(Role.FARMER, email="nophone@example.com")
        plot = make_plot(farmer, name="แปลงผัก")
        make_plot(quiet)
        code, farmer_id = plot.code, farmer.id
    login(client, "farmer@example.com", PASSWORD)
    assert client.get(f"/plots/{code}").status_code == 200  # their own phone, on their own plot: no line
    assert _log(app, "farmer@example.com") == []
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    login(client, "coord@example.com", PASSWORD)
    assert "0812345678" in client.get(f"/plots/{code}").get_data(as_text=True)
    assert "0812345678" in client.get(f"/users/{farmer_id}").get_data(as_text=True)
    export = client.get("/plots/export.csv")
    assert export.status_code == 200 and "0812345678" in export.get_data(as_text=True)
    assert _log(app, "farmer@example.com") == [
        (AccessKind.PHONE, f"plot {code}", "coord@example.com"),
        (AccessKind.PHONE, "account page", "coord@example.com"),
        (AccessKind.EXPORT, "plot export (CSV)", "coord@example.com")]
    assert _log(app, "nophone@example.com") == []  # no phone shown, nothing to note
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/account/consents").get_data(as_text=True)
    assert "plot export (CSV)" in page and f"plot {code}" in page


def test_opening_a_land_document_leaves_a_line_for_its_farmer(client, given, app):
    from tests.rubber.eudr_helpers import ready_lot

    with given():
        world, _lot = ready_lot()
        from greensmile.rubber import eudr

        document = eudr.history(world.plots[1])["documents"][0].id
    login(client, "manager@example.com", PASSWORD)
    assert client.get(f"/rubber/eudr/document/{document}.jpg").status_code == 200
    assert _log(app, "tapper1@example.com") == [(AccessKind.LAND_DOCUMENT, f"land document {document}",
                                                 "manager@example.com")]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "tapper1@example.com", PASSWORD)  # the farmer's own document: no line
    assert client.get(f"/rubber/eudr/document/{document}.jpg").status_code == 200
    assert len(_log(app, "tapper1@example.com")) == 1


def test_the_inspection_form_showing_the_farmers_phone_leaves_a_line(client, given, app):
    from datetime import date

    from greensmile.certification import services as certification
    from tests.certification.helpers import apply_for, make_cycle

    with given():
        cycle = make_cycle()  # the farmer's phone is 0811111111
        assignment = certification.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)
        assignment_id, code = assignment.id, cycle.plot.code
    login(client, "inspector@example.com", PASSWORD)
    assert "0811111111" in client.get(f"/inspections/assignments/{assignment_id}").get_data(as_text=True)
    assert _log(app, "farmer@example.com") == [(AccessKind.PHONE, f"inspection form, plot {code}",
                                                "inspector@example.com")]
