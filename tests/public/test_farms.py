"""The public farm directory (/farms) and its GeoJSON (/api/v1/farms.geojson): only farmers who agreed, positions
rounded to about a kilometre, nothing private; the GeoJSON is RFC 7946."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from shapely.geometry import LinearRing, Polygon

from greensmile.certification import services as certification
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, district, make_plot
from tests.geo.shapes import square
from tests.orders.helpers import make_market, second_farmer

SCHEMA = json.loads((Path(__file__).parent / "geojson_schema" / "FeatureCollection.json").read_text())
# Positions of the two certified plots, to more decimals than the directory may tell.
FIRST = (Decimal("7.006789"), Decimal("100.472345"))
SECOND = (Decimal("7.204321"), Decimal("100.598765"))


@pytest.fixture
def farms(given):
    """Two certified farmers of one group, one with produce on sale; only the first agreed to be listed."""
    with given():
        market = make_market()
        farmer2, plot2 = second_farmer(market)
        market.cycle.plot.latitude, market.cycle.plot.longitude = FIRST
        plot2.latitude, plot2.longitude = SECOND
        _farmer3, plot3 = second_farmer(market, email="farmer3@example.com")  # certified, never asked
        plot3.latitude, plot3.longitude = SECOND
        privacy.record(market.farmer, Purpose.FARM_DIRECTORY, True, market.farmer)
        privacy.record(market.farmer, Purpose.PUBLIC_NAME, True, market.farmer)
        privacy.record(farmer2, Purpose.FARM_DIRECTORY, False, farmer2)
        # A boundary is private: its corners must not leak through the directory.
        boundaries.record(market.farmer, market.cycle.plot, square(40, lon=100.472345, lat=7.006789),
                          BoundarySource.IMPORTED)
        return {"code": market.cycle.plot.code, "code2": plot2.code, "farmer": market.farmer.display_name,
                "farmer_id": market.farmer.id, "farmer2_id": farmer2.id, "ring": boundaries.current(
                    market.cycle.plot).ring, "group_id": market.cycle.group.id, "never_asked": plot3.code}


def geojson(client, query: str = ""):
    answer = client.get("/api/v1/farms.geojson" + query)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer, json.loads(answer.get_data())


def codes(collection) -> list[str]:
    return [feature["properties"]["code"] for feature in collection["features"]]


def test_only_farmers_who_agreed_are_listed_and_a_withdrawal_takes_effect_at_once(client, farms, app):
    page = client.get("/farms").get_data(as_text=True)
    assert farms["code"] in page and farms["farmer"] in page
    assert farms["code2"] not in page
    assert codes(geojson(client)[1]) == [farms["code"]]

    with app.app_context():  # the second farmer agrees, then the first withdraws
        from greensmile.accounts.models import User

        first, second = db.session.get(User, farms["farmer_id"]), db.session.get(User, farms["farmer2_id"])
        privacy.record(second, Purpose.FARM_DIRECTORY, True, second)
        privacy.record(first, Purpose.FARM_DIRECTORY, False, first)
        db.session.commit()
    assert codes(geojson(client)[1]) == [farms["code2"]]
    page = client.get("/farms").get_data(as_text=True)
    assert farms["code"] not in page and farms["code2"] in page


def test_positions_are_rounded_and_nothing_private_is_public(client, farms):
    answer, collection = geojson(client, "?lat=7.2&lon=100.6")
    first = next(f for f in collection["features"] if f["properties"]["code"] == farms["code"])
    assert first["geometry"] == {"type": "Point", "coordinates": [100.47, 7.01]}
    for body in (answer.get_data(as_text=True), client.get("/farms").get_data(as_text=True)):
        # neither the plot's exact position nor its boundary's corners
        assert "7.006789" not in body and "100.472345" not in body and "7.0067" not in body
        for lon, lat in farms["ring"]:
            assert f"{lon:.4f}" not in body and f"{lat:.4f}" not in body
        assert "0811111111" not in body and "12 หมู่ 3" not in body  # the farmer's phone and address
    # every coordinate the API gives has at most two decimals
    for feature in collection["features"]:
        for value in feature["geometry"]["coordinates"]:
            assert round(value, 2) == value


def test_the_geojson_is_rfc_7946(client, farms):
    answer, collection = geojson(client)
    assert answer.mimetype == "application/geo+json"  # RFC 7946 § 12
    jsonschema.Draft7Validator(SCHEMA).validate(collection)
    assert "crs" not in collection  # § 4: no crs member
    assert collection["features"], "an empty collection proves nothing"
    for feature in collection["features"]:
        assert "crs" not in feature
        geometry = feature["geometry"]
        if geometry["type"] == "Point":
            lon, lat = geometry["coordinates"]
            assert 97 < lon < 106 and 5 < lat < 21  # § 3.1.1: longitude first (Thailand)
        else:  # § 3.1.6: a polygon's outer ring closed and counterclockwise
            ring = geometry["coordinates"][0]
            assert ring[0] == ring[-1] and LinearRing(ring).is_ccw
    # the schema refuses what is not GeoJSON, so this test could fail
    broken = {**collection, "features": [{**collection["features"][0], "geometry": {"type": "Point"}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)


def test_filters_by_crop_standard_and_district_and_near_me_sorts_by_distance(client, farms, app, given):
    with given():
        from greensmile.accounts.models import User
        from greensmile.certification import charter
        from greensmile.plots.models import Plot

        second = db.session.get(User, farms["farmer2_id"])
        privacy.record(second, Purpose.FARM_DIRECTORY, True, second)
        other = district("9010", "รัตภูมิ", "Rattaphum")
        plot2 = db.session.scalar(db.select(Plot).where(Plot.code == farms["code2"]))
        plot2.district_id = other.id
        fsc = charter.ensure_fsc_standard()
        pgs_id = charter.get_standard(charter.PGS_ORGANIC).id
        ids = {"rattaphum": other.id, "fsc": fsc.id, "pgs": pgs_id}
    both = sorted([farms["code"], farms["code2"]])
    assert sorted(codes(geojson(client)[1])) == both
    assert codes(geojson(client, f"?district={ids['rattaphum']}")[1]) == [farms["code2"]]
    assert sorted(codes(geojson(client, f"?standard={ids['pgs']}")[1])) == both
    assert codes(geojson(client, f"?standard={ids['fsc']}")[1]) == []
    with app.app_context():
        from greensmile.plots.models import Crop

        spinach = db.session.scalar(db.select(Crop.id).where(Crop.name_th == "ผักบุ้ง"))
    assert sorted(codes(geojson(client, f"?crop={spinach}")[1])) == both
    # near me: the second plot is nearer to a visitor standing beside it, and the distances are in kilometres
    near = geojson(client, "?lat=7.20&lon=100.60")[1]
    assert codes(near) == [farms["code2"], farms["code"]]
    assert near["features"][0]["properties"]["distance_km"] < 1 < near["features"][1]["properties"]["distance_km"]
    page = client.get("/farms?lat=7.20&lon=100.60").get_data(as_text=True)
    assert page.index(farms["code2"]) < page.index(farms["code"])
    page = client.get(f"/farms?district={ids['rattaphum']}").get_data(as_text=True)
    assert farms["code2"] in page and farms["code"] not in page


def test_each_entry_links_to_the_qr_page_and_what_it_sells(client, farms):
    page = client.get("/farms").get_data(as_text=True)
    assert f'href="/p/{farms["code"]}"' in page
    assert f'href="/market?q={farms["code"]}"' in page
    feature = geojson(client)[1]["features"][0]
    assert feature["properties"]["page"].endswith(f"/p/{farms['code']}")
    assert feature["properties"]["on_sale"] == 1
    market = client.get(f"/market?q={farms['code']}").get_data(as_text=True)
    assert "ผักบุ้งอินทรีย์" in market


def test_a_plot_without_a_valid_certificate_or_of_a_closed_account_is_not_listed(client, farms, given):
    with given():
        from greensmile.accounts.models import User
        from greensmile.certification.models import Certification
        from greensmile.plots.models import Plot

        farmer, second = db.session.get(User, farms["farmer_id"]), db.session.get(User, farms["farmer2_id"])
        coordinator = db.session.scalar(db.select(User).where(User.email == "coord@example.com"))
        make_plot(farmer, name="แปลงยังไม่รับรอง")  # agreed, but this plot holds no certificate
        plot = db.session.scalar(db.select(Plot).where(Plot.code == farms["code"]))
        cert = db.session.scalar(db.select(Certification).where(Certification.plot_id == plot.id))
        certification.suspend(cert, coordinator, "ตรวจพบสารเคมีในแปลง")
        privacy.record(second, Purpose.FARM_DIRECTORY, True, second)
        second.is_active = False  # agreed, certified, but the account is closed
    assert codes(geojson(client)[1]) == []
    page = client.get("/farms").get_data(as_text=True)
    assert "แปลงยังไม่รับรอง" not in page and farms["code"] not in page and farms["code2"] not in page


def test_bad_parameters_get_a_clear_answer(client, farms):
    answer = client.get("/api/v1/farms.geojson?lat=ninety&crop=x")
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]) == {"lat", "crop"}
    assert client.get("/farms?lat=ninety&crop=x").status_code == 200  # the page ignores what it cannot read


def test_a_farmer_answers_on_screen_and_a_coordinator_records_what_a_farmer_said(client, farms, app, given):
    login(client, "farmer2@example.com", PASSWORD)
    token = csrf_token(client, "/account/consents")
    refused = client.post("/account/consents", data={"csrf_token": token, "purpose": "farm_directory"})
    assert refused.status_code == 400  # no answer chosen: said, nothing recorded
    answer = client.post("/account/consents", data={"csrf_token": token, "purpose": "farm_directory",
                                                     "farm_directory-answer": "yes"})
    assert answer.status_code == 302
    assert farms["code2"] in codes(geojson(client)[1])
    # a farmer cannot answer for another
    assert client.get(f"/users/{farms['farmer_id']}/consents").status_code == 403
    assert client.post(f"/users/{farms['farmer_id']}/consents", data={
        "csrf_token": token, "purpose": "farm_directory", "farm_directory-answer": "no"}).status_code == 403
    assert farms["code"] in codes(geojson(client)[1])
    client.post("/logout", data={"csrf_token": token})

    login(client, "coord@example.com", PASSWORD)
    page = f"/users/{farms['farmer_id']}/consents"
    token = csrf_token(client, page)
    assert client.post(page, data={"csrf_token": token, "purpose": "farm_directory",
                                   "farm_directory-answer": "no"}).status_code == 302
    assert farms["code"] not in codes(geojson(client)[1])
    with app.app_context():
        from greensmile.accounts.models import User
        from greensmile.privacy.models import ConsentMethod

        newest = privacy.history(db.session.get(User, farms["farmer_id"]))[0]
        assert (newest.given, newest.method) == (False, ConsentMethod.WITNESSED)
        assert newest.recorded_by.email == "coord@example.com"
        witness = newest.recorded_by.display_name
    client.post("/logout", data={"csrf_token": token})
    login(client, "farmer@example.com", PASSWORD)  # the farmer sees who recorded it in their own history
    assert witness in client.get("/account/consents").get_data(as_text=True)


def test_a_certificate_lapsed_by_date_leaves_the_directory_on_its_day(client, farms, app):
    from tests.bulk.helpers import on_the_day

    with app.app_context():
        from greensmile.certification.models import Certification
        from greensmile.plots.models import Plot

        plot_id = db.session.scalar(db.select(Plot.id).where(Plot.code == farms["code"]))
        until = db.session.scalar(db.select(Certification.valid_until).where(Certification.plot_id == plot_id))
    assert until is not None
    with on_the_day(until):
        assert farms["code"] in codes(geojson(client)[1])
    with on_the_day(until + timedelta(days=1)):  # stored as certified still: read as expired on the day
        assert codes(geojson(client)[1]) == []


def test_a_farmer_never_asked_is_not_listed_and_a_plot_with_only_a_boundary_is_at_its_rounded_centre(
        client, farms, given):
    listed = codes(geojson(client)[1])
    assert farms["never_asked"] not in listed and farms["code"] in listed
    with given():
        from greensmile.plots.models import Plot

        plot = db.session.scalar(db.select(Plot).where(Plot.code == farms["code"]))
        plot.latitude = plot.longitude = None  # only the boundary says where it is
    feature = next(f for f in geojson(client)[1]["features"] if f["id"] == farms["code"])
    lon, lat = feature["geometry"]["coordinates"]
    centre = Polygon(farms["ring"]).representative_point()
    assert (lon, lat) == (round(centre.x, 2), round(centre.y, 2))


def test_the_pages_map_asks_only_for_the_filters_the_list_used(client, farms):
    page = client.get("/farms?standard=999&lat=nan&lon=nan&district=1.5&crop=2").get_data(as_text=True)
    source = re.search(r'data-source="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert client.get(source).status_code == 200  # the map and the list agree
    assert "nan" not in source and "999" not in source and "1.5" not in source


def test_withdrawing_the_name_takes_it_off_the_qr_page_the_api_and_the_directory_at_once(client, farms, app):
    def seen() -> list[bool]:
        page = client.get(f"/p/{farms['code']}").get_data(as_text=True)
        one = client.get(f"/api/v1/plots/{farms['code']}").get_json()["farmer"]["name"]
        listed = [p["farmer"]["name"] for p in client.get("/api/v1/plots?per_page=100").get_json()["items"]
                  if p["code"] == farms["code"]]
        feature = next(f for f in geojson(client)[1]["features"] if f["id"] == farms["code"])
        directory = client.get("/farms").get_data(as_text=True)
        return [farms["farmer"] in page, one == farms["farmer"], listed == [farms["farmer"]],
                feature["properties"]["farmer"] == farms["farmer"], farms["farmer"] in directory]

    assert seen() == [True] * 5
    with app.app_context():
        from greensmile.accounts.models import User

        farmer = db.session.get(User, farms["farmer_id"])
        privacy.record(farmer, Purpose.PUBLIC_NAME, False, farmer)
        db.session.commit()
    assert seen() == [False] * 5
    page = client.get(f"/p/{farms['code']}").get_data(as_text=True)
    assert farms["code"] in page and 'data-status="certified"' in page  # the plot and its status stay
    assert farms["code"] in codes(geojson(client)[1])  # still listed: that is the other consent
