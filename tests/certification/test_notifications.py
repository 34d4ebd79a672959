"""What the certification cycle tells people: the inspector of an assignment, the farmer of a decision or a sanction,
and, from the daily sweep, of a certificate about to expire and of a corrective action due or overdue (each said
once, whatever day the sweep runs and however often)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import time_machine

from greensmile.accounts.models import Role, User
from greensmile.certification import corrective, reminders, services
from greensmile.certification.group_models import Severity
from greensmile.certification.models import Assignment, Outcome
from greensmile.clock import BANGKOK
from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.notifications.models import Notification
from tests.certification.helpers import apply_for, certified, make_cycle, through_inspection
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user


def _told(kind: str, user: User | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def _at_eight(day: date):
    """The morning sweep's moment, 08:00 in Songkhla on `day`."""
    return time_machine.travel(datetime.combine(day, time(8), tzinfo=BANGKOK), tick=False)


# ---------------------------------------------------------------- as it happens
def test_the_inspector_is_told_of_an_assignment_and_a_refused_one_tells_nobody(client, given, app):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        neighbour = make_user(Role.INSPECTOR, email="neighbour@example.com", phone="0811111111")
    login(client, "coord@example.com", PASSWORD)
    page = f"/applications/{application.id}"
    refused = post_form(client, f"{page}/assign", {"inspector_id": str(neighbour.id), "scheduled_on": "2026-12-01"},
                        page=page)
    assert refused.status_code == 400  # the farmer's own household: a conflict of interest
    with app.app_context():
        assert _told("inspection.assigned") == []
    assert post_form(client, f"{page}/assign", {"inspector_id": str(cycle.inspector.id),
                                                "scheduled_on": "2026-12-01"}, page=page).status_code == 302
    with app.app_context():
        (told,) = _told("inspection.assigned")
        assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.application_id == application.id))
        assert told.user_id == cycle.inspector.id
        assert cycle.plot.code in told.title and cycle.plot.code in told.body
        assert told.url.endswith(f"/inspections/assignments/{assignment_id}")
        assert dict(told.facts)  # plot, farmer, date, place for the LINE card
    # The same day again is no news; another day is.
    post_form(client, f"{page}/assign", {"inspector_id": str(cycle.inspector.id), "scheduled_on": "2026-12-01"},
              page=page)
    post_form(client, f"{page}/assign", {"inspector_id": str(cycle.inspector.id), "scheduled_on": "2026-12-04"},
              page=page)
    with app.app_context():
        assert len(_told("inspection.assigned", cycle.inspector)) == 2
        assert _told("inspection.assigned", cycle.farmer) == []


def test_the_farmer_is_told_the_committees_decision_with_a_link_to_it(client, given, app):
    with given():
        cycle = make_cycle()
        application = through_inspection(cycle)
    login(client, "committee@example.com", PASSWORD)
    page = f"/applications/{application.id}"
    # Conditions are required for a conditional certificate: refused, and nobody is told.
    assert post_form(client, f"{page}/decide", {"outcome": "certify_with_conditions", "reasons": "ผ่านเกือบทุกข้อ",
                                                "conditions": ""}, page=page).status_code == 400
    with app.app_context():
        assert _told("certification.decided") == []
    assert post_form(client, f"{page}/decide", {"outcome": "certify_with_conditions", "reasons": "ผ่านเกือบทุกข้อ",
                                                "conditions": "ทำแนวกันชนด้านทิศเหนือ"}, page=page).status_code == 302
    with app.app_context():
        (told,) = _told("certification.decided")
        assert told.user_id == cycle.farmer.id
        assert cycle.plot.code in told.title
        assert "ทำแนวกันชนด้านทิศเหนือ" in told.body and "ผ่านเกือบทุกข้อ" in told.body
        assert told.url.endswith(f"/applications/{application.id}")
        assert _told("certification.decided", cycle.committee) == []


def test_a_rejection_and_a_suspension_are_told_with_their_reasons(app_ctx):
    cycle = make_cycle()
    application = through_inspection(cycle)
    services.decide(application, cycle.committee, Outcome.REJECT, "ใช้สารเคมีในแปลง")
    (rejected,) = _told("certification.decided", cycle.farmer)
    assert "ใช้สารเคมีในแปลง" in rejected.body and cycle.plot.code in rejected.title

    cert = certified(cycle)
    services.suspend(cert, cycle.committee, "พบถุงปุ๋ยเคมีในโรงเก็บ")
    suspended = _told("certification.decided", cycle.farmer)[-1]
    assert "พบถุงปุ๋ยเคมีในโรงเก็บ" in suspended.body
    assert suspended.url.endswith(f"/plots/{cycle.plot.code}")
    assert len(_told("certification.decided", cycle.farmer)) == 3  # rejected, certified, suspended


# ---------------------------------------------------------------- the morning sweep: certificates expiring
def test_each_expiry_threshold_is_said_once_and_a_second_run_says_nothing(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    until = cert.valid_until
    said = []
    for days_left in (61, 60, 60, 45, 31, 30, 29, 8, 7, 7, 3, 0):
        with _at_eight(until - timedelta(days=days_left)):
            reminders.remind()
        said.append(len(_told("certificate.expiring", cycle.farmer)))
    assert said == [0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    notices = _told("certificate.expiring")
    assert {n.user_id for n in notices} == {cycle.farmer.id}  # not the inspector, the committee or the coordinator
    assert [n.once_key.rsplit(":", 1)[1] for n in notices] == ["60", "30", "7"]
    assert all(cycle.plot.code in n.title and n.url.endswith(f"/plots/{cycle.plot.code}") for n in notices)


def test_missed_days_say_the_nearest_threshold_only(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    with _at_eight(cert.valid_until - timedelta(days=29)):  # the sweep never ran at 60 or 30 days
        reminders.remind()
        reminders.remind()
    (notice,) = _told("certificate.expiring", cycle.farmer)
    assert notice.once_key.endswith(":30")  # the 30-day notice, once; never the stale 60-day one
    assert "29" in notice.body
    with _at_eight(cert.valid_until - timedelta(days=2)):  # and the week before, missed too
        reminders.remind()
    assert [n.once_key.rsplit(":", 1)[1] for n in _told("certificate.expiring")] == ["30", "7"]


def test_lapsed_suspended_and_renewed_certificates(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    with _at_eight(cert.valid_until + timedelta(days=1)):  # expired: too late to remind
        reminders.remind()
    services.suspend(cert, cycle.committee, "รอผลตรวจสารตกค้าง")
    with _at_eight(cert.valid_until - timedelta(days=30)):  # suspended: the farmer was told of that instead
        reminders.remind()
    assert _told("certificate.expiring") == []
    services.reinstate(cert, cycle.committee, "ผลตรวจไม่พบสาร")
    with _at_eight(cert.valid_until - timedelta(days=30)):
        reminders.remind()
    first = cert.valid_until
    cert.valid_until = first + timedelta(days=365)  # renewed: next year's reminders are said again
    db.session.flush()
    with _at_eight(cert.valid_until - timedelta(days=30)):
        reminders.remind()
    assert [n.once_key for n in _told("certificate.expiring")] == [
        f"cert-expiring:{cert.id}:{first.isoformat()}:30", f"cert-expiring:{cert.id}:{cert.valid_until.isoformat()}:30"]


def test_the_worker_runs_the_reminders_each_morning_at_eight(app_ctx):
    schedule = schedules.SCHEDULES["certification.remind"]
    assert schedule.kind == "certification.remind" and schedule.daily_at == time(8, 0)
    cycle = make_cycle()
    cert = certified(cycle)
    db.session.commit()
    with _at_eight(cert.valid_until - timedelta(days=7)):
        jobs.run_once("test")
        jobs.run_once("test")
    assert len(_told("certificate.expiring", cycle.farmer)) == 1


# ---------------------------------------------------------------- the morning sweep: corrective actions
def test_a_corrective_action_is_told_once_when_due_and_once_when_overdue(app_ctx):
    from tests.rubber.helpers import make_group

    world = make_group()
    farmer, plot = world.farmers[0], world.plots[0]
    cert = services.certification_for(plot, world.fsc)
    today = services.today()
    major = corrective.raise_request(world.manager, cert, Severity.MAJOR, "ไม่มีแนวกันชนริมลำห้วย",
                                     today + timedelta(days=10))
    said = []
    for days in (0, 2, 3, 3, 10, 11, 11, 12):
        with _at_eight(today + timedelta(days=days)):
            corrective.suspend_overdue()  # the night's job, before the morning's reminders
            reminders.remind()
        said.append([n.once_key.split(":")[0] for n in _told("corrective.due", farmer)])
    assert said[0] == said[1] == []  # ten and eight days away: not yet
    assert said[2] == said[3] == said[4] == ["corrective-due"]  # a week away (once), and on the day nothing new
    assert said[5] == said[6] == said[7] == ["corrective-due", "corrective-overdue"]
    due, overdue = _told("corrective.due")
    assert {due.user_id, overdue.user_id} == {farmer.id}  # not the manager, not the other member
    assert "ไม่มีแนวกันชนริมลำห้วย" in due.body and plot.code in due.title
    assert "ไม่มีแนวกันชนริมลำห้วย" in overdue.body and overdue.url.endswith(f"/plots/{plot.code}")
    assert major.is_open


def test_a_request_first_met_after_its_date_is_told_overdue_only_and_a_closed_one_nothing(app_ctx):
    from tests.certification.helpers import png
    from tests.rubber.helpers import make_group

    world = make_group()
    today = services.today()
    late = corrective.raise_request(world.manager, services.certification_for(world.plots[0], world.fsc),
                                    Severity.MINOR, "บันทึกปุ๋ยไม่ครบ", today + timedelta(days=1))
    closed = corrective.raise_request(world.manager, services.certification_for(world.plots[1], world.fsc),
                                      Severity.MINOR, "ป้ายแปลงหาย", today + timedelta(days=1))
    corrective.close_request(world.manager, closed, "ติดป้ายใหม่แล้ว", png())
    with _at_eight(today + timedelta(days=5)):
        reminders.remind()
    (notice,) = _told("corrective.due")
    assert notice.user_id == world.farmers[0].id and notice.once_key == f"corrective-overdue:{late.id}"
