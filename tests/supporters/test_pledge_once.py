"""A pledge form or a delivery form sent twice (a double tap, a retry on a slow line) records one thing."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.submissions.models import FormSubmission
from greensmile.supporters import services as support
from greensmile.supporters.models import SupportDelivery, SupportKind, SupportPledge, SupportStatus
from tests.conftest import SUBMISSION_KEY_RE, form_keys, login
from tests.factories import PASSWORD
from tests.supporters.helpers import make_supporters

ALREADY_SENT = "ส่งรายการนี้ไปแล้ว นี่คือรายการที่บันทึกไว้"
EXPIRED = "แบบฟอร์มนี้หมดอายุ"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _pledge_form(world) -> dict:
    return {"supporter_id": str(world.foundation.id), "kind": "inputs", "title": "ปุ๋ยหมัก 2 ตันให้กลุ่ม",
            "beneficiary": f"g{world.group.id}", "crop_id": "0", "starts_on": today().isoformat()}


def test_the_same_pledge_form_sent_twice_records_one_pledge(client, given, app):
    with given():
        world = make_supporters()
    login(client, "giver@foundation.example", PASSWORD)
    form = {**form_keys(client, "/support"), **_pledge_form(world)}
    first = client.post("/support/pledges", data=form)
    again = client.post("/support/pledges", data=form)
    assert first.status_code == again.status_code == 302
    assert first.location == again.location and first.location.startswith("/support/pledges/")
    assert ALREADY_SENT in client.get(again.location).get_data(as_text=True)
    assert _count(app, SupportPledge) == 1
    with app.app_context():
        claim = db.session.scalar(sa.select(FormSubmission))
        assert (claim.kind, claim.made_url) == ("support-pledge", first.location)


def test_the_same_in_kind_delivery_sent_twice_is_recorded_once(client, given, app):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.INPUTS, "เมล็ดพันธุ์ผัก", group_id=world.group.id))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    form = {**form_keys(client, page), "delivered_on": today().isoformat(), "via": "in_kind", "quantity_kg": "50",
            "note": "ส่งที่ศูนย์กลุ่ม"}
    answers = [client.post(f"{page}/deliveries", data=form) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302] and {a.location for a in answers} == {page}
    assert ALREADY_SENT in client.get(page).get_data(as_text=True)
    assert _count(app, SupportDelivery) == 1
    with app.app_context():
        assert db.session.get(SupportPledge, pledge.id).status is SupportStatus.PARTLY_DELIVERED
    # A new page is a new form: a second delivery is recorded as the supporter means it to be.
    client.post(f"{page}/deliveries", data={**form, **form_keys(client, page)})
    assert _count(app, SupportDelivery) == 2


def test_a_form_without_its_key_or_with_someone_elses_is_refused_and_writes_nothing(client, given, app):
    with given():
        world = make_supporters()
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.INPUTS, "เมล็ดพันธุ์ผัก", group_id=world.group.id))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    keys = form_keys(client, page)
    delivery = {"delivered_on": today().isoformat(), "via": "in_kind", "quantity_kg": "5"}
    for bad in ({"csrf_token": keys["csrf_token"]}, {**keys, "submission_key": "' OR 1=1 --"}):
        refused = client.post(f"{page}/deliveries", data={**bad, **delivery}, follow_redirects=True)
        assert EXPIRED in refused.get_data(as_text=True)
    without = {"csrf_token": form_keys(client, "/support")["csrf_token"], **_pledge_form(world)}
    assert EXPIRED in client.post("/support/pledges", data=without, follow_redirects=True).get_data(as_text=True)
    assert (_count(app, SupportDelivery), _count(app, SupportPledge), _count(app, FormSubmission)) == (0, 1, 0)

    used = {**form_keys(client, "/support"), **_pledge_form(world)}
    assert client.post("/support/pledges", data=used).status_code == 302
    client.post("/logout", data={"csrf_token": used["csrf_token"]})
    login(client, "councillor@council.example", PASSWORD)  # another person's key shows nothing of their pledge
    theirs = {**used, "csrf_token": form_keys(client, "/support")["csrf_token"], "supporter_id": str(world.council.id),
              "beneficiary": "network"}
    answer = client.post("/support/pledges", data=theirs)
    assert answer.status_code == 409 and EXPIRED in answer.get_data(as_text=True)  # the form again, as typed
    assert _count(app, SupportPledge) == 2  # the one made in set-up and the giver's
    # The form comes back with a key of its own: sent again, it makes the councillor's pledge, once.
    again = SUBMISSION_KEY_RE.search(answer.get_data(as_text=True)).group(1)
    assert again != used["submission_key"]
    assert client.post("/support/pledges", data={**theirs, "submission_key": again}).status_code == 302
    assert _count(app, SupportPledge) == 3
