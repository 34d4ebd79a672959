"""The incident register: a coordinator records a suspected breach; the page counts down the 72 hours from discovery
to the regulator's notice, says when it is overdue, and keeps the time each notification was first ticked."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
import time_machine

from greensmile.accounts.models import Role
from greensmile.clock import BANGKOK
from greensmile.extensions import db
from greensmile.privacy.models import Incident
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user

FOUND = datetime(2026, 12, 1, 9, 30, tzinfo=BANGKOK)


def test_a_breach_is_recorded_and_the_72_hours_count_from_its_discovery(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, Role.COMMITTEE, email="member@example.com")
    with time_machine.travel(FOUND + timedelta(hours=5), tick=False):
        login(client, "member@example.com", PASSWORD)
        assert client.get("/privacy/incidents").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
        login(client, "coord@example.com", PASSWORD)
        token = csrf_token(client, "/privacy/incidents")
        fields = {"csrf_token": token, "title": "", "discovered_on": "2026-12-01", "discovered_time": "09:30",
                  "description": "โทรศัพท์ของผู้ตรวจแปลงหายพร้อมแอปที่เปิดอยู่", "data_affected": "เบอร์โทรเกษตรกร 40 ราย",
                  "actions": ""}
        refused = client.post("/privacy/incidents", data=fields)
        assert refused.status_code == 400 and "เบอร์โทรเกษตรกร 40 ราย" in refused.get_data(as_text=True)
        answer = client.post("/privacy/incidents", data={**fields, "title": "โทรศัพท์ผู้ตรวจหาย"})
        assert answer.status_code == 302
        page = client.get(answer.location).get_data(as_text=True)
        assert 'data-hours-left="67"' in page  # 72 hours from 09:30 on the 1st, five hours later
    with app.app_context():
        incident = db.session.scalar(sa.select(Incident))
        assert incident.discovered_at == FOUND.astimezone(timezone.utc)
        incident_id = incident.id
    with time_machine.travel(FOUND + timedelta(hours=80), tick=False):  # overdue
        page = client.get(f"/privacy/incidents/{incident_id}").get_data(as_text=True)
        assert 'data-hours-left="-8"' in page and 'class="error"' in page
        token = csrf_token(client, f"/privacy/incidents/{incident_id}")
        assert client.post(f"/privacy/incidents/{incident_id}", data={
            **fields, "csrf_token": token, "title": "โทรศัพท์ผู้ตรวจหาย", "regulator_notified": "y",
            "actions": "เปลี่ยนรหัสผ่านและยกเลิกอุปกรณ์ที่ลงชื่อเข้าใช้"}).status_code == 302
    with time_machine.travel(FOUND + timedelta(hours=90), tick=False):  # ticked again later: the first time stays
        token = csrf_token(client, f"/privacy/incidents/{incident_id}")
        client.post(f"/privacy/incidents/{incident_id}", data={
            **fields, "csrf_token": token, "title": "โทรศัพท์ผู้ตรวจหาย", "regulator_notified": "y",
            "people_notified": "y"})
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.regulator_notified_at == (FOUND + timedelta(hours=80)).astimezone(timezone.utc)
        assert incident.people_notified_at == (FOUND + timedelta(hours=90)).astimezone(timezone.utc)


def test_a_discovery_in_the_future_is_refused(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
    with time_machine.travel(FOUND, tick=False):
        login(client, "coord@example.com", PASSWORD)
        token = csrf_token(client, "/privacy/incidents")
        answer = client.post("/privacy/incidents", data={
            "csrf_token": token, "title": "ทดสอบ", "discovered_on": "2026-12-01", "discovered_time": "23:00"})
        assert answer.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Incident)) == 0
