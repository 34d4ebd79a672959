from datetime import date

import pytest

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role
from greensmile.certification import services
from greensmile.certification.errors import ConflictOfInterest, NotAllowed
from greensmile.certification.models import Outcome
from tests.certification.helpers import apply_for, make_cycle, submission, through_inspection
from tests.factories import add_member, make_organisation, make_plot, make_user


def test_an_independent_inspector_is_assigned(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    assignment = services.assign(application, cycle.inspector, date(2026, 12, 1), cycle.coordinator)
    assert assignment.inspector_id == cycle.inspector.id
    assert application.status.value == "assigned"


def test_nobody_inspects_their_own_plot(app_ctx):
    cycle = make_cycle()
    accounts.grant_role(cycle.farmer, Role.INSPECTOR, cycle.coordinator)
    with pytest.raises(ConflictOfInterest, match="ของตนเอง"):
        services.assign(apply_for(cycle), cycle.farmer, date.today(), cycle.coordinator)


def test_nobody_inspects_a_plot_of_their_own_group(app_ctx):
    cycle = make_cycle()
    add_member(cycle.group, cycle.inspector, cycle.coordinator)
    with pytest.raises(ConflictOfInterest, match="กลุ่มเกษตรกรของตนเอง"):
        services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)


def test_sharing_any_farmer_group_with_the_owner_is_a_conflict(app_ctx):
    cycle = make_cycle()
    shared = make_organisation(name="กลุ่มที่สาม")
    add_member(shared, cycle.inspector, cycle.coordinator)
    add_member(shared, cycle.farmer, cycle.coordinator)
    with pytest.raises(ConflictOfInterest):
        services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)


def test_nobody_inspects_their_household_by_phone(app_ctx):
    cycle = make_cycle()
    spouse = make_user(Role.INSPECTOR, phone="081-111-1111")
    with pytest.raises(ConflictOfInterest, match="ครัวเรือน"):
        services.assign(apply_for(cycle), spouse, date.today(), cycle.coordinator)


def test_nobody_inspects_their_household_by_address(app_ctx):
    cycle = make_cycle()
    child = make_user(Role.INSPECTOR, phone="0899999999", address="  12 หมู่ 3   ต.คอหงส์ ")
    with pytest.raises(ConflictOfInterest, match="ครัวเรือน"):
        services.assign(apply_for(cycle), child, date.today(), cycle.coordinator)


def test_reciprocal_inspection_in_one_cycle_is_refused(app_ctx):
    cycle = make_cycle()
    # The farmer is an inspector too, and inspects the inspector's plot first.
    accounts.grant_role(cycle.farmer, Role.INSPECTOR, cycle.coordinator)
    inspectors_plot = make_plot(cycle.inspector, cycle.other_group)
    theirs = apply_for(cycle, inspectors_plot, cycle.inspector)
    assignment = services.assign(theirs, cycle.farmer, date.today(), cycle.coordinator)
    services.submit_inspection(submission(theirs, assignment.id), cycle.farmer)
    with pytest.raises(ConflictOfInterest, match="ตรวจซึ่งกันและกัน"):
        services.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)


def test_only_inspectors_are_assigned_and_only_by_coordinators(app_ctx):
    cycle = make_cycle()
    application = apply_for(cycle)
    with pytest.raises(NotAllowed):
        services.assign(application, make_user(Role.FARMER), date.today(), cycle.coordinator)
    with pytest.raises(NotAllowed):
        services.assign(application, cycle.inspector, date.today(), cycle.farmer)


def test_a_committee_member_does_not_decide_on_their_own_plot(app_ctx):
    cycle = make_cycle()
    accounts.grant_role(cycle.farmer, Role.COMMITTEE, cycle.coordinator)
    application = through_inspection(cycle)
    with pytest.raises(ConflictOfInterest, match="แปลงของตนเอง"):
        services.decide(application, cycle.farmer, Outcome.CERTIFY, "ผ่าน")


def test_a_committee_member_does_not_decide_on_a_plot_they_inspected(app_ctx):
    cycle = make_cycle()
    accounts.grant_role(cycle.inspector, Role.COMMITTEE, cycle.coordinator)
    application = through_inspection(cycle)
    with pytest.raises(ConflictOfInterest, match="ตรวจ"):
        services.decide(application, cycle.inspector, Outcome.CERTIFY, "ผ่าน")


def test_only_committee_members_decide(app_ctx):
    cycle = make_cycle()
    application = through_inspection(cycle)
    with pytest.raises(NotAllowed):
        services.decide(application, cycle.coordinator, Outcome.CERTIFY, "ผ่าน")
