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


def test_an_area_typed_in_larger_after_the_audit_does_not_raise_the_ceiling(app_ctx):
    from decimal import Decimal

    from greensmile.plots import services as plots
    from greensmile.rubber import services as rubber
    from greensmile.rubber.errors import OverCeiling
    from greensmile.rubber.models import RubberProduct

    world = make_group(area_m2="1600")  # 1 rai
    application, submission = _audit(world)
    certification.submit_inspection(submission, world.manager)
    certification.decide(application, world.manager, Outcome.CERTIFY, "ผ่านการตรวจภายใน")
    plot = world.plots[0]
    data = plots.PlotData(district_id=plot.district_id, area_m2=Decimal("16000"), plot_type=PlotType.RUBBER,
                          group_id=plot.group_id, name=plot.name, crop_ids=[c.id for c in plot.crops])
    plots.update_plot(world.farmers[0], plot, data)  # now claims 10 rai
    assert plot.area_rai == 10 and rubber.yearly_ceiling(plot) == 400  # still counted on the audited 1 rai
    with pytest.raises(OverCeiling):
        rubber.record_harvest(world.farmers[0], plot, rubber.HarvestData(today(), RubberProduct.CUP_LUMP,
                                                                          Decimal("1000"), Decimal("50")))


def test_reinstating_after_the_managers_own_audit_and_the_requests_closing(app_ctx):
    from greensmile.certification import corrective
    from greensmile.certification.errors import CertificationError
    from tests.bulk.helpers import on_the_day

    world = make_group()
    due = today() + timedelta(days=3)
    application, submission = _audit(world, requests=[certification.SubmittedRequest("major", "ไม่มีแนวกันชน", due)])
    certification.submit_inspection(submission, world.manager)
    certification.decide(application, world.manager, Outcome.CERTIFY, "ผ่าน มีคำขอแก้ไข")
    cert = application.certification
    with on_the_day(due + timedelta(days=1)):
        assert corrective.suspend_overdue() == 1
        (request,) = corrective.open_requests([cert.id])
        with pytest.raises(CertificationError):  # the committee route cannot lift it while the request is open
            certification.reinstate(cert, make_user(Role.COMMITTEE, email="c2@example.com"), "ขอคืนสถานะ")
        corrective.close_request(world.manager, request, "ปลูกแนวกันชนแล้ว", png())
        corrective.reinstate_member(world.manager, cert, "ปิดคำขอพร้อมหลักฐาน")  # the auditor may reinstate
    assert cert.status is CertStatus.CERTIFIED
