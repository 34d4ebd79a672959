import time
from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest
import sqlalchemy as sa
import time_machine

from greensmile.accounts.models import Role
from greensmile.certification import charter, overview, residue, services
from greensmile.certification.errors import (
    AlreadyApplied,
    BadSubmission,
    CertificationError,
    FrozenVersion,
    IllegalTransition,
    NotAllowed,
)
from greensmile.certification.models import (
    Answer,
    ApplicationStatus,
    CertificationEvent,
    CertStatus,
    EventKind,
    Inspection,
    Outcome,
    PledgeKind,
    ResidueMethod,
    ResidueResult,
    VersionStatus,
)
from greensmile.certification.transitions import APPLICATION_MOVES, CERTIFICATION_MOVES
from greensmile.extensions import db
from tests.certification.helpers import apply_for, certified, make_cycle, png, submission, through_inspection
from tests.factories import make_user


# ---------------------------------------------------------------- transitions
@pytest.mark.parametrize("current,target", list(product(CertStatus, CertStatus)))
def test_every_certification_move_outside_the_table_is_refused(app_ctx, current, target):
    cycle = make_cycle()
    cert = services.certification_for(cycle.plot, cycle.standard)
    cert.status = current
    if target in CERTIFICATION_MOVES[current]:
        services._move(cert, target, EventKind.DECISION, cycle.committee, "ok")
        assert cert.status is target
    else:
        with pytest.raises(IllegalTransition):
            services._move(cert, target, EventKind.DECISION, cycle.committee, "no")
        assert cert.status is current


def test_the_table_keeps_the_rules_of_the_cycle():
    moves = CERTIFICATION_MOVES
    assert not any(CertStatus.NOT_CERTIFIED in targets for targets in moves.values())  # no way back to "never"
    assert moves[CertStatus.REVOKED] == {CertStatus.IN_CONVERSION}  # revoked: conversion starts again
    assert CertStatus.SUSPENDED not in moves[CertStatus.NOT_CERTIFIED]  # nothing to suspend
    assert moves[CertStatus.SUSPENDED] >= {CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS}
    assert not APPLICATION_MOVES[ApplicationStatus.DECIDED] and not APPLICATION_MOVES[ApplicationStatus.WITHDRAWN]


def test_illegal_moves_through_the_services_are_refused(app_ctx):
    cycle = make_cycle()
    cert = services.certification_for(cycle.plot, cycle.standard)
    with pytest.raises(IllegalTransition):
        services.revoke(cert, cycle.committee, "ไม่เคยได้รับรอง")  # NOT_CERTIFIED → REVOKED
    with pytest.raises(IllegalTransition):
        services.suspend(cert, cycle.committee, "ไม่เคยได้รับรอง")
    with pytest.raises(IllegalTransition):
        services.reinstate(cert, cycle.committee, "ไม่ได้ถูกพัก")
    application = apply_for(cycle)
    with pytest.raises(IllegalTransition):
        services.decide(application, cycle.committee, Outcome.CERTIFY, "ยังไม่ได้ตรวจ")  # SUBMITTED → DECIDED
    services.withdraw(application, cycle.farmer)
    with pytest.raises(IllegalTransition):
        services.assign(application, cycle.inspector, date.today(), cycle.coordinator)  # WITHDRAWN → ASSIGNED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificationEvent)) == 0


def test_a_revoked_plot_can_only_come_back_through_conversion(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    services.revoke(cert, cycle.committee, "ใช้ยาฆ่าหญ้า")
    application = through_inspection(cycle)
    with pytest.raises(IllegalTransition):
        services.decide(application, cycle.committee, Outcome.CERTIFY, "ผ่าน")
    services.decide(application, cycle.committee, Outcome.IN_CONVERSION, "เริ่มปรับเปลี่ยนใหม่")
    assert cert.status is CertStatus.IN_CONVERSION


# ---------------------------------------------------------------- deciding, dates, expiry
def test_certifying_sets_status_dates_and_charter_version(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    start = services.today()
    assert cert.status is CertStatus.CERTIFIED
    assert cert.valid_from == start
    assert cert.valid_until == services.add_months(start, 12) - timedelta(days=1)
    assert cert.version.number == 1 and cert.last_inspected_on == start
    assert [event.kind for event in cert.events] == [EventKind.DECISION]


def test_conditions_are_required_to_certify_with_conditions(app_ctx):
    cycle = make_cycle()
    application = through_inspection(cycle)
    with pytest.raises(CertificationError):
        services.decide(application, cycle.committee, Outcome.CERTIFY_WITH_CONDITIONS, "ผ่าน", "")
    with pytest.raises(CertificationError):
        services.decide(application, cycle.committee, Outcome.CERTIFY, "   ")
    decision = services.decide(application, cycle.committee, Outcome.CERTIFY_WITH_CONDITIONS, "ผ่าน", "ทำคูน้ำ")
    assert decision.conditions == "ทำคูน้ำ" and application.certification.status is CertStatus.CERTIFIED_WITH_CONDITIONS


def test_a_rejection_is_recorded_and_leaves_the_status(app_ctx):
    cycle = make_cycle()
    application = through_inspection(cycle)
    decision = services.decide(application, cycle.committee, Outcome.REJECT, "ยังใช้ปุ๋ยเคมี")
    assert decision.valid_until is None
    assert application.certification.status is CertStatus.NOT_CERTIFIED
    assert application.status is ApplicationStatus.DECIDED


def test_a_certificate_expires_by_itself(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    last_day = cert.valid_until
    assert cert.effective_status(last_day) is CertStatus.CERTIFIED
    assert cert.effective_status(last_day + timedelta(days=1)) is CertStatus.EXPIRED
    public = overview.public_statuses(cycle.plot, last_day + timedelta(days=1))
    assert public[0].status is CertStatus.EXPIRED
    assert services.expire_due(last_day) == 0
    assert services.expire_due(last_day + timedelta(days=1)) == 1
    assert cert.status is CertStatus.EXPIRED and cert.events[-1].kind is EventKind.EXPIRY
    assert services.expire_due(last_day + timedelta(days=2)) == 0  # safe to run again


def test_expiry_happens_with_the_calendar(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    with time_machine.travel(time.time() + 366 * 24 * 3600):
        assert overview.public_statuses(cycle.plot)[0].status is CertStatus.EXPIRED
        with pytest.raises(IllegalTransition):  # nothing valid is left to suspend
            services.suspend(cert, cycle.committee, "สารตกค้าง")


def test_suspend_and_reinstate_return_to_the_earlier_status(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle, Outcome.CERTIFY_WITH_CONDITIONS)
    services.suspend(cert, cycle.coordinator, "ผลตรวจสารตกค้างไม่ผ่าน")
    assert cert.status is CertStatus.SUSPENDED
    with pytest.raises(NotAllowed):
        services.reinstate(cert, cycle.coordinator, "แก้ไขแล้ว")  # only the committee lifts it
    with pytest.raises(CertificationError):
        services.reinstate(cert, cycle.committee, "")
    services.reinstate(cert, cycle.committee, "ตรวจซ้ำผ่าน")
    assert cert.status is CertStatus.CERTIFIED_WITH_CONDITIONS
    assert [e.reason for e in cert.events][1:] == ["ผลตรวจสารตกค้างไม่ผ่าน", "ตรวจซ้ำผ่าน"]


def test_farmers_cannot_sanction(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    with pytest.raises(NotAllowed):
        services.suspend(cert, cycle.farmer, "อยากพัก")
    with pytest.raises(NotAllowed):
        services.revoke(cert, cycle.coordinator, "ผู้ประสานงานเพิกถอนเองไม่ได้")


# ---------------------------------------------------------------- applications
def test_one_open_application_per_plot_and_standard(app_ctx):
    cycle = make_cycle()
    apply_for(cycle)
    with pytest.raises(AlreadyApplied):
        apply_for(cycle)


def test_only_the_owner_or_a_coordinator_applies(app_ctx):
    cycle = make_cycle()
    with pytest.raises(NotAllowed):
        apply_for(cycle, farmer=make_user(Role.FARMER))


def test_a_witnessed_pledge_needs_the_witness(app_ctx):
    cycle = make_cycle()
    with pytest.raises(CertificationError):
        services.apply(cycle.plot, cycle.standard, cycle.farmer, pledge_kind=PledgeKind.WITNESSED,
                       pledge_image=png(), witness_name=" ")
    application = services.apply(cycle.plot, cycle.standard, cycle.farmer,
                                 pledge_kind=PledgeKind.WITNESSED, pledge_image=png(),
                                 witness_name="นายประเสริฐ  รักษ์ดิน")
    assert application.witness_name == "นายประเสริฐ รักษ์ดิน"


# ---------------------------------------------------------------- inspections
def test_the_same_offline_submission_sent_twice_is_stored_once(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    sent = submission(application, assignment.id, client_uuid="4d7f1c2e-1111-4a8b-9c3d-000000000001")
    first, created = services.submit_inspection(sent, cycle.inspector)
    again, created_again = services.submit_inspection(sent, cycle.inspector)
    assert created and not created_again and again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1
    with pytest.raises(NotAllowed):  # someone else cannot claim the phone's id
        services.submit_inspection(sent, make_user(Role.INSPECTOR))


def test_an_inspection_must_answer_every_item_of_its_charter(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    partial = submission(application, assignment.id)
    partial.answers.pop(next(iter(partial.answers)))
    with pytest.raises(BadSubmission):
        services.submit_inspection(partial, cycle.inspector)
    future = submission(application, assignment.id, visited_at=datetime.now(timezone.utc) + timedelta(days=3))
    with pytest.raises(BadSubmission):
        services.submit_inspection(future, cycle.inspector)


def test_only_the_assigned_inspector_submits(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    with pytest.raises(NotAllowed):
        services.submit_inspection(submission(application, assignment.id), make_user(Role.INSPECTOR))


def test_a_correction_supersedes_and_never_edits(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    first, _ = services.submit_inspection(
        submission(application, assignment.id, Answer.NON_COMPLIANT, Outcome.REJECT), cycle.inspector)
    correction, _ = services.submit_inspection(
        submission(application, assignment.id, supersedes_id=first.id), cycle.inspector)
    assert services.current_inspections(application) == [correction]
    assert {a.answer for a in first.answers} == {Answer.NON_COMPLIANT}  # the original stands as it was
    with pytest.raises(BadSubmission):  # the superseded one cannot be corrected twice
        services.submit_inspection(submission(application, assignment.id, supersedes_id=first.id), cycle.inspector)


# ---------------------------------------------------------------- the charter
def test_a_published_charter_version_cannot_be_edited(app_ctx):
    cycle = make_cycle()
    version = charter.in_force(cycle.standard)
    item = version.items[0]
    original = item.text_th
    attempts = [
        lambda: charter.save_item(version, item, section_id=item.section_id, ref="1.1", text_th="แก้",
                                  text_en="x", critical=False),
        lambda: charter.add_section(version, "หมวดใหม่", "New"),
        lambda: charter.delete_item(version, item),
        lambda: setattr(item, "text_th", "แก้ตรง ๆ") or db.session.flush(),  # code that forgets to ask
        lambda: db.session.delete(item) or db.session.flush(),
        lambda: setattr(version, "status", VersionStatus.DRAFT) or db.session.flush(),
    ]
    for attempt in attempts:
        savepoint = db.session.begin_nested()
        with pytest.raises(FrozenVersion):
            attempt()
        savepoint.rollback()
    db.session.expire_all()
    assert charter.in_force(cycle.standard).items[0].text_th == original


def test_a_new_version_is_drafted_edited_and_published(app_ctx):
    cycle = make_cycle()
    first = charter.in_force(cycle.standard)
    draft = charter.draft_new_version(cycle.standard, cycle.coordinator)
    assert draft.number == 2 and draft.status is VersionStatus.DRAFT
    assert len(draft.items) == len(first.items)
    section = charter.add_section(draft, "หมวดใหม่", "New section")
    charter.save_item(draft, None, section_id=section.id, ref="9.1", text_th="ข้อใหม่", text_en="A new item",
                      critical=True)
    assert charter.in_force(cycle.standard).number == 1  # drafts are not in force
    charter.publish(draft, cycle.coordinator)
    assert charter.in_force(cycle.standard).number == 2
    assert len(charter.in_force(cycle.standard).items) == len(first.items) + 1


# ---------------------------------------------------------------- residue tests
def test_a_failed_residue_test_can_suspend_the_organic_certificate(app_ctx):
    cycle = make_cycle()
    cert = certified(cycle)
    residue.record_residue_test(cycle.plot, cycle.inspector, tested_on=services.today(), sample="คะน้า",
                                 substance="คลอร์ไพริฟอส", method=ResidueMethod.RAPID, result=ResidueResult.FAILED)
    assert cert.status is CertStatus.CERTIFIED  # an inspector records; the decision is someone else's
    residue.record_residue_test(cycle.plot, cycle.coordinator, tested_on=services.today(), sample="คะน้า",
                                 substance="คลอร์ไพริฟอส", method=ResidueMethod.LAB, result=ResidueResult.FAILED,
                                 value="0.12 mg/kg", laboratory="ศูนย์วิทยาศาสตร์", suspend_now=True)
    assert cert.status is CertStatus.SUSPENDED
    assert "คลอร์ไพริฟอส" in cert.events[-1].reason


def test_consumers_do_not_record_residue_tests(app_ctx):
    cycle = make_cycle()
    with pytest.raises(NotAllowed):
        residue.record_residue_test(cycle.plot, make_user(Role.CONSUMER), tested_on=services.today(),
                                     sample="x", substance="y", method=ResidueMethod.RAPID,
                                     result=ResidueResult.PASSED)
