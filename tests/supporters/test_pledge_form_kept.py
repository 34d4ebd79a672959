"""A refused pledge comes back with everything typed in it, and a new key: corrected and sent, it is made once."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.supporters.models import SupportPledge
from tests.conftest import form_keys, login
from tests.factories import PASSWORD
from tests.formvalues import form_values
from tests.supporters.helpers import make_supporters


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SupportPledge))


def _typed(world) -> dict:
    return {"supporter_id": str(world.foundation.id), "kind": "money", "title": "ทุนค่าตรวจแปลง ปี 2570",
            "details": "โอนผ่านบัญชีมูลนิธิ\nเลขที่ 123-4", "beneficiary": f"g{world.group.id}",
            "plot_code": "", "amount_baht": "5000", "crop_id": "0", "starts_on": today().isoformat(),
            "public": "y", "public_amount": "y"}


def _kept(page: str, typed: dict, but: str) -> None:
    values = form_values(page, "/support/pledges")
    for name, value in typed.items():
        if name == but:
            continue
        expected = [value] if name in ("public", "public_amount") else value
        assert values.get(name) == expected, name


def test_a_pledge_refused_for_a_field_keeps_the_others(client, given, app):
    with given():
        world = make_supporters()
    login(client, "giver@foundation.example", PASSWORD)
    keys = form_keys(client, "/support")
    typed = {**_typed(world), "amount_baht": "ห้าพัน"}
    refused = client.post("/support/pledges", data={**keys, **typed})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    _kept(page, typed, but="amount_baht")
    assert form_values(page, "/support/pledges")["amount_baht"] == "ห้าพัน"  # as typed, to correct it
    assert _count(app) == 0
    again = form_values(page, "/support/pledges")["submission_key"]
    assert again != keys["submission_key"]  # nothing was made: the page is a new form
    made = client.post("/support/pledges", data={**keys, **typed, "amount_baht": "5000", "submission_key": again})
    assert made.status_code == 302 and made.location.startswith("/support/pledges/")
    assert _count(app) == 1


def test_a_pledge_refused_by_a_rule_keeps_every_field(client, given, app):
    with given():
        world = make_supporters()
    login(client, "giver@foundation.example", PASSWORD)
    keys = form_keys(client, "/support")
    typed = {**_typed(world), "plot_code": "ZZZZ-ZZZZ"}  # no such plot: the service refuses
    refused = client.post("/support/pledges", data={**keys, **typed})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "ZZZZ-ZZZZ" in page.split('class="flash')[1].split("</")[0]  # said why, at the top
    _kept(page, typed, but="")
    assert _count(app) == 0
    # Sent twice as it was (a double tap): refused twice, nothing made, no key kept.
    assert client.post("/support/pledges", data={**keys, **typed}).status_code == 409
    typed["plot_code"] = ""
    again = form_values(page, "/support/pledges")["submission_key"]
    first = client.post("/support/pledges", data={**keys, **typed, "submission_key": again})
    repeat = client.post("/support/pledges", data={**keys, **typed, "submission_key": again})
    assert first.status_code == repeat.status_code == 302 and first.location == repeat.location
    assert _count(app) == 1
