"""Committee decisions sent at the same moment: one decision, never a 500.

Three members deciding at once used to reach the one-decision-per-application unique constraint together; now they
queue on the application's row lock and the later ones are told it is decided. One member's form sent three times
(a double tap) is one decision, each tap shown it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification.models import Application, ApplicationStatus, Decision
from greensmile.extensions import db
from tests.certification.helpers import make_cycle, through_inspection
from tests.conftest import form_keys, login
from tests.factories import PASSWORD, make_user
from tests.liveserver import hidden_fields, live_app, post_at_once, same_browser, signed_in

DECIDED = "คำขอรับรองนี้ตัดสินแล้ว"
ALREADY_SENT = "ส่งรายการนี้ไปแล้ว นี่คือรายการที่บันทึกไว้"
MEMBERS = ["committee@example.com", "committee2@example.com", "committee3@example.com"]
DECISION = {"outcome": "certify", "reasons": "ผ่านการตรวจทุกข้อ", "conditions": "", "valid_from": ""}


def _inspected_application() -> int:
    cycle = make_cycle()
    for email in MEMBERS[1:]:
        make_user(Role.COMMITTEE, email=email)
    return through_inspection(cycle).id


def _decisions(app, app_id) -> tuple[int, ApplicationStatus]:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))
        return count, db.session.get(Application, app_id).status


@pytest.mark.own_app
def test_three_members_deciding_at_once_make_one_decision_and_no_error(database_url, tmp_path):
    with live_app(database_url, "decide_race", tmp_path, _inspected_application) as (app, base, app_id):
        page = f"{base}/applications/{app_id}"
        members = [signed_in(base, email, PASSWORD) for email in MEMBERS]
        forms = [{**hidden_fields(member, page), **DECISION} for member in members]  # each opened the page
        answers = post_at_once(members, f"{page}/decide", forms)
        decided = _decisions(app, app_id)

    codes = sorted(getattr(a, "status_code", a) for a in answers)
    assert codes == [302, 400, 400], codes
    assert all(DECIDED in a.text for a in answers if a.status_code == 400)
    assert decided == (1, ApplicationStatus.DECIDED)


@pytest.mark.own_app
def test_one_decision_form_sent_three_times_at_once_is_one_decision(database_url, tmp_path):
    with live_app(database_url, "decide_taps", tmp_path, _inspected_application) as (app, base, app_id):
        page = f"{base}/applications/{app_id}"
        member = signed_in(base, MEMBERS[0], PASSWORD)
        form = {**hidden_fields(member, page), **DECISION}
        answers = post_at_once(same_browser(member, 3), f"{page}/decide", [form] * 3)
        decided = _decisions(app, app_id)

    assert [getattr(a, "status_code", a) for a in answers] == [302] * 3
    assert {a.headers["Location"] for a in answers} == {f"/applications/{app_id}"}
    assert decided == (1, ApplicationStatus.DECIDED)


def test_a_decision_on_a_decided_application_is_refused_with_the_reason(client, given, app):
    with given():
        app_id = _inspected_application()
    page = f"/applications/{app_id}"
    login(client, MEMBERS[0], PASSWORD)
    opened = {**form_keys(client, page), **DECISION}  # the page is opened before anyone decides
    second = app.test_client()
    login(second, MEMBERS[1], PASSWORD)
    assert second.post(f"{page}/decide", data={**form_keys(second, page), **DECISION}).status_code == 302
    answer = client.post(f"{page}/decide", data=opened)
    assert answer.status_code == 400 and DECIDED in answer.get_data(as_text=True)
    assert ALREADY_SENT not in answer.get_data(as_text=True)  # a new form: not a repeat, a refusal
    assert _decisions(app, app_id) == (1, ApplicationStatus.DECIDED)


def test_a_decision_without_its_key_is_refused_and_writes_nothing(client, given, app):
    with given():
        app_id = _inspected_application()
    page = f"/applications/{app_id}"
    login(client, MEMBERS[0], PASSWORD)
    keys = form_keys(client, page)
    answer = client.post(f"{page}/decide", data={"csrf_token": keys["csrf_token"], **DECISION},
                         follow_redirects=True)
    assert "แบบฟอร์มนี้หมดอายุ" in answer.get_data(as_text=True)
    assert _decisions(app, app_id) == (0, ApplicationStatus.INSPECTED)
