"""What kitchens' orders tell people: farms asked for a share (or told it is no longer needed), the kitchen's buyers
told of each answer, of the delivery note and of the invoice; coordinators of a decline. Another kitchen hears
nothing, and a refused step tells nobody."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.bulk import delivery, invoices
from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.bulk.errors import BulkError
from greensmile.bulk.models import BulkStatus, Share, ShareStatus
from greensmile.extensions import db
from greensmile.notifications.models import Notification
from tests.bulk.helpers import make_kitchen, month_after, on_the_day, order_for
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

D = Decimal


def _told(kind: str, user: User | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def _shares(order) -> dict[int, Share]:
    return {share.farmer_id: share for line in order.lines for share in line.shares}


def test_farms_are_asked_for_their_shares_and_told_when_the_kitchen_cancels(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    for farmer, plot in ((kitchen.farmer_a, kitchen.plot_a), (kitchen.farmer_b, kitchen.plot_b)):
        (asked,) = _told("share.requested", farmer)
        assert kitchen.hospital.name in asked.title
        assert plot.code in asked.body and "30" in asked.body
        assert asked.url.endswith("/farm/bulk")
        assert dict(asked.facts)
    assert _told("share.requested", kitchen.farmer_c) == []  # its plot is not certified: not asked

    bulk.cancel(kitchen.buyer, order, "งดจัดเลี้ยงผู้ป่วยวันนั้น")
    cancelled = _told("share.cancelled")
    assert {n.user_id for n in cancelled} == {kitchen.farmer_a.id, kitchen.farmer_b.id}
    assert all("งดจัดเลี้ยงผู้ป่วยวันนั้น" in n.body for n in cancelled)


def test_a_cancel_without_a_reason_is_refused_and_tells_nobody(app_ctx):
    kitchen = make_kitchen()
    order = order_for(kitchen, "10")
    sharing.propose(kitchen.coordinator, order)
    with pytest.raises(BulkError):
        bulk.cancel(kitchen.buyer, order, "  ")
    assert _told("share.cancelled") == []


def test_the_coordinators_changes_to_a_request_are_told_to_the_farm(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    sharing.adjust(kitchen.coordinator, shares[kitchen.farmer_b.id], D("25"))
    changed = _told("share.requested", kitchen.farmer_b)[-1]
    assert "25" in changed.body
    sharing.adjust(kitchen.coordinator, shares[kitchen.farmer_b.id], D("0"))
    (taken_back,) = _told("share.cancelled", kitchen.farmer_b)
    assert kitchen.plot_b.code in taken_back.body
    assert _told("share.cancelled", kitchen.farmer_a) == []


def test_answers_go_to_the_kitchens_buyers_and_a_decline_to_the_coordinators(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    sharing.decline_share(kitchen.farmer_b, shares[kitchen.farmer_b.id], "น้ำท่วมแปลง")
    (declined,) = _told("share.answered", kitchen.buyer)
    assert kitchen.farmer_b.display_name in declined.title and "น้ำท่วมแปลง" in declined.body
    assert declined.url.endswith(f"/bulk/orders/{order.id}")
    (to_coordinator,) = _told("share.answered", kitchen.coordinator)
    assert "น้ำท่วมแปลง" in to_coordinator.body and kitchen.hospital.name in to_coordinator.body
    sharing.confirm_share(kitchen.farmer_a, shares[kitchen.farmer_a.id])
    confirmed = _told("share.answered", kitchen.buyer)[-1]
    assert kitchen.farmer_a.display_name in confirmed.title and kitchen.plot_a.code in confirmed.body
    assert len(_told("share.answered", kitchen.coordinator)) == 1  # a confirmation needs nothing of them
    assert _told("share.answered", kitchen.other_buyer) == []  # another kitchen's buyer
    assert _told("share.answered", kitchen.farmer_a) == []


def test_the_delivery_note_is_ready_once_the_farms_have_confirmed(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    sharing.confirm_share(kitchen.farmer_a, shares[kitchen.farmer_a.id])
    assert _told("delivery.note") == []  # farm b has not answered
    sharing.confirm_share(kitchen.farmer_b, shares[kitchen.farmer_b.id])
    assert order.status is BulkStatus.CONFIRMED
    (note,) = _told("delivery.note")
    assert note.user_id == kitchen.buyer.id and order.number in note.body
    assert note.url.endswith(f"/bulk/delivery/{kitchen.hospital.id}/{order.delivery_on.isoformat()}")


def test_a_shortfall_accepted_makes_the_note_ready_and_says_what_is_short(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    shares = _shares(order)
    sharing.decline_share(kitchen.farmer_b, shares[kitchen.farmer_b.id], "หนอนลง")
    sharing.confirm_share(kitchen.farmer_a, shares[kitchen.farmer_a.id])
    assert _told("delivery.note") == []
    sharing.close_allocation(kitchen.coordinator, order)
    (note,) = _told("delivery.note", kitchen.buyer)
    assert "30" in note.body  # 30 kg short


def test_the_kitchens_buyers_are_told_of_the_months_invoice(app_ctx):
    kitchen = make_kitchen(a="40", b="30")
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    for share in _shares(order).values():
        sharing.confirm_share(share.farmer, share)
    with on_the_day(order.delivery_on):
        for share in _shares(order).values():
            delivery.receive(kitchen.buyer, share, share.quantity)
    with on_the_day(month_after(order.delivery_on)):
        with pytest.raises(BulkError):
            invoices.issue(kitchen.coordinator, kitchen.other_hospital, order.delivery_on)  # nothing received there
        assert _told("invoice.issued") == []
        invoice = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
    (told,) = _told("invoice.issued")
    assert told.user_id == kitchen.buyer.id
    assert invoice.number in told.title and told.url.endswith(f"/bulk/invoices/{invoice.id}")
    assert ("2,700" in told.body or "2700" in told.body)  # 60 kg at ฿45


def test_a_farm_answers_on_its_page_and_a_refused_answer_tells_nobody(client, given, app):
    with given():
        kitchen = make_kitchen(a="40", b="30")
        order = order_for(kitchen, "60")
        sharing.propose(kitchen.coordinator, order)
        shares = {s.farmer_id: s.id for s in db.session.scalars(sa.select(Share))}
    login(client, "farmer-b@example.com", PASSWORD)
    token = csrf_token(client, "/farm/bulk")
    # No reason: refused, the request rolls back, and the kitchen hears nothing.
    client.post(f"/farm/bulk/shares/{shares[kitchen.farmer_b.id]}/decline",
                data={"csrf_token": token, f"share{shares[kitchen.farmer_b.id]}-reason": ""})
    # Not their share: refused too.
    assert client.post(f"/farm/bulk/shares/{shares[kitchen.farmer_a.id]}/confirm",
                       data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(Share, shares[kitchen.farmer_b.id]).status is ShareStatus.PROPOSED
        assert _told("share.answered") == []
    assert client.post(f"/farm/bulk/shares/{shares[kitchen.farmer_b.id]}/confirm",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        (told,) = _told("share.answered")
        assert told.user_id == kitchen.buyer.id and kitchen.plot_b.code in told.body
