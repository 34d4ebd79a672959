"""Kitchens' orders through the services: allocation, declines, standing orders, deliveries, invoices, traces."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.bulk import delivery, invoices
from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.bulk.errors import BulkError, IllegalMove, NotAllowed, OverOffer
from greensmile.bulk.models import BulkOrder, BulkStatus, InvoiceStatus, ShareStatus
from greensmile.certification.models import CertStatus
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.listings.models import Unit
from tests.bulk.helpers import make_kitchen, month_after, next_weekday, on_the_day, order_for

D = Decimal


def _shares(order):
    return {share.farmer_id: share for line in order.lines for share in line.shares
            if share.status is not ShareStatus.DECLINED}


def test_allocation_spreads_within_offers_and_leaves_out_uncertified_plots(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    assert sharing.propose(kitchen.coordinator, order) == {order.lines[0].id: D("0.00")}
    shares = _shares(order)
    assert {farmer: share.quantity for farmer, share in shares.items()} == {
        kitchen.farmer_a.id: D("30.00"), kitchen.farmer_b.id: D("30.00")}  # even, not one farm taking it all
    assert kitchen.farmer_c.id not in shares  # its plot is not certified
    assert order.status is BulkStatus.ALLOCATING
    assert {share.plot.code for share in shares.values()} == {kitchen.plot_a.code, kitchen.plot_b.code}


def test_the_shortfall_is_reported_exactly_and_no_farm_gets_more_than_it_offered(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "100")
    (shortfall,) = sharing.propose(kitchen.coordinator, order).values()
    assert shortfall == D("30.00") and order.lines[0].shortfall == D("30.00")
    assert {f: s.quantity for f, s in _shares(order).items()} == {kitchen.farmer_a.id: D("40.00"),
                                                                  kitchen.farmer_b.id: D("30.00")}


def test_a_farms_week_is_shared_between_orders_of_the_same_week(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    monday = next_weekday(1)
    sharing.propose(kitchen.coordinator, order_for(kitchen, "50", monday))
    second = order_for(kitchen, "50", monday + timedelta(days=2), kitchen.other_hospital, kitchen.other_buyer)
    (shortfall,) = sharing.propose(kitchen.coordinator, second).values()
    assert shortfall == D("30.00")  # 70 a week in all, 50 already asked for by the first kitchen
    assert sum(s.quantity for s in _shares(second).values()) == D("20.00")


def test_a_decline_reopens_its_share_and_the_farm_is_not_asked_again(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    share_b = _shares(order)[kitchen.farmer_b.id]
    with pytest.raises(BulkError):
        sharing.decline_share(kitchen.farmer_b, share_b, "")  # a reason is required
    with pytest.raises(NotAllowed):
        sharing.decline_share(kitchen.farmer_a, share_b, "ไม่ใช่ของฉัน")  # not their share
    sharing.decline_share(kitchen.farmer_b, share_b, "หนอนลง เก็บไม่ได้")
    line = order.lines[0]
    assert share_b.status is ShareStatus.DECLINED and line.shortfall == D("30.00")
    assert sharing.propose(kitchen.coordinator, order) == {line.id: D("20.00")}  # farm A had 10 more, B is out
    assert [s.quantity for s in line.live_shares] == [D("30.00"), D("10.00")]
    assert {s.farmer_id for s in line.live_shares} == {kitchen.farmer_a.id}


def test_the_coordinator_adjusts_within_the_offer_and_confirmations_confirm_the_order(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    share_a, share_b = _shares(order)[kitchen.farmer_a.id], _shares(order)[kitchen.farmer_b.id]
    with pytest.raises(OverOffer):
        sharing.adjust(kitchen.coordinator, share_a, D("41"))
    with pytest.raises(NotAllowed):
        sharing.adjust(kitchen.farmer_a, share_a, D("35"))
    with pytest.raises(BulkError):
        sharing.adjust(kitchen.coordinator, share_a, D("35"))  # 65 of a 60 kg line
    sharing.adjust(kitchen.coordinator, share_b, D("25"))
    sharing.adjust(kitchen.coordinator, share_a, D("35"))
    sharing.confirm_share(kitchen.farmer_a, share_a)
    assert order.status is BulkStatus.ALLOCATING
    sharing.confirm_share(kitchen.farmer_b, share_b)
    assert order.status is BulkStatus.CONFIRMED
    with pytest.raises(IllegalMove):
        sharing.confirm_share(kitchen.farmer_b, share_b)  # answered once


def test_a_share_answered_by_someone_else_meanwhile_is_not_answered_twice(app_ctx):
    kitchen = make_kitchen()
    order = order_for(kitchen, "10")
    sharing.propose(kitchen.coordinator, order)
    share = next(iter(_shares(order).values()))
    farmer = share.farmer
    db.session.execute(sa.text("UPDATE bulk_shares SET status = 'withdrawn' WHERE id = :id"), {"id": share.id})
    with pytest.raises(IllegalMove):
        sharing.confirm_share(farmer, share)  # the copy in hand still said "proposed"
    db.session.refresh(share)
    assert share.status is ShareStatus.WITHDRAWN


def test_bulk_generate_makes_each_week_once_and_keeps_skips_and_changes(app, app_ctx):
    kitchen = make_kitchen()
    start = next_weekday(1)
    standing = bulk.create_standing(kitchen.buyer, kitchen.hospital, [1, 4], start, start + timedelta(days=60),
                                    [bulk.LineData(kitchen.crop.id, Unit.KG, D("20"))])
    made = db.session.scalars(sa.select(BulkOrder).where(BulkOrder.standing_order_id == standing.id)
                              .order_by(BulkOrder.delivery_on)).all()
    assert made and {o.delivery_on.isoweekday() for o in made} <= {1, 4}
    assert len({o.delivery_on for o in made}) == len(made)
    assert bulk.generate() == 0  # run again: nothing new
    bulk.skip(kitchen.buyer, made[0])
    bulk.change_order(kitchen.buyer, made[1], [bulk.LineData(kitchen.crop.id, Unit.KG, D("35"))])
    assert bulk.generate(weeks=4) > 0  # further ahead: new weeks only
    assert bulk.generate(weeks=4) == 0
    weeks = db.session.scalars(sa.select(BulkOrder).where(BulkOrder.standing_order_id == standing.id)
                               .order_by(BulkOrder.delivery_on)).all()
    assert len(weeks) == len({o.delivery_on for o in weeks})
    assert weeks[0].status is BulkStatus.SKIPPED and weeks[1].lines[0].quantity == D("35.00")
    with pytest.raises(NotAllowed):
        bulk.skip(kitchen.other_buyer, weeks[2])  # another hospital's buyer


def test_bulk_generate_command_twice(app, given):
    with given():
        kitchen = make_kitchen()
        start = next_weekday(2)
        bulk.create_standing(kitchen.buyer, kitchen.hospital, [2], start, start + timedelta(days=90),
                             [bulk.LineData(kitchen.crop.id, Unit.KG, D("20"))])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["bulk", "generate", "--weeks", "6"])
    assert first.exit_code == 0 and int(first.output.split()[0]) >= 3
    again = runner.invoke(args=["bulk", "generate", "--weeks", "6"])
    assert again.exit_code == 0 and again.output.startswith("0 bulk orders made")


def test_orders_are_refused_for_the_wrong_organisation_and_bad_dates(app_ctx):
    kitchen = make_kitchen()
    with pytest.raises(NotAllowed):
        order_for(kitchen, "10", organisation=kitchen.other_hospital)  # not a member there
    with pytest.raises(BulkError):
        order_for(kitchen, "10", on=today())
    with pytest.raises(BulkError):
        bulk.place_order(kitchen.buyer, kitchen.hospital, next_weekday(1), [])
    assert not bulk.can_view(kitchen.other_buyer, kitchen.hospital)
    assert bulk.can_view(kitchen.buyer, kitchen.hospital) and bulk.can_view(kitchen.coordinator, kitchen.hospital)


def _delivered(kitchen, a_received="25"):
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    for share in shares.values():
        sharing.confirm_share(share.farmer, share)
    with pytest.raises(BulkError, match="บันทึกเมื่อ"):
        delivery.receive(kitchen.buyer, shares[kitchen.farmer_a.id], D(a_received))  # not before the day
    with on_the_day(order.delivery_on):
        delivery.receive(kitchen.buyer, shares[kitchen.farmer_a.id], D(a_received))
        delivery.reject(kitchen.buyer, shares[kitchen.farmer_b.id], "ผักเหี่ยว")
    return order, shares


def test_the_kitchen_weighs_in_and_the_invoice_follows_what_was_received(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order, shares = _delivered(kitchen)
    assert order.status is BulkStatus.DELIVERED
    with pytest.raises(NotAllowed):
        delivery.receive(kitchen.other_buyer, shares[kitchen.farmer_a.id], D("1"))
    with on_the_day(order.delivery_on), pytest.raises(BulkError, match="สิ้นเดือน"):
        invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)  # the month has not ended
    with on_the_day(month_after(order.delivery_on)):
        invoice = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
        assert invoice.total_satang == 25 * 4500  # 25 kg received of 30 asked; the rejected 30 kg not at all
        parts = invoices.farm_breakdown(invoices.invoice_shares(invoice))
        assert [(p.farmer.id, p.total_satang) for p in parts] == [(kitchen.farmer_a.id, 112500)]
        assert invoice.due_on == invoice.issued_on + timedelta(days=30)
        with pytest.raises(BulkError, match="ออกใบแจ้งหนี้ของเดือนนั้นแล้ว"):
            invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)  # each month once
        with pytest.raises(NotAllowed):
            invoices.issue(kitchen.buyer, kitchen.hospital, order.delivery_on)
    assert not invoices.can_view_invoice(kitchen.other_buyer, invoice)
    invoices.mark_paid(kitchen.coordinator, invoice, "KTB 0012345")
    assert invoice.status is InvoiceStatus.PAID


def test_traceability_from_a_delivered_line_to_its_plot_and_back(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order, shares = _delivered(kitchen)
    trace = delivery.trace(shares[kitchen.farmer_a.id])
    assert trace.plot.code == kitchen.plot_a.code and trace.status_on_delivery is CertStatus.CERTIFIED
    assert trace.certification.valid_until is not None and trace.last_inspection is not None
    assert trace.last_inspection.inspector_id == kitchen.cycle.inspector.id
    back = delivery.deliveries_from(kitchen.plot_a, order.delivery_on - timedelta(days=7), order.delivery_on)
    assert [(s.line.order.organisation.name, s.received_quantity) for s in back] == [
        ("ครัวโรงพยาบาลหาดใหญ่", D("25.00"))]
    assert delivery.deliveries_from(kitchen.plot_a, order.delivery_on + timedelta(days=1),
                                    order.delivery_on + timedelta(days=9)) == []
    note = delivery.delivery_note(kitchen.hospital, order.delivery_on)
    assert {(s.plot.code, row.statuses[s.plot_id]) for row in note.rows for s in row.shares} == {
        (kitchen.plot_a.code, CertStatus.CERTIFIED), (kitchen.plot_b.code, CertStatus.CERTIFIED)}


def test_the_certificate_status_on_the_delivery_date_is_kept_with_the_delivery(app_ctx):
    from greensmile.certification import services as certification

    kitchen = make_kitchen(a="40", b="30")
    order, shares = _delivered(kitchen)
    certification.suspend(certification.certification_for(kitchen.plot_a, kitchen.cycle.standard),
                          kitchen.coordinator, "พบสารตกค้าง")
    # The delivery was made while the plot was certified; that stays on record.
    assert delivery.trace(shares[kitchen.farmer_a.id]).status_on_delivery is CertStatus.CERTIFIED


def test_the_outlook_counts_standing_demand_against_capacity(app_ctx):
    from greensmile.bulk.outlook import outlook

    kitchen = make_kitchen(a="40", b="30", c="100")
    start = next_weekday(1)
    bulk.create_standing(kitchen.buyer, kitchen.hospital, [1, 4], start, start + timedelta(days=90),
                         [bulk.LineData(kitchen.crop.id, Unit.KG, D("20"))])
    view = outlook(kitchen.farmer_a, start=start)
    (row,) = view.rows
    assert len(view.weeks) == 8 and row.demand == [D("40.00")] * 8  # Monday and Thursday, 20 kg each
    assert row.capacity == D("70.00") and row.mine == D("40.00")  # farm C's plot is not certified: not counted


def test_a_delivery_weighed_in_late_keeps_the_status_of_its_delivery_date(app_ctx):
    from greensmile.certification import services as certification

    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    for share in shares.values():
        sharing.confirm_share(share.farmer, share)
    with on_the_day(order.delivery_on + timedelta(days=2)):
        certification.suspend(certification.certification_for(kitchen.plot_a, kitchen.cycle.standard),
                              kitchen.coordinator, "พบสารตกค้าง")
        delivery.receive(kitchen.buyer, shares[kitchen.farmer_a.id], D("30"))  # recorded two days late
    share = shares[kitchen.farmer_a.id]
    assert share.certificate_status == "certified"  # as it stood on the delivery date, from the history
    assert delivery.trace(share).certification.status is CertStatus.SUSPENDED  # and as it stands today


def test_farms_are_never_asked_for_more_than_the_kitchen_ordered(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "20")
    sharing.propose(kitchen.coordinator, order)
    line = order.lines[0]
    assert line.allocated == D("20.00")
    with pytest.raises(BulkError):
        sharing.ask(kitchen.coordinator, line, kitchen.capacities["a"].id, D("5"))
    with pytest.raises(BulkError):
        sharing.adjust(kitchen.coordinator, _shares(order)[kitchen.farmer_a.id], D("15"))
    assert sharing.propose(kitchen.coordinator, order) == {line.id: D("0.00")}  # share out twice: nothing more asked
    assert line.allocated == D("20.00") and len(line.shares) == 2


def test_a_plot_suspended_after_it_was_asked_cannot_confirm(app_ctx):
    from greensmile.certification import services as certification

    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    certification.suspend(certification.certification_for(kitchen.plot_a, kitchen.cycle.standard),
                          kitchen.coordinator, "พบสารตกค้าง")
    with pytest.raises(BulkError, match=kitchen.plot_a.code):
        sharing.confirm_share(kitchen.farmer_a, _shares(order)[kitchen.farmer_a.id])


def test_the_second_of_two_farms_confirming_at_once_sees_the_first(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    share_a, share_b = _shares(order)[kitchen.farmer_a.id], _shares(order)[kitchen.farmer_b.id]
    # Farm A's confirmation commits in another request; this one still holds A's share as "proposed".
    db.session.execute(sa.text("UPDATE bulk_shares SET status = 'confirmed' WHERE id = :id"), {"id": share_a.id})
    sharing.confirm_share(kitchen.farmer_b, share_b)
    assert order.status is BulkStatus.CONFIRMED  # not left waiting for an answer already given


def test_payment_terms_are_the_coordinators_to_set(app_ctx):
    from greensmile.bulk.models import PaymentTerms

    kitchen = make_kitchen()
    mine = bulk.ProfileData("ครัวใหม่", [1, 2, 3], invoice_days=30)
    bulk.save_profile(kitchen.buyer, kitchen.hospital, mine)  # the address and days are the kitchen's
    with pytest.raises(NotAllowed):
        bulk.save_profile(kitchen.buyer, kitchen.hospital, bulk.ProfileData("ครัวใหม่", [1, 2, 3], invoice_days=90))
    bulk.save_profile(kitchen.coordinator, kitchen.hospital, bulk.ProfileData(
        "ครัวใหม่", [1, 2, 3], payment_terms=PaymentTerms.PAY_NOW, invoice_days=0))
    assert bulk.profile_of(kitchen.hospital).payment_terms is PaymentTerms.PAY_NOW


def test_an_invoice_paid_meanwhile_is_not_paid_again(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order, shares = _delivered(kitchen)
    with on_the_day(month_after(order.delivery_on)):
        invoice = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
    db.session.execute(sa.text("UPDATE invoices SET status = 'paid' WHERE id = :id"), {"id": invoice.id})
    with pytest.raises(IllegalMove):
        invoices.mark_paid(kitchen.coordinator, invoice, "KTB 1")  # the copy in hand still said "issued"


def test_late_deliveries_go_on_the_next_invoice(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    share_a, share_b = _shares(order)[kitchen.farmer_a.id], _shares(order)[kitchen.farmer_b.id]
    for share in (share_a, share_b):
        sharing.confirm_share(share.farmer, share)
    with on_the_day(order.delivery_on):
        delivery.receive(kitchen.buyer, share_a, D("30"))
    first_month = month_after(order.delivery_on)
    with on_the_day(first_month):
        first = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
        delivery.receive(kitchen.buyer, share_b, D("30"))  # weighed in after the month was invoiced
    with on_the_day(month_after(first_month)):
        second = invoices.issue(kitchen.coordinator, kitchen.hospital, first_month)
    assert [s.id for s in invoices.invoice_shares(first)] == [share_a.id]
    assert [s.id for s in invoices.invoice_shares(second)] == [share_b.id] and second.total_satang == 30 * 4500
