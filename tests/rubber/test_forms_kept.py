"""A tapper's refused harvest comes back as typed; a planting year or a date in the Buddhist era is taken."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.rubber.models import Harvest, RubberProfile
from tests.conftest import login, post_form
from tests.factories import PASSWORD
from tests.formvalues import form_values
from tests.rubber.helpers import make_group


def _harvest(client, url, **fields):
    data = {"harvested_on": today().isoformat(), "product": "cup_lump", "weight_kg": "1200", "drc_percent": "50",
            "note": "ขายให้สหกรณ์บ้านนา", **fields}
    return post_form(client, f"{url}/harvests", data, page=url), data


def test_a_harvest_over_the_ceiling_comes_back_as_typed(client, given, app):
    with given():
        world = make_group(area_m2="1600")  # one rai: 400 kg of dry rubber a year
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    refused, typed = _harvest(client, url)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "400" in page.split('class="flash')[1]  # the ceiling, said at the top
    assert {k: v for k, v in form_values(page, f"{url}/harvests").items() if k in typed} == typed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Harvest)) == 0


def test_a_harvest_with_a_bad_weight_keeps_product_date_and_note(client, given, app):
    with given():
        world = make_group()
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    refused, typed = _harvest(client, url, weight_kg="-3")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    kept = form_values(page, f"{url}/harvests")
    assert {name: kept.get(name) for name in typed} == typed  # the weight as typed, to correct it
    # The plantation form below starts from what is on file, not from the harvest's post.
    assert form_values(page, f"{url}/profile")["clone"] == "RRIM 600"


def test_a_harvest_date_typed_in_the_buddhist_era_is_read_as_such(client, given, app):
    with given():
        world = make_group(area_m2="16000")
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    day = today()
    made, _typed = _harvest(client, url, harvested_on=f"{day.year + 543}-{day.month:02d}-{day.day:02d}",
                            weight_kg="100")
    assert made.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Harvest.harvested_on)) == day
    flashes = client.get(made.location).get_data(as_text=True).split("<h1")[0].split('class="flash')[1:]
    assert any(str(day.year + 543) in said and day.isoformat() in said for said in flashes)  # how it was read


def test_the_planting_year_in_either_era_and_an_impossible_one_refused(client, given, app):
    with given():
        world = make_group()
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    page = client.get(url).get_data(as_text=True)
    assert form_values(page, f"{url}/profile")["planting_year"] == "2555"  # 2012, as a Thai page shows years
    fields = {"planting_year": "2558", "clone": "RRIT 251", "tapped_trees": "400", "tapping_system": "S/2 d/3"}
    assert post_form(client, f"{url}/profile", fields, page=url).status_code == 302
    with app.app_context():
        assert db.session.get(RubberProfile, world.plots[0].id).planting_year == 2015
    assert post_form(client, f"{url}/profile", {**fields, "planting_year": "2016"}, page=url).status_code == 302
    with app.app_context():
        assert db.session.get(RubberProfile, world.plots[0].id).planting_year == 2016
    refused = post_form(client, f"{url}/profile", {**fields, "planting_year": "2300", "clone": "RRIM 3001"},
                        page=url)
    assert refused.status_code == 400
    kept = form_values(refused.get_data(as_text=True), f"{url}/profile")
    assert (kept["planting_year"], kept["clone"]) == ("2300", "RRIM 3001")
    assert "2443" in refused.get_data(as_text=True)  # the Buddhist era's range is named (C.E. 1900 on)
