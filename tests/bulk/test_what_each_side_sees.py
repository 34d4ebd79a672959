"""What each side needs to see: the farm sees where, when and what the kitchen asks; the kitchen sees its standing
orders' weekdays; the coordinator invoices kitchens only, never a rubber exporter."""
from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.network.models import OrganisationKind
from tests.bulk.helpers import make_kitchen, next_weekday
from tests.conftest import login
from tests.factories import PASSWORD, make_organisation


def _in_english(email: str) -> None:
    db.session.scalar(sa.select(User).where(User.email == email)).locale = "en"


def test_a_farm_sees_the_kitchens_address_hours_and_note(client, given):
    with given():
        kitchen = make_kitchen()
        bulk.save_profile(kitchen.coordinator, kitchen.hospital, bulk.ProfileData(
            delivery_address="ประตูหลังครัว ถนนกาญจนวนิช", delivery_weekdays=[1, 2, 3, 4, 5, 6, 7],
            window_opens=time(6, 30), window_closes=time(9), contact_name="คุณสมใจ"))
        order = bulk.place_order(kitchen.buyer, kitchen.hospital, next_weekday(1),
                                 [bulk.LineData(kitchen.crop.id, Unit.KG, Decimal("20"))], note="ล้างดินออกก่อนส่ง")
        sharing.propose(kitchen.coordinator, order)
    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/farm/bulk").get_data(as_text=True)
    assert "ประตูหลังครัว ถนนกาญจนวนิช" in page and "06:30" in page and "09:00" in page
    assert "คุณสมใจ" in page and "ล้างดินออกก่อนส่ง" in page


def test_the_standing_orders_list_shows_their_weekdays(client, given):
    with given():
        kitchen = make_kitchen()
        _in_english("kitchen@example.com")
        start = next_weekday(1)
        bulk.create_standing(kitchen.buyer, kitchen.hospital, [1, 4], start, start + timedelta(days=28),
                             [bulk.LineData(kitchen.crop.id, Unit.KG, Decimal("20"))])
    login(client, "kitchen@example.com", PASSWORD)
    page = client.get("/bulk").get_data(as_text=True)
    assert "Every Mon, Thu" in page


def test_a_rubber_exporter_is_not_among_the_organisations_to_invoice(client, given):
    with given():
        kitchen = make_kitchen()
        exporter = make_organisation(OrganisationKind.RUBBER_EXPORTER, name="บริษัทส่งออกยางทดสอบ")
    login(client, "coord@example.com", PASSWORD)
    page = client.get("/bulk/invoices").get_data(as_text=True)
    assert f'value="{kitchen.hospital.id}"' in page
    assert f'value="{exporter.id}"' not in page and "บริษัทส่งออกยางทดสอบ" not in page
