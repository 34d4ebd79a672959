"""Registering a tree: a refused form comes back as typed (a photo named, to choose again), and a planting year is
taken in the Buddhist era as well as the Christian one."""
from __future__ import annotations

import io

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.forms import this_year
from greensmile.trees.models import Stand, Tree
from tests.certification.helpers import png
from tests.conftest import login, post_form
from tests.factories import PASSWORD
from tests.formvalues import form_values
from tests.trees.helpers import make_tree_bank


def _post(client, world, **fields):
    url = f"/trees/plots/{world.plot.code}"
    data = {"tag": "N-1", "species_id": str(world.teak.id), "planting_year": "", "latitude": "7.012345",
            "longitude": "100.456789", **fields}
    return post_form(client, f"{url}/trees", data, page=url, content_type="multipart/form-data")


def _tree(app, tag):
    with app.app_context():
        return db.session.scalar(sa.select(Tree).where(Tree.tag == tag))


def test_a_year_in_neither_era_is_refused_and_the_rest_is_kept(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    refused = _post(client, world, planting_year="2100", photo=(io.BytesIO(png()), "teak-by-the-well.png"))
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    kept = form_values(page, f"/trees/plots/{world.plot.code}/trees")
    assert (kept["tag"], kept["species_id"], kept["latitude"], kept["longitude"], kept["planting_year"]) == (
        "N-1", str(world.teak.id), "7.012345", "100.456789", "2100")
    year = this_year()
    assert f"{1800 + 543}" in page and f"{year + 543}" in page and f"{year}" in page  # both eras' ranges named
    assert "teak-by-the-well.png" in page  # the photo is named, to be chosen again
    assert _tree(app, "N-1") is None


def test_a_tag_used_already_is_refused_and_every_field_is_kept(client, given, app):
    with given():
        world = make_tree_bank(tags=("T-001",))
    login(client, "planter@example.com", PASSWORD)
    refused = _post(client, world, tag="T-001", planting_year="2566", photo=(io.BytesIO(png()), "t1.png"))
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    kept = form_values(page, f"/trees/plots/{world.plot.code}/trees")
    assert (kept["tag"], kept["planting_year"], kept["latitude"], kept["longitude"]) == (
        "T-001", "2566", "7.012345", "100.456789")
    assert "t1.png" in page
    # The page's other form (a stand) does not pick up what was posted to this one.
    assert form_values(page, f"/trees/plots/{world.plot.code}/stands").get("planting_year") == ""


def test_a_buddhist_era_planting_year_is_stored_in_the_christian_era_and_said_in_both(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    made = _post(client, world, planting_year="2566")
    assert made.status_code == 302
    assert _tree(app, "N-1").planting_year == 2023
    shown = client.get(made.location).get_data(as_text=True)
    assert "2566" in shown and "2023" in shown  # which era it was read in
    assert _post(client, world, tag="N-2", planting_year="2023").status_code == 302  # the Christian era still works
    assert _tree(app, "N-2").planting_year == 2023
    assert _post(client, world, tag="N-3", planting_year="๒๕๖๐").status_code == 302  # typed in Thai digits
    assert _tree(app, "N-3").planting_year == 2017
    url = f"/trees/plots/{world.plot.code}"
    stand = post_form(client, f"{url}/stands", {"species_id": str(world.teak.id), "count": "5",
                                                "planting_year": "2565"}, page=url)
    assert stand.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Stand.planting_year)) == 2022


def test_next_year_is_refused_in_either_era(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    for typed in (str(this_year() + 1), str(this_year() + 544)):
        refused = _post(client, world, planting_year=typed)
        assert refused.status_code == 400
        assert form_values(refused.get_data(as_text=True),
                           f"/trees/plots/{world.plot.code}/trees")["planting_year"] == typed
    assert _tree(app, "N-1") is None


def test_the_address_of_a_refused_page_leads_back_to_the_plot(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    url = f"/trees/plots/{world.plot.code}"
    for form in ("trees", "stands"):  # a reload, or the language switch, on the page a refused form came back on
        answer = client.get(f"{url}/{form}")
        assert answer.status_code == 302 and answer.location == url
