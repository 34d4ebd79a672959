"""The network map's data: every plot a person may see with the plot list's filters, coloured by status under a
standard, boundaries as RFC 7946 polygons and the rest as points; an inspector's planned visits; a fixed number of
queries however many plots."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import sqlalchemy as sa
from shapely.geometry import LinearRing, Point, Polygon

from greensmile.accounts.models import Role, User
from greensmile.certification import charter
from greensmile.certification import services as certification
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from tests.certification.helpers import apply_for, certified, make_cycle
from tests.conftest import login
from tests.factories import PASSWORD, add_member, district, make_plot, make_user
from tests.geo.shapes import LON, hexagon
from tests.plots.test_search_and_api import counting_queries

SCHEMA = json.loads((Path(__file__).parent.parent / "public" / "geojson_schema" / "FeatureCollection.json")
                    .read_text())


def _data(client, query: str = "") -> dict:
    answer = client.get("/plots/map.geojson" + query)
    assert answer.status_code == 200, answer.status_code
    assert answer.mimetype == "application/geo+json"
    collection = json.loads(answer.get_data())
    jsonschema.Draft7Validator(SCHEMA).validate(collection)
    return collection


def _by_code(collection) -> dict[str, dict]:
    return {feature["properties"]["code"]: feature for feature in collection["features"]}


def _network(given):
    """A certified plot with a walked boundary (a hexagon with a corner on a straight side, which simplifying may
    drop), a plot of the other group with only a point, one with no position at all, and a plot the inspector is
    to visit."""
    with given():
        cycle = make_cycle()
        certified(cycle)
        plot = cycle.plot
        charter.ensure_fsc_standard()
        ring = boundaries.record(cycle.farmer, plot, hexagon(60), BoundarySource.WALKED, close=True).ring
        neighbour = make_user(Role.FARMER, email="neighbour@example.com")
        add_member(cycle.other_group, neighbour, cycle.coordinator)
        pointed = make_plot(neighbour, cycle.other_group, name="แปลงจุด", latitude=Decimal("7.1"),
                            longitude=Decimal("100.5"), district_id=district("9010", "รัตภูมิ", "Rattaphum").id)
        lost = make_plot(neighbour, cycle.other_group, name="แปลงไม่มีพิกัด")
        # the inspector (a member of the other group) is to visit a new applicant of the first group
        applicant = make_user(Role.FARMER, email="applicant@example.com")
        add_member(cycle.group, applicant, cycle.coordinator)
        to_visit = make_plot(applicant, cycle.group, name="แปลงรอตรวจ", latitude=Decimal("7.05"),
                             longitude=Decimal("100.45"))
        assignment = certification.assign(apply_for(cycle, to_visit, applicant), cycle.inspector,
                                          date.today() + timedelta(days=3), cycle.coordinator)
        return {"certified": plot.code, "pointed": pointed.code, "lost": lost.code, "to_visit": to_visit.code,
                "assignment": assignment.id, "ring": ring, "rattaphum": pointed.district_id}


def test_the_coordinator_sees_every_plot_coloured_by_status_with_boundaries_as_polygons(client, given):
    codes = _network(given)
    login(client, "coord@example.com", PASSWORD)
    collection = _data(client)
    found = _by_code(collection)
    assert set(found) == {codes["certified"], codes["pointed"], codes["to_visit"]}
    assert collection["unplaced"] == 1  # the plot without a position is counted, not drawn
    shape = found[codes["certified"]]
    assert shape["properties"]["status"] == "certified"
    assert found[codes["pointed"]]["properties"]["status"] == "not_certified"
    assert shape["geometry"]["type"] == "Polygon"
    ring = shape["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and LinearRing(ring).is_ccw  # RFC 7946 § 3.1.6
    # simplified, yet the same shape within a square metre per side's length: the area barely moves
    original = boundaries.area_of(codes["ring"]).m2
    assert abs(boundaries.area_of(ring).m2 - original) / original < 0.01
    assert len(ring) <= len(codes["ring"])
    assert Polygon(ring).contains(Point(shape["properties"]["at"]))  # the marker's place is inside the plot
    assert found[codes["pointed"]]["geometry"] == {"type": "Point", "coordinates": [100.5, 7.1]}
    # the plot list's filters and the standard
    assert set(_by_code(_data(client, f"?district={codes['rattaphum']}"))) == {codes["pointed"]}
    assert set(_by_code(_data(client, "?status=certified"))) == {codes["certified"]}
    fsc = _by_code(_data(client, "?standard=fsc-rubber"))  # nobody holds FSC: the same plots, none certified
    assert set(fsc) == set(found) and {f["properties"]["status"] for f in fsc.values()} == {"not_certified"}


def test_an_inspector_sees_their_groups_plots_and_the_plots_they_are_to_visit(client, given):
    codes = _network(given)
    login(client, "inspector@example.com", PASSWORD)
    found = _by_code(_data(client))
    # their own group's plots, and the one they are to visit in the other group; not the rest of that group
    assert set(found) == {codes["pointed"], codes["to_visit"]}
    visit = found[codes["to_visit"]]["properties"]
    assert visit["assignment"] == codes["assignment"]
    assert visit["visit"] == (date.today() + timedelta(days=3)).isoformat()
    assert "visit" not in found[codes["pointed"]]["properties"]
    assert set(_by_code(_data(client, "?visits=1"))) == {codes["to_visit"]}
    page = client.get("/inspections").get_data(as_text=True)
    assert "/plots/map?visits=1" in page


def test_a_farmer_sees_only_their_own_plots_and_a_stranger_must_sign_in(client, given, app):
    codes = _network(given)
    assert client.get("/plots/map.geojson").status_code == 302
    assert client.get("/plots/map").status_code == 302
    login(client, "neighbour@example.com", PASSWORD)
    assert set(_by_code(_data(client))) == {codes["pointed"]}
    assert codes["certified"] not in client.get("/plots/map.geojson").get_data(as_text=True)


def test_the_map_page_carries_the_filters_and_is_linked_from_the_list_and_the_pipeline(client, given):
    codes = _network(given)
    login(client, "coord@example.com", PASSWORD)
    page = client.get(f"/plots/map?district={codes['rattaphum']}&standard=fsc-rubber").get_data(as_text=True)
    assert f"/plots/map.geojson?district={codes['rattaphum']}&amp;standard=fsc-rubber" in page
    assert 'data-status="certified"' in page  # the legend the colours come from
    assert "/plots/map" in client.get("/plots").get_data(as_text=True)
    assert "/plots/map" in client.get("/certification/pipeline").get_data(as_text=True)


def test_the_data_costs_the_same_number_of_queries_for_five_plots_and_for_thirty(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="counter@example.com")
        make_user(Role.FARMER, email="many@example.com")

    def add(count: int) -> None:
        with given():
            owner = db.session.scalar(sa.select(User).where(User.email == "many@example.com"))
            for n in range(count):
                plot = make_plot(owner, latitude=Decimal("7.0"), longitude=Decimal("100.4"))
                if n % 2:
                    boundaries.record(owner, plot, hexagon(30, lon=LON + n * 0.001), BoundarySource.DRAWN,
                                      close=True)

    login(client, "counter@example.com", PASSWORD)
    add(5)
    with counting_queries(app) as few:
        assert len(_data(client)["features"]) == 5
    add(25)
    with counting_queries(app) as many:
        assert len(_data(client)["features"]) == 30
    assert len(few) == len(many), (len(few), len(many))
