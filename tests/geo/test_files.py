"""Coordinators import boundaries for many plots from GeoJSON or KML, all or nothing, and export them again."""
from __future__ import annotations

import io
import json

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.geo.models import BoundarySource, PlotBoundary
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_plot, make_user
from tests.geo.shapes import LAT, LON, square

COUNT = 50


def _plots(given, count=COUNT) -> list[str]:
    with given():
        make_user(Role.COORDINATOR, email="coordinator@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        return [make_plot(farmer, name=f"แปลง {n}").code for n in range(count)]


def _ring(n: int) -> list[list[float]]:
    return square(40, lon=LON + (n % 10) * 0.002, lat=LAT + (n // 10) * 0.002)


def geojson(codes, rings=None) -> bytes:
    features = [{"type": "Feature", "properties": {"plot_code": code, "name": f"แปลง {n}"},
                 "geometry": {"type": "Polygon", "coordinates": [(rings or {}).get(n, _ring(n))]}}
                for n, code in enumerate(codes)]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def kml(codes) -> bytes:
    placemarks = "".join(
        f"<Placemark><name>{code}</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        + " ".join(f"{lon},{lat},0" for lon, lat in _ring(n))
        + "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        for n, code in enumerate(codes))
    return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"{placemarks}</Document></kml>").encode()


def _send(client, data: bytes, name: str):
    token = csrf_token(client, "/plots/boundaries/import")
    return client.post("/plots/boundaries/import", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PlotBoundary))


def test_a_geojson_file_of_fifty_plots_imports_their_boundaries(client, given, app):
    codes = _plots(given)
    login(client, "coordinator@example.com", PASSWORD)
    answer = _send(client, geojson(codes), "plots.geojson")
    assert answer.status_code == 200 and _count(app) == COUNT
    with app.app_context():
        sources = set(db.session.scalars(sa.select(PlotBoundary.source)))
        assert sources == {BoundarySource.IMPORTED}


def test_a_kml_file_of_fifty_plots_imports_their_boundaries(client, given, app):
    codes = _plots(given)
    login(client, "coordinator@example.com", PASSWORD)
    assert _send(client, kml(codes), "from-google-earth.kml").status_code == 200
    assert _count(app) == COUNT


def test_bad_polygons_are_each_named_and_nothing_is_written(client, given, app):
    codes = _plots(given, 6)
    crossing = [[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]]
    unclosed = _ring(2)[:-1]
    abroad = square(lon=100.33, lat=5.41)  # Penang
    data = geojson(codes + ["ZZZZZZ"], {1: crossing, 2: unclosed, 3: abroad})
    login(client, "coordinator@example.com", PASSWORD)
    answer = _send(client, data, "plots.geojson")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and _count(app) == 0
    for number, code, words in ((2, codes[1], "ตัดกันเอง"), (3, codes[2], "ไม่ปิด"), (4, codes[3], "นอกประเทศไทย"),
                                (7, "ZZZZZZ", "ZZZZZZ")):
        card = page.split(f"รายการที่ {number}<", 1)[1].split("</li>", 1)[0]
        assert code in card and words in card, (number, card)
    assert "รายการที่ 1<" not in page and "รายการที่ 5<" not in page  # the good ones are not listed


def test_a_file_that_is_neither_geojson_nor_kml_is_refused_plainly(client, given, app):
    _plots(given, 1)
    login(client, "coordinator@example.com", PASSWORD)
    for data, name in ((b"\xff\xfe not json", "x.geojson"), (b"<kml><Placemark>", "x.kml"),
                       (b'{"type": "Point", "coordinates": [1, 2]}', "x.geojson")):
        answer = _send(client, data, name)
        assert answer.status_code == 400 and "Traceback" not in answer.get_data(as_text=True)
    assert _count(app) == 0


def test_a_kml_file_with_an_entity_bomb_is_refused(client, given, app):
    _plots(given, 1)
    login(client, "coordinator@example.com", PASSWORD)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name></Placemark></kml>')
    assert _send(client, bomb, "bomb.kml").status_code == 400 and _count(app) == 0


def test_exported_boundaries_are_rfc7946_and_import_again(client, given, app):
    codes = _plots(given, 5)
    login(client, "coordinator@example.com", PASSWORD)
    _send(client, geojson(codes), "plots.geojson")
    exported = client.get("/plots/boundaries.geojson")
    assert exported.headers["Content-Type"].startswith("application/geo+json")
    document = json.loads(exported.get_data())
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 5
    from shapely.geometry import LinearRing
    for feature in document["features"]:
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and LinearRing(ring).is_ccw  # RFC 7946: counterclockwise outer rings
    assert _send(client, exported.get_data(), "again.geojson").status_code == 200
    assert _count(app) == 10  # each plot has its history of two


def test_only_coordinators_import_or_export(client, given):
    _plots(given, 1)
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/plots/boundaries/import").status_code == 403
    assert client.get("/plots/boundaries.geojson").status_code == 403
