"""Rubber on the same certification engine: two standards per plot, the group's certificate, harvests under a
ceiling, lots whose FSC claim is traced plot by plot."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.certification import charter, groups, overview
from greensmile.certification import services as certification
from greensmile.certification.group_models import GroupOutcome
from greensmile.certification.models import CertStatus
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.rubber import lots
from greensmile.rubber import services as rubber
from greensmile.rubber.errors import AlreadyInLot, NotAllowed, OverCeiling, RubberError
from greensmile.rubber.models import Harvest, RubberProduct
from tests.rubber.helpers import SINCE, certify, day, harvest, make_group

D = Decimal


def test_a_plot_holds_pgs_and_fsc_certificates_with_separate_statuses(app_ctx):
    world = make_group()
    plot = world.plots[0]
    pgs = charter.ensure_pgs_standard()
    certification.certification_for(plot, pgs)  # applied for organic, not certified
    statuses = {s.standard.code: s.status for s in overview.public_statuses(plot)}
    assert statuses == {charter.FSC_RUBBER: CertStatus.CERTIFIED, charter.PGS_ORGANIC: CertStatus.NOT_CERTIFIED}
    certification.suspend(certification.certification_for(plot, world.fsc), world.coordinator, "พบการใช้สารต้องห้าม")
    statuses = {s.standard.code: s.status for s in overview.public_statuses(plot)}
    assert statuses[charter.FSC_RUBBER] is CertStatus.SUSPENDED
    assert overview.pgs_statuses([plot.id])[plot.id] is CertStatus.NOT_CERTIFIED  # its own cycle, untouched


def test_the_groups_lapse_removes_every_members_fsc_status(app_ctx):
    world = make_group()
    ids = [plot.id for plot in world.plots]
    assert set(overview.statuses(ids, code=charter.FSC_RUBBER).values()) == {CertStatus.CERTIFIED}
    groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
        GroupOutcome.SUSPENDED, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง", today()))
    assert set(overview.statuses(ids, code=charter.FSC_RUBBER).values()) == {CertStatus.GROUP_LAPSED}
    # Yesterday the group was still certified: the history keeps that.
    assert set(overview.statuses_on(ids, day(1), charter.FSC_RUBBER).values()) == {CertStatus.CERTIFIED}
    assert {s.status for s in overview.public_statuses(world.plots[0])} == {CertStatus.GROUP_LAPSED}


def test_the_group_certificate_is_recorded_only_by_a_coordinator_and_not_backdated_far(app_ctx):
    world = make_group()
    decision = groups.GroupDecisionData(GroupOutcome.WITHDRAWN, "FSC-C000000", "หน่วยรับรอง", today())
    from greensmile.certification.errors import CertificationError

    for somebody in (world.farmers[0], world.manager):  # the group does not certify itself
        with pytest.raises(CertificationError):
            groups.record_decision(somebody, world.group, world.fsc, decision)
    with pytest.raises(CertificationError):
        groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
            GroupOutcome.CERTIFIED, "FSC-C1", "หน่วยรับรอง", day(200), day(200), day(-100)))
    groups.record_decision(world.coordinator, world.group, world.fsc, decision)
    assert groups.in_force(world.group, world.fsc).outcome is GroupOutcome.WITHDRAWN


def test_an_early_renewal_does_not_void_the_certificate_it_renews(app_ctx):
    world = make_group()
    ids = [plot.id for plot in world.plots]
    renewal_start = today() + timedelta(days=365 - SINCE)
    groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
        GroupOutcome.CERTIFIED, "FSC-C000000 (ต่ออายุ)", "หน่วยรับรองตัวอย่าง", today(), renewal_start,
        renewal_start + timedelta(days=364)))
    assert set(overview.statuses(ids, code=charter.FSC_RUBBER).values()) == {CertStatus.CERTIFIED}


def test_dry_rubber_from_each_product():
    assert rubber.dry_rubber(RubberProduct.FIELD_LATEX, D("100"), D("35")) == D("35.00")
    assert rubber.dry_rubber(RubberProduct.CUP_LUMP, D("52.5"), D("55")) == D("28.88")  # 28.875 rounded half up
    assert rubber.dry_rubber(RubberProduct.RIBBED_SMOKED_SHEET, D("20"), None) == D("20.00")


def test_a_harvest_over_the_ceiling_is_refused_and_nothing_is_written(app_ctx, app):
    world = make_group(area_m2="1600")  # 1 rai: at most 400 kg of dry rubber a year
    harvest(world, 0, days_ago=20, kg="1000", drc="35")  # 350 kg dry
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Harvest))
    with pytest.raises(OverCeiling) as refused:
        harvest(world, 0, days_ago=5, kg="200", drc="30")  # 60 kg more: 410 > 400
    message = str(refused.value)
    assert "400" in message and "350" in message and "60" in message  # says why, in figures
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Harvest)) == count
    harvest(world, 0, days_ago=5, kg="150", drc="30")  # 45 kg: 395, within the ceiling
    app.config["RUBBER_MAX_DRY_KG_PER_RAI"] = 300
    try:
        with pytest.raises(OverCeiling):
            harvest(world, 1, days_ago=5, kg="900", drc="35")  # 315 kg on a 1-rai plot, ceiling set to 300
    finally:
        app.config["RUBBER_MAX_DRY_KG_PER_RAI"] = 400


def test_harvests_are_checked_and_recorded_only_by_those_who_may(app_ctx):
    world = make_group()
    with pytest.raises(NotAllowed):
        rubber.record_harvest(world.farmers[1], world.plots[0], rubber.HarvestData(day(1), RubberProduct.CUP_LUMP,
                                                                                   D("10"), D("50")))
    with pytest.raises(RubberError):  # latex without its DRC
        harvest(world, 0, drc="")
    with pytest.raises(RubberError):
        rubber.record_harvest(world.farmers[0], world.plots[0], rubber.HarvestData(
            today() + timedelta(days=1), RubberProduct.RIBBED_SMOKED_SHEET, D("10")))
    by_manager = rubber.record_harvest(world.manager, world.plots[0], rubber.HarvestData(
        day(2), RubberProduct.RIBBED_SMOKED_SHEET, D("12.5")))
    assert by_manager.dry_rubber_kg == D("12.50")


def test_a_lot_with_one_uncertified_contribution_has_no_claim_and_names_it(app_ctx):
    world = make_group()
    certified_harvest = harvest(world, 0, days_ago=10)
    certification.suspend(certification.certification_for(world.plots[1], world.fsc), world.coordinator,
                          "พบการแผ้วถางป่า")
    # Recorded after the suspension, dated today: plot 2 was not certified on its harvest date.
    broken = rubber.record_harvest(world.farmers[1], world.plots[1], rubber.HarvestData(
        today(), RubberProduct.CUP_LUMP, D("80"), D("50")))
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [certified_harvest.id, broken.id])
    claim = lots.claim_of(lot)
    assert claim.claim == "" and [c.harvest.plot.code for c in claim.breakers] == [world.plots[1].code]
    assert claim.breakers[0].status is CertStatus.SUSPENDED and claim.dry_rubber_kg == D("75.00")
    clean = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, clean, [harvest(world, 0, days_ago=3).id])
    assert lots.claim_of(clean).claim == lots.FSC_100


def test_a_harvest_before_the_plot_was_certified_breaks_the_claim_even_if_it_is_certified_now(app_ctx):
    world = make_group()
    early = harvest(world, 0, days_ago=SINCE + 5)  # before the certificate (and the group's) began
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [early.id])
    claim = lots.claim_of(lot)
    assert claim.claim == "" and claim.breakers[0].status is not CertStatus.CERTIFIED


def test_the_groups_lapse_on_the_harvest_date_breaks_the_claim(app_ctx):
    world = make_group()
    groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
        GroupOutcome.SUSPENDED, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง", day(30)))
    lapsed = harvest(world, 0, days_ago=10)
    before = harvest(world, 1, days_ago=40)
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [lapsed.id, before.id])
    claim = lots.claim_of(lot)
    assert claim.claim == "" and claim.group_lapsed
    assert [(c.harvest.id, c.status) for c in claim.breakers] == [(lapsed.id, CertStatus.GROUP_LAPSED)]


def test_a_harvest_record_cannot_join_two_lots(app_ctx):
    world = make_group()
    record = harvest(world, 0)
    first = lots.create_lot(world.manager, world.group, world.exporter)
    second = lots.create_lot(world.manager, world.group, world.other_exporter)
    lots.add_harvests(world.manager, first, [record.id])
    with pytest.raises(AlreadyInLot):
        lots.add_harvests(world.manager, second, [record.id])
    assert lots.contents(second) == [] and [h.id for h in lots.contents(first)] == [record.id]
    with pytest.raises(NotAllowed):
        lots.add_harvests(world.farmers[0], first, [harvest(world, 1).id])  # a member is not the manager


def test_only_the_buyers_members_and_the_group_see_a_lot(app_ctx):
    from tests.factories import make_user

    world = make_group()
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    outsider = make_user(email="outsider@example.com")
    assert lots.may_view(world.exporter_buyer, lot) and lots.may_view(world.manager, lot)
    assert not lots.may_view(outsider, lot) and not lots.may_view(world.farmers[0], lot)


def test_a_shipped_lot_does_not_change(app_ctx):
    world = make_group()
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    with pytest.raises(RubberError):
        lots.ship(world.manager, lot, today())  # empty
    lots.add_harvests(world.manager, lot, [harvest(world, 0).id])
    lots.ship(world.manager, lot, today())
    with pytest.raises(RubberError):
        lots.add_harvests(world.manager, lot, [harvest(world, 1).id])


def test_certify_helper_dates_the_history(app_ctx):
    world = make_group()
    later = world.plots[0]
    certify(later, charter.ensure_pgs_standard(), world.coordinator, days_ago=3)
    assert overview.pgs_statuses_on([later.id], day(5))[later.id] is CertStatus.NOT_CERTIFIED
    assert overview.pgs_statuses_on([later.id], day(1))[later.id] is CertStatus.CERTIFIED


def test_the_claim_is_computed_in_the_same_number_of_queries_however_long_the_lot(app_ctx):
    world = make_group(area_m2="16000")
    small = lots.create_lot(world.manager, world.group, world.exporter)
    big = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, small, [harvest(world, 0, days_ago=2).id])
    lots.add_harvests(world.manager, big, [harvest(world, n % 2, days_ago=1 + n).id for n in range(12)])
    counts = []
    for lot in (small, big):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            lots.claim_of(lot)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert 0 < counts[0] == counts[1] <= 10


def test_an_overdue_major_request_suspends_the_fsc_status_and_leaves_the_pgs_status_alone(app_ctx):
    from greensmile.certification import corrective
    from greensmile.certification.group_models import Severity
    from tests.certification.helpers import png

    world = make_group()
    plot = world.plots[0]
    pgs = charter.ensure_pgs_standard()
    certify(plot, pgs, world.coordinator)
    fsc_cert = certification.certification_for(plot, world.fsc)
    from greensmile.certification.errors import NotAllowed as NotCertificationManager

    with pytest.raises(NotCertificationManager):
        corrective.raise_request(world.farmers[0], fsc_cert, Severity.MAJOR, "ไม่มีแนวกันชนริมลำห้วย", day(-7))
    major = corrective.raise_request(world.manager, fsc_cert, Severity.MAJOR, "ไม่มีแนวกันชนริมลำห้วย", day(-7))
    corrective.raise_request(world.manager, certification.certification_for(world.plots[1], world.fsc),
                             Severity.MINOR, "บันทึกปุ๋ยไม่ครบ", day(-7))
    assert corrective.suspend_overdue(day(-7)) == 0  # due today: not yet overdue
    assert corrective.suspend_overdue(day(-8)) == 1  # the day after: only the major one suspends
    assert corrective.suspend_overdue(day(-9)) == 0  # once
    statuses = {s.standard.code: s.status for s in overview.public_statuses(plot)}
    assert statuses == {charter.FSC_RUBBER: CertStatus.SUSPENDED, charter.PGS_ORGANIC: CertStatus.CERTIFIED}
    assert overview.statuses([world.plots[1].id], code=charter.FSC_RUBBER)[world.plots[1].id] is CertStatus.CERTIFIED
    from greensmile.certification.errors import CertificationError

    with pytest.raises(CertificationError):
        corrective.reinstate_member(world.manager, fsc_cert, "แก้ไขแล้ว")  # the major request is still open
    with pytest.raises(CertificationError):
        corrective.close_request(world.manager, major, "ปลูกหญ้าแฝกริมลำห้วยแล้ว", b"")  # no photo
    corrective.close_request(world.manager, major, "ปลูกหญ้าแฝกริมลำห้วยแล้ว", png())
    corrective.reinstate_member(world.manager, fsc_cert, "ปิดคำขอแก้ไขพร้อมหลักฐาน")
    assert fsc_cert.status is CertStatus.CERTIFIED


def test_the_member_register_matches_the_data_and_is_the_groups_own(app_ctx):
    import csv
    import io

    from greensmile.network import services as network
    from greensmile.network.models import OrganisationKind, Position
    from greensmile.rubber import register
    from tests.factories import make_organisation, make_user

    world = make_group(area_m2="4000")  # 2.5 rai each
    certification.suspend(certification.certification_for(world.plots[1], world.fsc), world.coordinator, "ตรวจพบ")
    rows = register.register(world.manager, world.group)
    parsed = list(csv.DictReader(io.StringIO(register.register_csv(rows).lstrip("\ufeff"))))
    assert [r["plot_code"] for r in parsed] == sorted(plot.code for plot in world.plots)
    by_code = {r["plot_code"]: r for r in parsed}
    first, second = by_code[world.plots[0].code], by_code[world.plots[1].code]
    assert (first["member"], first["area_rai"], first["planting_year"], first["clone"], first["fsc_status"]) == (
        world.farmers[0].display_name, "2.50", "2012", "RRIM 600", "certified")
    assert second["fsc_status"] == "suspended" and second["open_requests"] == "0"
    other_group = make_organisation(OrganisationKind.FSC_GROUP, name="กลุ่มยางอื่น")
    other_manager = make_user(email="other-manager@example.com")
    network.add_member(other_group, other_manager.email, Position.MANAGER, world.coordinator)
    with pytest.raises(NotAllowed):
        register.register(other_manager, world.group)  # a group manager cannot see another group's members
    assert register.register(other_manager, other_group) == []


def test_a_shipped_lot_keeps_the_claim_it_was_sold_with(app_ctx):
    world = make_group()
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [harvest(world, 0, days_ago=5).id])
    lots.ship(world.manager, lot, today())
    assert lot.claim == lots.FSC_100
    # Later the plot is suspended and the group withdrawn: the shipped lot's record stands as it was sold.
    certification.suspend(certification.certification_for(world.plots[0], world.fsc), world.coordinator, "ภายหลัง")
    groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
        GroupOutcome.WITHDRAWN, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง", today()))
    claim = lots.claim_of(lot)
    assert claim.claim == lots.FSC_100 and claim.contributions[0].status is CertStatus.CERTIFIED


def test_an_overdue_major_request_shows_as_a_suspension_before_any_cron_job(app_ctx):
    from greensmile.certification import corrective
    from greensmile.certification.group_models import Severity
    from tests.bulk.helpers import on_the_day

    world = make_group()
    cert = certification.certification_for(world.plots[0], world.fsc)
    corrective.raise_request(world.manager, cert, Severity.MAJOR, "ไม่มีแนวกันชน", today() + timedelta(days=3))
    plot_id = world.plots[0].id
    assert overview.statuses([plot_id], code=charter.FSC_RUBBER)[plot_id] is CertStatus.CERTIFIED
    with on_the_day(today() + timedelta(days=4)):
        assert overview.statuses([plot_id], code=charter.FSC_RUBBER)[plot_id] is CertStatus.SUSPENDED
        assert cert.status is CertStatus.CERTIFIED  # nothing recorded yet: the status is read from the request
