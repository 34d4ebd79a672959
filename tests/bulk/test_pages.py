"""Kitchens' pages through real requests: ordering, allocation, the farm's answer, the delivery note, invoices,
and every page refusing people of another kitchen."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.bulk import delivery, invoices
from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.bulk.models import BulkOrder, BulkStatus, FarmCapacity, Share, ShareStatus, StandingOrder
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.i18n import format_date_for
from tests.bulk.helpers import make_kitchen, month_after, next_weekday, on_the_day, order_for
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD


def _lines(crop_id, quantity="40", unit="kg"):
    rows = {"lines-0-crop_id": str(crop_id), "lines-0-quantity": quantity, "lines-0-unit": unit}
    for n in range(1, 6):
        rows |= {f"lines-{n}-crop_id": "0", f"lines-{n}-quantity": "", f"lines-{n}-unit": "kg"}
    return rows


def test_a_buyer_places_a_standing_order_and_its_weeks_are_made(client, given, app):
    with given():
        kitchen = make_kitchen()
    login(client, "kitchen@example.com", PASSWORD)
    start = next_weekday(1)
    response = post_form(client, "/bulk/standing/new", {
        "organisation_id": str(kitchen.hospital.id), "weekdays": ["1", "4"], "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=56)).isoformat(), **_lines(kitchen.crop.id)})
    assert response.status_code == 302
    with app.app_context():
        weeks = db.session.scalars(sa.select(BulkOrder).order_by(BulkOrder.delivery_on)).all()
        assert len(weeks) >= 4 and all(o.lines[0].quantity == Decimal("40.00") for o in weeks)
    home = client.get("/bulk").get_data(as_text=True)
    assert weeks[0].number in home and "ผักบุ้ง" in home


def test_bad_order_forms_are_answered_with_their_errors_and_save_nothing(client, given, app):
    with given():
        kitchen = make_kitchen()
    login(client, "kitchen@example.com", PASSWORD)
    base = {"organisation_id": str(kitchen.hospital.id), "delivery_on": next_weekday(2).isoformat()}
    no_lines = post_form(client, "/bulk/orders/new", {**base, **_lines(0, "")})
    assert no_lines.status_code == 400 and "เพิ่มอย่างน้อยหนึ่งบรรทัด" in no_lines.get_data(as_text=True)
    bad_qty = post_form(client, "/bulk/orders/new", {**base, **_lines(kitchen.crop.id, "abc")})
    assert bad_qty.status_code == 400
    whole = post_form(client, "/bulk/orders/new", {**base, **_lines(kitchen.crop.id, "2.5", "bunch")})
    assert whole.status_code == 400  # bunches are counted
    today_ = post_form(client, "/bulk/orders/new", {**base, "delivery_on": today().isoformat(),
                                                    **_lines(kitchen.crop.id)})
    assert today_.status_code == 400 and "พรุ่งนี้" in today_.get_data(as_text=True)
    someone_elses = post_form(client, "/bulk/orders/new", {**base, "organisation_id": str(kitchen.other_hospital.id),
                                                           **_lines(kitchen.crop.id)})
    assert someone_elses.status_code == 400  # not a choice this buyer has
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BulkOrder)) == 0


def test_the_coordinator_shares_out_and_farms_confirm_or_decline(client, given, app):
    with given():
        kitchen = make_kitchen(a="40", b="30")
        order = order_for(kitchen, "60")
    login(client, "coord@example.com", PASSWORD)
    page = client.get(f"/bulk/orders/{order.id}").get_data(as_text=True)
    assert "ผักบุ้ง" in page
    assert post_form(client, f"/bulk/orders/{order.id}/allocate", {}, page=f"/bulk/orders/{order.id}").status_code == 302
    with app.app_context():
        shares = {s.farmer_id: s for s in db.session.scalars(sa.select(Share))}
    assert {s.quantity for s in shares.values()} == {Decimal("30.00")}
    post_form(client, "/logout", {}, page="/")
    login(client, "farmer-b@example.com", PASSWORD)
    share_b = shares[kitchen.farmer_b.id]
    assert "ครัวโรงพยาบาลหาดใหญ่" in client.get("/farm/bulk").get_data(as_text=True)
    token = csrf_token(client, "/farm/bulk")
    # Farm B may not answer farm A's share.
    share_a = shares[kitchen.farmer_a.id]
    assert client.post(f"/farm/bulk/shares/{share_a.id}/confirm", data={"csrf_token": token}).status_code == 404
    declined = client.post(f"/farm/bulk/shares/{share_b.id}/decline",
                           data={"csrf_token": token, f"share{share_b.id}-reason": "น้ำท่วมแปลง"})
    assert declined.status_code == 302
    post_form(client, "/logout", {}, page="/")
    login(client, "farmer@example.com", PASSWORD)
    token = csrf_token(client, "/farm/bulk")
    assert client.post(f"/farm/bulk/shares/{share_a.id}/confirm", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Share, share_b.id).status is ShareStatus.DECLINED
        assert db.session.get(Share, share_a.id).status is ShareStatus.CONFIRMED
        assert db.session.get(BulkOrder, order.id).lines[0].shortfall == Decimal("30.00")


def test_another_kitchens_buyer_sees_nothing_of_this_one(client, given, app):
    with given():
        kitchen = make_kitchen(a="40", b="30")
        order = order_for(kitchen, "60")
        sharing.propose(kitchen.coordinator, order)
        for share in order.lines[0].shares:
            sharing.confirm_share(share.farmer, share)
        share = order.lines[0].shares[0]
        with on_the_day(order.delivery_on):
            delivery.receive(kitchen.buyer, share, Decimal("20"))
            delivery.receive(kitchen.buyer, order.lines[0].shares[1], Decimal("30"))
        with on_the_day(month_after(order.delivery_on)):
            invoice = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
        standing = bulk.create_standing(kitchen.buyer, kitchen.hospital, [3], next_weekday(3),
                                        next_weekday(3) + timedelta(days=30),
                                        [bulk.LineData(kitchen.crop.id, order.lines[0].unit, Decimal("5"))])
    note = f"/bulk/delivery/{kitchen.hospital.id}/{order.delivery_on.isoformat()}"
    login(client, "other-kitchen@example.com", PASSWORD)
    for url in (f"/bulk/orders/{order.id}", f"/bulk/orders/{order.id}/edit", note, f"/bulk/shares/{share.id}/trace",
                f"/bulk/invoices/{invoice.id}", f"/bulk/organisations/{kitchen.hospital.id}/profile"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/bulk")
    for url in (f"/bulk/orders/{order.id}/skip", f"/bulk/shares/{share.id}/receive",
                f"/bulk/standing/{standing.id}/end"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    home = client.get("/bulk").get_data(as_text=True)
    assert order.number not in home and invoice.number not in home
    assert client.get("/bulk/invoices").status_code == 403  # the coordinator's list
    with app.app_context():
        assert db.session.get(StandingOrder, standing.id).status.value == "active"
    post_form(client, "/logout", {}, page="/")
    login(client, "kitchen@example.com", PASSWORD)
    page = client.get(f"/bulk/invoices/{invoice.id}").get_data(as_text=True)
    assert invoice.number in page and "฿2,250" in page  # 50 kg received at ฿45


def test_the_delivery_note_lists_plots_with_their_status_and_takes_the_scales(client, given, app):
    with given():
        kitchen = make_kitchen(a="40", b="30")
        order = order_for(kitchen, "60")
        sharing.propose(kitchen.coordinator, order)
        for share in order.lines[0].shares:
            sharing.confirm_share(share.farmer, share)
        share_a, share_b = order.lines[0].shares
    login(client, "kitchen@example.com", PASSWORD)
    note_url = f"/bulk/delivery/{kitchen.hospital.id}/{order.delivery_on.isoformat()}"
    page = client.get(note_url).get_data(as_text=True)
    assert kitchen.plot_a.code in page and kitchen.plot_b.code in page and page.count("ได้รับการรับรอง") >= 2
    token = csrf_token(client, note_url)
    early = client.post(f"/bulk/shares/{share_a.id}/receive",
                        data={"csrf_token": token, f"share{share_a.id}-quantity": "30"})
    assert early.status_code == 302
    with app.app_context():
        assert db.session.get(Share, share_a.id).status is ShareStatus.CONFIRMED  # not before the delivery date
    with on_the_day(order.delivery_on):
        token = csrf_token(client, note_url)  # a week later: the page is opened again
        too_much = client.post(f"/bulk/shares/{share_a.id}/receive",
                               data={"csrf_token": token, f"share{share_a.id}-quantity": "31"})
        assert too_much.status_code == 302
        assert client.post(f"/bulk/shares/{share_a.id}/receive",
                           data={"csrf_token": token, f"share{share_a.id}-quantity": "28.5"}).status_code == 302
        assert client.post(f"/bulk/shares/{share_b.id}/reject",
                           data={"csrf_token": token, f"share{share_b.id}-reason": ""}).status_code == 302  # refused
        assert client.post(f"/bulk/shares/{share_b.id}/reject",
                           data={"csrf_token": token, f"share{share_b.id}-reason": "ช้ำ"}).status_code == 302
        with app.app_context():
            a, b = db.session.get(Share, share_a.id), db.session.get(Share, share_b.id)
            assert (a.status, a.received_quantity, a.certificate_status) == (ShareStatus.RECEIVED, Decimal("28.50"),
                                                                              "certified")
            assert b.status is ShareStatus.REJECTED and b.received_note == "ช้ำ"
            assert db.session.get(BulkOrder, order.id).status is BulkStatus.DELIVERED
        trace = client.get(f"/bulk/shares/{share_a.id}/trace").get_data(as_text=True)
        assert kitchen.plot_a.code in trace and kitchen.cycle.inspector.display_name in trace


def test_the_coordinators_recall_search_finds_the_kitchens_a_plot_fed(client, given):
    with given():
        kitchen = make_kitchen(a="40", b="30")
        order = order_for(kitchen, "60")
        sharing.propose(kitchen.coordinator, order)
        for share in order.lines[0].shares:
            sharing.confirm_share(share.farmer, share)
            with on_the_day(order.delivery_on):
                delivery.receive(kitchen.buyer, share, share.quantity)
    login(client, "coord@example.com", PASSWORD)
    day = order.delivery_on.isoformat()
    page = client.get(f"/bulk/recall?code={kitchen.plot_a.code.lower()}&start={day}&end={day}").get_data(as_text=True)
    assert "ครัวโรงพยาบาลหาดใหญ่" in page
    none = client.get(f"/bulk/recall?code={kitchen.plot_a.code}&start={day}&end={day}".replace(day, "2020-01-01"))
    assert "ครัวโรงพยาบาลหาดใหญ่" not in none.get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    login(client, "kitchen@example.com", PASSWORD)
    assert client.get(f"/bulk/recall?code={kitchen.plot_a.code}&start={day}&end={day}").status_code == 403


def test_a_farmer_offers_weekly_capacity_only_from_their_own_plots(client, given, app):
    with given():
        kitchen = make_kitchen()
    login(client, "farmer-b@example.com", PASSWORD)
    form = {"plot_id": str(kitchen.plot_a.id), "crop_id": str(kitchen.crop.id), "unit": "bunch",
            "weekly_quantity": "50", "price": "15", "is_active": "y"}
    assert post_form(client, "/farm/capacity/new", form).status_code == 400  # plot A is not theirs
    assert post_form(client, "/farm/capacity/new", {**form, "plot_id": str(kitchen.plot_b.id)}).status_code == 302
    with app.app_context():
        added = db.session.scalar(sa.select(FarmCapacity).where(FarmCapacity.unit == "bunch"))
        assert (added.farmer_id, added.weekly_quantity, added.price_satang) == (kitchen.farmer_b.id,
                                                                                Decimal("50.00"), 1500)
    assert client.get(f"/farm/capacity/{kitchen.capacities['a'].id}/edit").status_code == 404
    assert "ผักบุ้ง" in client.get("/bulk/outlook").get_data(as_text=True)


def test_a_buyer_keeps_the_address_but_not_the_payment_terms(client, given, app):
    from greensmile.bulk.models import BuyerProfile

    with given():
        kitchen = make_kitchen()
    login(client, "kitchen@example.com", PASSWORD)
    url = f"/bulk/organisations/{kitchen.hospital.id}/profile"
    assert 'name="invoice_days"' not in client.get(url).get_data(as_text=True)
    response = post_form(client, url, {"delivery_address": "ครัวอาคารใหม่", "delivery_weekdays": ["1", "3"],
                                       "payment_terms": "pay_now", "invoice_days": "120", "contact_name": "สมศรี"})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(BuyerProfile, kitchen.hospital.id)
        assert (profile.delivery_address, profile.delivery_weekdays) == ("ครัวอาคารใหม่", "13")
        assert (profile.payment_terms.value, profile.invoice_days) == ("invoice", 30)  # the tampered terms ignored


def test_far_future_dates_get_a_clear_answer(client, given):
    with given():
        kitchen = make_kitchen()
    login(client, "kitchen@example.com", PASSWORD)
    far = (today() + timedelta(days=400)).isoformat()  # a plausible date, past the one-year rule
    response = post_form(client, "/bulk/standing/new", {
        "organisation_id": str(kitchen.hospital.id), "weekdays": ["1"], "starts_on": far, "ends_on": far,
        **_lines(kitchen.crop.id)})
    assert response.status_code == 400 and "ภายในหนึ่งปี" in response.get_data(as_text=True)
    response = post_form(client, "/bulk/orders/new", {"organisation_id": str(kitchen.hospital.id),
                                                      "delivery_on": far, **_lines(kitchen.crop.id)})
    assert response.status_code == 400 and "ไม่เกินหนึ่งปี" in response.get_data(as_text=True)
    # An implausible one is refused by the date field itself, naming its range in the Thai page's era.
    response = post_form(client, "/bulk/orders/new", {"organisation_id": str(kitchen.hospital.id),
                                                      "delivery_on": "9999-12-31", **_lines(kitchen.crop.id)})
    assert response.status_code == 400
    assert format_date_for(today() + timedelta(days=730), "th") in response.get_data(as_text=True)
