"""Rules that must hold whatever order things happen in (found in review)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role
from greensmile.certification import charter, residue, services
from greensmile.certification.errors import (
    AlreadyApplied,
    CertificationError,
    ConflictOfInterest,
    DuplicateSubmission,
    FrozenVersion,
    NotAllowed,
)
from greensmile.certification.models import (
    Application,
    ApplicationStatus,
    CertStatus,
    ChecklistItem,
    ChecklistSection,
    Outcome,
    PledgeKind,
    ResidueMethod,
    ResidueResult,
)
from greensmile.certification.transitions import APPLICATION_MOVES, CERTIFICATION_MOVES
from greensmile.extensions import db
from greensmile.network import services as network
from greensmile.network.models import OrganisationKind, Position
from tests.certification.helpers import apply_for, certified, make_cycle, png, submission, through_inspection
from tests.factories import add_member, make_organisation, make_plot, make_user

C, A = CertStatus, ApplicationStatus
# The cycle's rules written out by hand, independently of the table they check.
LEGAL_CERTIFICATION_MOVES = {
    (C.NOT_CERTIFIED, C.IN_CONVERSION), (C.NOT_CERTIFIED, C.CERTIFIED), (C.NOT_CERTIFIED, C.CERTIFIED_WITH_CONDITIONS),
    (C.IN_CONVERSION, C.IN_CONVERSION), (C.IN_CONVERSION, C.CERTIFIED), (C.IN_CONVERSION, C.CERTIFIED_WITH_CONDITIONS),
    (C.IN_CONVERSION, C.SUSPENDED), (C.IN_CONVERSION, C.REVOKED), (C.IN_CONVERSION, C.EXPIRED),
    (C.CERTIFIED, C.CERTIFIED), (C.CERTIFIED, C.CERTIFIED_WITH_CONDITIONS), (C.CERTIFIED, C.SUSPENDED),
    (C.CERTIFIED, C.REVOKED), (C.CERTIFIED, C.EXPIRED),
    (C.CERTIFIED_WITH_CONDITIONS, C.CERTIFIED), (C.CERTIFIED_WITH_CONDITIONS, C.CERTIFIED_WITH_CONDITIONS),
    (C.CERTIFIED_WITH_CONDITIONS, C.SUSPENDED), (C.CERTIFIED_WITH_CONDITIONS, C.REVOKED),
    (C.CERTIFIED_WITH_CONDITIONS, C.EXPIRED),
    (C.SUSPENDED, C.IN_CONVERSION), (C.SUSPENDED, C.CERTIFIED), (C.SUSPENDED, C.CERTIFIED_WITH_CONDITIONS),
    (C.SUSPENDED, C.REVOKED), (C.SUSPENDED, C.EXPIRED),
    (C.REVOKED, C.IN_CONVERSION),
    (C.EXPIRED, C.IN_CONVERSION), (C.EXPIRED, C.CERTIFIED), (C.EXPIRED, C.CERTIFIED_WITH_CONDITIONS),
    (C.EXPIRED, C.REVOKED),
}
LEGAL_APPLICATION_MOVES = {
    (A.SUBMITTED, A.ASSIGNED), (A.SUBMITTED, A.WITHDRAWN), (A.ASSIGNED, A.INSPECTED), (A.ASSIGNED, A.WITHDRAWN),
    (A.INSPECTED, A.ASSIGNED), (A.INSPECTED, A.DECIDED), (A.INSPECTED, A.WITHDRAWN),
}


def test_the_tables_allow_exactly_the_moves_of_the_cycle():
    assert {(a, b) for a, targets in CERTIFICATION_MOVES.items() for b in targets} == LEGAL_CERTIFICATION_MOVES
    assert {(a, b) for a, targets in APPLICATION_MOVES.items() for b in targets} == LEGAL_APPLICATION_MOVES


def test_two_people_cannot_be_assigned_to_each_others_plots(app_ctx):
    cycle = make_cycle()
    accounts.grant_role(cycle.farmer, Role.INSPECTOR, cycle.coordinator)
    inspectors_plot = make_plot(cycle.inspector, cycle.other_group)
    services.assign(apply_for(cycle, inspectors_plot, cycle.inspector), cycle.farmer, date.today(), cycle.coordinator)
    with pytest.raises(ConflictOfInterest):
        services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)


def test_an_inspector_who_joins_the_owners_group_after_assignment_cannot_submit(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date.today(), cycle.coordinator)
    add_member(cycle.group, cycle.inspector, cycle.coordinator)
    with pytest.raises(ConflictOfInterest):
        services.submit_inspection(submission(application, assignment.id), cycle.inspector)


def test_nobody_sanctions_a_plot_they_own_or_inspected(app_ctx):
    cycle = make_cycle()
    accounts.grant_role(cycle.farmer, Role.COMMITTEE, cycle.coordinator)
    accounts.grant_role(cycle.inspector, Role.COMMITTEE, cycle.coordinator)
    cert = certified(cycle)
    services.suspend(cert, cycle.committee, "ตรวจพบสารตกค้าง")
    with pytest.raises(ConflictOfInterest):
        services.reinstate(cert, cycle.farmer, "แปลงของฉันเอง")
    with pytest.raises(ConflictOfInterest):
        services.revoke(cert, cycle.inspector, "ฉันตรวจแปลงนี้")
    services.reinstate(cert, cycle.committee, "ตรวจซ้ำผ่าน")
    assert cert.status is CertStatus.CERTIFIED


def test_residue_tests_come_from_people_with_a_reason_to_test(app_ctx):
    cycle = make_cycle()
    test = dict(tested_on=date.today(), sample="คะน้า", substance="คลอร์ไพริฟอส", method=ResidueMethod.RAPID,
                result=ResidueResult.PASSED)
    accounts.grant_role(cycle.farmer, Role.INSPECTOR, cycle.coordinator)
    with pytest.raises(NotAllowed):  # an inspector testing their own plot
        residue.record_residue_test(cycle.plot, cycle.farmer, **test)
    with pytest.raises(NotAllowed):  # an inspector with no assignment on the plot
        residue.record_residue_test(cycle.plot, cycle.inspector, **test)
    services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)
    residue.record_residue_test(cycle.plot, cycle.inspector, **test)
    school_cook = make_user(Role.BUYER, email="school@example.com")
    network.add_member(make_organisation(OrganisationKind.SCHOOL), school_cook.email, Position.MEMBER,
                       cycle.coordinator)
    with pytest.raises(NotAllowed):
        residue.record_residue_test(cycle.plot, school_cook, **test)
    hospital_cook = make_user(Role.BUYER, email="hospital@example.com")
    network.add_member(make_organisation(OrganisationKind.HOSPITAL_KITCHEN), hospital_cook.email, Position.MEMBER,
                       cycle.coordinator)
    residue.record_residue_test(cycle.plot, hospital_cook, **test)


def test_a_certificate_never_starts_in_the_future(app_ctx):
    cycle = make_cycle()
    application = through_inspection(cycle)
    for start in (services.today() + timedelta(days=1), services.today() - timedelta(days=61)):
        with pytest.raises(CertificationError):
            services.decide(application, cycle.committee, Outcome.CERTIFY, "ผ่าน", valid_from=start)
    decision = services.decide(application, cycle.committee, Outcome.CERTIFY, "ผ่าน",
                               valid_from=services.today() - timedelta(days=14))
    assert decision.valid_from == services.today() - timedelta(days=14)


def test_one_phone_id_for_two_assignments_is_refused(app_ctx):
    cycle = make_cycle()
    first = apply_for(cycle)
    first_assignment = services.assign(first, cycle.inspector, date.today(), cycle.coordinator)
    second = apply_for(cycle, make_plot(cycle.farmer, cycle.group))
    second_assignment = services.assign(second, cycle.inspector, date.today(), cycle.coordinator)
    services.submit_inspection(submission(first, first_assignment.id, client_uuid="same-id"), cycle.inspector)
    with pytest.raises(DuplicateSubmission):
        services.submit_inspection(submission(second, second_assignment.id, client_uuid="same-id"), cycle.inspector)


def test_a_published_version_cannot_be_reached_through_keys_either(app_ctx):
    cycle = make_cycle()
    version = charter.in_force(cycle.standard)
    section = version.sections[0]
    draft = charter.draft_new_version(cycle.standard, cycle.coordinator)
    attempts = [
        lambda: db.session.add(ChecklistItem(section_id=section.id, position=99, ref="x", text_th="แอบเพิ่ม",
                                             text_en="")) or db.session.flush(),
        lambda: db.session.add(ChecklistSection(version_id=version.id, position=99, title_th="แอบ", title_en=""))
        or db.session.flush(),
        # moving an item out of the published version into a draft takes it from the published one
        lambda: setattr(version.items[0], "section", draft.sections[0]) or db.session.flush(),
    ]
    for attempt in attempts:
        savepoint = db.session.begin_nested()
        with pytest.raises(FrozenVersion):
            attempt()
        savepoint.rollback()


def test_the_database_keeps_one_open_application_per_plot(app_ctx, monkeypatch):
    cycle = make_cycle()
    apply_for(cycle)
    # As if a second tap passed the service's own check at the same moment as the first:
    monkeypatch.setattr(services, "OPEN_APPLICATION", ())
    with pytest.raises(AlreadyApplied):
        services.apply(cycle.plot, cycle.standard, cycle.farmer, pledge_kind=PledgeKind.SIGNATURE,
                       pledge_image=png())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1
