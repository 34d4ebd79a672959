"""Internal audits under a group certificate: the membership agreement, the group manager auditing its own members
with the same inspection form, raising corrective action requests in the field, and deciding."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification import services as certification
from greensmile.certification.errors import ConflictOfInterest, NotAllowed
from greensmile.certification.group_models import CorrectiveAction
from greensmile.certification.models import Answer, CertStatus, Outcome, PledgeKind
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.plots.models import PlotType
from tests.certification.helpers import png
from tests.factories import make_plot, make_user
from tests.rubber.helpers import make_group


def _audit(world, plot_index: int = 0, requests=()):
    plot = world.plots[plot_index]
    application = certification.apply(plot, world.fsc, world.manager, pledge_kind=PledgeKind.SIGNATURE,
                                      pledge_image=png())
    assignment = certification.assign(application, world.manager, today(), world.manager)
    submission = certification.InspectionSubmission(
        client_uuid=str(uuid.uuid4()), assignment_id=assignment.id, visited_at=datetime.now(timezone.utc),
        recommendation=Outcome.CERTIFY, answers={item.id: (Answer.COMPLIANT, "") for item in application.version.items},
        requests=list(requests))
    return application, submission


def test_the_manager_audits_a_member_raises_a_request_in_the_field_and_decides(app_ctx):
    world = make_group()
    assert not world.manager.has_role(Role.INSPECTOR)
    due = today() + timedelta(days=30)
    application, submission = _audit(world, requests=[
        certification.SubmittedRequest("major", "เก็บกรดฟอร์มิกไว้ริมลำห้วย", due)])
    assert world.manager.has_role(Role.INSPECTOR)  # given for the internal audit
    inspection, created = certification.submit_inspection(submission, world.manager)
    again, created_again = certification.submit_inspection(submission, world.manager)
    assert created and not created_again and again.id == inspection.id
    (request,) = db.session.scalars(sa.select(CorrectiveAction)).all()  # raised once, though sent twice
    assert (request.severity.value, request.inspection_id, request.due_on) == ("major", inspection.id, due)
    committee = make_user(Role.COMMITTEE, email="committee-member@example.com")
    with pytest.raises(NotAllowed):
        certification.decide(application, committee, Outcome.CERTIFY, "ผ่าน")  # not the PGS committee's to decide
    certification.decide(application, world.manager, Outcome.CERTIFY, "ผ่านการตรวจภายใน")
    assert application.certification.status is CertStatus.CERTIFIED


def test_a_later_audit_keeps_the_membership_agreement_on_file(app_ctx):
    world = make_group()
    plot = world.plots[1]
    first = certification.apply(plot, world.fsc, world.farmers[1], pledge_kind=PledgeKind.SIGNATURE,
                                pledge_image=png())
    certification.withdraw(first, world.farmers[1])
    later = certification.apply(plot, world.fsc, world.manager, pledge_kind=PledgeKind.SIGNATURE, pledge_image=b"")
    assert later.pledge_image == first.pledge_image and later.applicant_id == world.manager.id


def test_nobody_audits_or_decides_on_their_own_plot_and_strangers_do_not_open_audits(app_ctx):
    world = make_group()
    own = make_plot(world.manager, world.group, name="สวนของผู้จัดการ", plot_type=PlotType.RUBBER, crops=["ยางพารา"])
    application = certification.apply(own, world.fsc, world.manager, pledge_kind=PledgeKind.SIGNATURE,
                                      pledge_image=png())
    with pytest.raises(ConflictOfInterest):
        certification.assign(application, world.manager, today(), world.manager)
    stranger = make_user(Role.FARMER, email="stranger@example.com")
    with pytest.raises(NotAllowed):
        certification.apply(world.plots[0], world.fsc, stranger, pledge_kind=PledgeKind.SIGNATURE, pledge_image=png())


def test_requests_are_refused_in_a_pgs_inspection(app_ctx):
    from greensmile.certification.errors import BadSubmission
    from tests.certification.helpers import apply_for, make_cycle, submission

    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = certification.assign(application, cycle.inspector, today(), cycle.coordinator)
    sent = submission(application, assignment.id,
                      requests=[certification.SubmittedRequest("major", "x", today() + timedelta(days=3))])
    with pytest.raises(BadSubmission):
        certification.submit_inspection(sent, cycle.inspector)
