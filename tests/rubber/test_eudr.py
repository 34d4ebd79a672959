"""EUDR due diligence for rubber lots: a lot is ready only when every plot's record is complete and no flag is open;
each missing piece is named; the reference layers flag a plot with its overlap; the geolocation file follows the
EU's description, round-trips, and is split past the size limit; only the lot's exporter (and the group, and
coordinators) may have it."""
from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from markupsafe import escape
from shapely.geometry import LinearRing, Polygon, shape

from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from greensmile.rubber import eudr, eudr_risk
from greensmile.rubber.errors import EudrError, NotAllowed
from greensmile.rubber.eudr_models import CutoffDeclaration, FlagDecision, LandDocument, LayerKind, RiskFlag
from greensmile.rubber.models import Lot, RubberProfile
from tests.certification.helpers import png
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user
from tests.geo.shapes import LAT, LON, hexagon, square, utm_area
from tests.rubber.eudr_helpers import complete, load, ready_lot, reserve_over_plot_0

SCHEMA = json.loads((Path(__file__).parent.parent / "public" / "geojson_schema" / "FeatureCollection.json")
                    .read_text())


def _status(lot_id: int) -> eudr.LotEudr:
    return eudr.lot_status(db.session.get(Lot, lot_id))


def _gaps(status: eudr.LotEudr) -> dict[str, set[str]]:
    return {entry.plot.code: {gap.code for gap in entry.gaps} for entry in status.plots}


def test_a_complete_lot_is_ready(app_ctx):
    _world, lot = ready_lot()
    status = eudr.lot_status(lot)
    assert status.ready, _gaps(status)
    assert len(status.plots) == 2 and all(entry.ready for entry in status.plots)


def _no_position(world):
    world.plots[1].latitude = world.plots[1].longitude = None


def _big_point(world):
    world.plots[1].area_m2 = Decimal("50000")  # 5 ha with only a point


def _no_planting_year(world):
    db.session.delete(db.session.get(RubberProfile, world.plots[1].id))


def _planted_late(world):
    db.session.get(RubberProfile, world.plots[1].id).planting_year = 2022


def _no_declaration(world):
    db.session.execute(sa.delete(CutoffDeclaration).where(CutoffDeclaration.plot_id == world.plots[1].id))


def _no_document(world):
    db.session.execute(sa.delete(LandDocument).where(LandDocument.plot_id == world.plots[1].id))


def _open_flag(world):
    point = (float(world.plots[1].longitude), float(world.plots[1].latitude))
    load(world, square(300, lon=point[0] - 0.001, lat=point[1] - 0.001))


MISSING = [("geolocation", _no_position), ("polygon", _big_point), ("planting_year", _no_planting_year),
           ("evidence", _planted_late), ("declaration", _no_declaration), ("land_document", _no_document),
           ("flag", _open_flag)]


@pytest.mark.parametrize(("gap", "take_away"), MISSING, ids=[gap for gap, _f in MISSING])
def test_each_missing_piece_is_named_and_the_lot_is_not_ready(client, given, gap, take_away):
    with given():
        world, lot = ready_lot()
        take_away(world)
        db.session.flush()
        status = eudr.lot_status(lot)
        assert not status.ready
        assert _gaps(status) == {world.plots[0].code: set(), world.plots[1].code: {gap}}
        lot_id, code = lot.id, world.plots[1].code
        messages = [gap.message for entry in status.plots for gap in entry.gaps]
    # the lot's page names the plot and what it lacks (in the reader's language: Thai here, as in `given`)
    login(client, "manager@example.com", PASSWORD)
    page = client.get(f"/rubber/lots/{lot_id}/eudr").get_data(as_text=True)
    assert code in page and messages and all(str(escape(message)) in page for message in messages)


def test_filling_the_gaps_makes_the_lot_ready_again(app_ctx):
    world, lot = ready_lot()
    _big_point(world)
    _planted_late(world)
    db.session.flush()
    assert _gaps(eudr.lot_status(lot))[world.plots[1].code] == {"polygon", "evidence"}
    boundaries.record(world.manager, world.plots[1], hexagon(140, lon=float(world.plots[1].longitude),
                                                             lat=float(world.plots[1].latitude)),
                      BoundarySource.WALKED, close=True)
    eudr.add_evidence(world.manager, world.plots[1], png(), "ภาพถ่ายทางอากาศ พ.ศ. 2563")
    assert eudr.lot_status(lot).ready


def test_a_plot_meeting_a_reserve_is_flagged_with_its_overlap_and_one_beside_it_is_not(app_ctx):
    world, lot = ready_lot()
    reserve = reserve_over_plot_0()
    load(world, reserve)
    status = eudr.lot_status(lot)
    flagged = {entry.plot.code: entry.flags for entry in status.plots}
    assert flagged[world.plots[1].code] == []  # its point lies 2 km away
    (flag,) = flagged[world.plots[0].code]
    ring = boundaries.current(world.plots[0]).ring
    expected = utm_area(list(Polygon(ring).intersection(Polygon(reserve)).exterior.coords))
    assert flag.open and abs(flag.overlap_m2 - expected) / expected < 0.01
    assert 0 < flag.overlap_m2 < boundaries.area_of(ring).m2
    assert not status.ready and _gaps(status)[world.plots[0].code] == {"flag"}
    # a coordinator clears it with reasons: the lot is ready; the decision holds through a later check
    with pytest.raises(EudrError):
        eudr_risk.decide_flag(world.coordinator, flag, FlagDecision.CLEARED, "  ")
    eudr_risk.decide_flag(world.coordinator, flag, FlagDecision.CLEARED,
                     "โฉนดออกก่อนประกาศเขตป่าสงวน ตรวจสอบกับกรมป่าไม้แล้ว")
    assert eudr.lot_status(lot).ready
    load(world, square(50, lon=101.5, lat=8.5), kind=LayerKind.PROTECTED_AREA)  # far away: a new check
    status = eudr.lot_status(lot)
    (again,) = next(e for e in status.plots if e.plot.id == world.plots[0].id).flags
    assert again.id != flag.id and again.decision is FlagDecision.CLEARED and status.ready
    # walked again, still in the reserve: a new flag, and excluded, the plot keeps the lot from being ready
    boundaries.record(world.farmers[0], world.plots[0], hexagon(75), BoundarySource.WALKED, close=True)
    (third,) = next(e for e in eudr.lot_status(lot).plots if e.plot.id == world.plots[0].id).flags
    eudr_risk.decide_flag(world.coordinator, third, FlagDecision.EXCLUDED, "บุกรุกเขตป่าหลังปี 2563")
    assert _gaps(eudr.lot_status(lot))[world.plots[0].code] == {"excluded"}


def test_a_new_boundary_is_checked_again(app_ctx):
    world, lot = ready_lot()
    load(world, reserve_over_plot_0())
    assert not eudr.lot_status(lot).ready
    # the farmer walks the boundary again, further west: out of the reserve
    boundaries.record(world.farmers[0], world.plots[0], hexagon(60, lon=LON - 0.01, lat=LAT), BoundarySource.WALKED,
                      close=True)
    assert eudr.lot_status(lot).ready


def test_a_layer_with_a_bad_polygon_names_it_and_loads_nothing(app_ctx):
    world = ready_lot()[0]
    crossing = [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    from tests.rubber.eudr_helpers import layer_file

    report = eudr_risk.load_layer(world.coordinator, "ชั้นข้อมูลเสีย", LayerKind.OTHER, "",
                             layer_file(square(100), crossing, names={1: "เขตตัดกัน"}))
    assert not report.ok and [(n, name) for n, name, _why in report.errors] == [(2, "เขตตัดกัน")]
    db.session.rollback()
    assert eudr_risk.all_layers() == []
    with pytest.raises(NotAllowed):
        eudr_risk.load_layer(world.manager, "x", LayerKind.OTHER, "", layer_file(square(100)))


# ---------------------------------------------------------------- the geolocation file
SIX_DECIMALS = re.compile(r"-?\d+\.\d{6,}")


def _file(client, lot_id: int):
    answer = client.get(f"/rubber/lots/{lot_id}/eudr/geolocation")
    assert answer.status_code == 200, answer.status_code
    return answer


def test_the_geolocation_file_follows_the_eu_description_and_round_trips(client, given):
    with given():
        world, lot = ready_lot()
        areas = {world.plots[0].code: boundaries.current(world.plots[0]).area_m2,
                 world.plots[1].code: float(world.plots[1].area_m2)}
        lot_id = lot.id
    login(client, "exporter@example.com", PASSWORD)
    answer = _file(client, lot_id)
    assert answer.mimetype == "application/geo+json"
    text = answer.get_data(as_text=True)
    collection = json.loads(text)
    jsonschema.Draft7Validator(SCHEMA).validate(collection)
    assert "crs" not in collection and len(collection["features"]) == 2
    # every coordinate written with six decimals or more (json would write 100.42 for a point at 100.420000)
    numbers = re.findall(r'"coordinates":(\[[^"]*\])', text)
    assert numbers and all(SIX_DECIMALS.fullmatch(n) for chunk in numbers for n in re.findall(r"-?[\d.]+", chunk))
    by_place = {}
    for feature in collection["features"]:
        properties = feature["properties"]
        assert set(properties) >= {"ProducerName", "ProducerCountry", "ProductionPlace"}
        assert properties["ProducerCountry"] == "TH"
        code = properties["ProductionPlace"].split(" · ")[0]
        by_place[code] = feature
    polygon = by_place[world.plots[0].code]
    assert polygon["geometry"]["type"] == "Polygon"
    ring = polygon["geometry"]["coordinates"][0]
    read = shape(polygon["geometry"])
    assert read.is_valid and ring[0] == ring[-1] and len(ring) >= 4 and LinearRing(ring).is_ccw  # RFC 7946 § 3.1.6
    assert abs(boundaries.area_of(ring).m2 - areas[world.plots[0].code]) / areas[world.plots[0].code] < 1e-6
    assert polygon["properties"]["ProducerName"] == world.farmers[0].display_name
    point = by_place[world.plots[1].code]
    assert point["geometry"] == {"type": "Point", "coordinates": [100.42, 7.004]}
    assert point["properties"]["Area"] == pytest.approx(areas[world.plots[1].code] / 10_000)


def test_a_file_past_the_limit_is_split_and_says_so(client, given, app):
    with given():
        _world, lot = ready_lot()
        lot_id = lot.id
    login(client, "exporter@example.com", PASSWORD)
    whole = len(_file(client, lot_id).get_data())
    app.config["EUDR_FILE_MAX_BYTES"] = whole  # exactly the limit: one file still
    try:
        assert _file(client, lot_id).mimetype == "application/geo+json"
        app.config["EUDR_FILE_MAX_BYTES"] = whole - 1  # a byte less: the two plots no longer fit in one file
        answer = _file(client, lot_id)
    finally:
        app.config["EUDR_FILE_MAX_BYTES"] = 25_000_000
    assert answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.get_data()))
    parts = sorted(name for name in archive.namelist() if name.endswith(".geojson"))
    assert len(parts) == 2 and parts[0].endswith("part-1-of-2.geojson")
    features = []
    for name in parts:
        data = archive.read(name)
        assert len(data) <= whole - 1
        collection = json.loads(data)
        jsonschema.Draft7Validator(SCHEMA).validate(collection)
        features += collection["features"]
    assert len(features) == 2
    assert "2" in archive.read("README.txt").decode()


def test_only_the_lots_exporter_the_group_and_coordinators_get_the_file(client, given):
    with given():
        world, lot = ready_lot()
        other = make_user(email="other-buyer@example.com")
        from greensmile.network import services as network
        from greensmile.network.models import Position

        network.add_member(world.other_exporter, other.email, Position.MEMBER, world.coordinator)
        lot_id, code = lot.id, world.plots[0].code
        found = eudr.history(world.plots[0])
        document, declaration = found["documents"][0].id, found["declarations"][0].id
    path = f"/rubber/lots/{lot_id}/eudr/geolocation"
    assert client.get(path).status_code == 404  # the public
    for who, expected in (("other-buyer@example.com", 404), ("tapper1@example.com", 404),
                          ("exporter@example.com", 200), ("manager@example.com", 200), ("coord@example.com", 200)):
        login(client, who, PASSWORD)
        assert client.get(path).status_code == expected, who
        assert client.get(f"/rubber/lots/{lot_id}/eudr").status_code == expected, who
        if who != "coord@example.com" and who != "manager@example.com":  # nor the plots' records and photos
            assert client.get(f"/rubber/plots/{code}/eudr").status_code == 404, who
            assert client.get(f"/rubber/eudr/document/{document}.jpg").status_code == 404, who
            assert client.get(f"/rubber/eudr/declaration/{declaration}.jpg").status_code == 404, who
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_the_exporter_records_the_statement_and_the_trace_page_and_api_show_it(client, given):
    with given():
        world, lot = ready_lot()
        lot_id, code = lot.id, lot.code
        names = [farmer.display_name for farmer in world.farmers]
        # plot 1's farmer agreed to be on the farm map; plot 0's did not, so the public sees no position for it
        from greensmile.privacy import services as privacy
        from greensmile.privacy.models import Purpose

        privacy.record(world.farmers[1], Purpose.FARM_DIRECTORY, True, world.farmers[1])
    login(client, "manager@example.com", PASSWORD)
    page = f"/rubber/lots/{lot_id}/eudr"
    token = csrf_token(client, page)
    numbers = {"csrf_token": token, "reference_number": "25TH0000001", "verification_number": "ABCD1234"}
    assert client.post(f"/rubber/lots/{lot_id}/eudr/statement", data=numbers).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "exporter@example.com", PASSWORD)
    token = csrf_token(client, page)
    refused = client.post(f"/rubber/lots/{lot_id}/eudr/statement", data={**numbers, "csrf_token": token,
                                                                         "verification_number": ""})
    assert refused.status_code == 400 and "25TH0000001" in refused.get_data(as_text=True)  # kept after a refusal
    assert client.post(f"/rubber/lots/{lot_id}/eudr/statement", data={**numbers, "csrf_token": token}
                       ).status_code == 302
    client.post("/logout", data={"csrf_token": token})
    trace = client.get(f"/lots/{code}").get_data(as_text=True)
    assert "25TH0000001" in trace and "ABCD1234" in trace
    assert "7.00" in trace and "100.42" in trace  # plot 1's point, rounded
    assert "7.004000" not in trace and all(name not in trace for name in names)  # no exact position, no producer
    data = client.get(f"/api/v1/lots/{code}").get_json()["eudr"]
    assert data["status"] == "ready"
    assert data["statement"] == {"reference_number": "25TH0000001", "verification_number": "ABCD1234"}
    located = {p["plot_code"]: p["location"] for p in data["plots"]}
    assert located == {world.plots[1].code: [100.42, 7.0], world.plots[0].code: None}


def test_the_group_manager_sees_the_plots_by_readiness(client, given):
    with given():
        world, _lot = ready_lot()
        _no_document(world)
    login(client, "manager@example.com", PASSWORD)
    page = client.get(f"/rubber/groups/{world.group.id}/eudr").get_data(as_text=True)
    assert page.index(world.plots[1].code) < page.index(world.plots[0].code)  # what lacks something first
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "tapper0@example.com", PASSWORD)
    assert client.get(f"/rubber/groups/{world.group.id}/eudr").status_code == 404


def test_the_record_is_kept_through_the_pages_and_nobody_else_sees_its_photos(client, given):
    with given():
        world = ready_lot()[0]
        plot = world.plots[1]
        code = plot.code
        document = eudr.history(plot)["documents"][0].id
    login(client, "tapper1@example.com", PASSWORD)  # the farmer of plot 1
    page = f"/rubber/plots/{code}/eudr"
    token = csrf_token(client, page)
    refused = client.post(f"{page}/land-document", data={
        "csrf_token": token, "doc_type": "other", "other_type": "", "number": "น.ส.3ก 555",
        "photo": (io.BytesIO(png()), "doc.png")}, content_type="multipart/form-data")
    assert refused.status_code == 400 and "น.ส.3ก 555" in refused.get_data(as_text=True)
    assert client.post(f"{page}/land-document", data={
        "csrf_token": token, "doc_type": "ns3", "number": "น.ส.3ก 555", "raot_number": "",
        "photo": (io.BytesIO(png()), "doc.png")}, content_type="multipart/form-data").status_code == 302
    assert client.get(f"/rubber/eudr/document/{document}.jpg").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    login(client, "tapper0@example.com", PASSWORD)  # another member of the group
    assert client.get(page).status_code == 404
    assert client.get(f"/rubber/eudr/document/{document}.jpg").status_code == 404
    assert client.get("/media/eudr/x.jpg").status_code == 404


def test_the_file_costs_the_same_queries_for_two_plots_and_for_six(client, given, app):
    from greensmile.accounts.models import Role
    from greensmile.network import services as network
    from greensmile.network.models import Position
    from greensmile.plots.models import PlotType
    from greensmile.rubber import lots
    from greensmile.rubber import services as rubber
    from tests.factories import make_plot
    from tests.plots.test_search_and_api import counting_queries
    from tests.rubber.helpers import harvest

    with given():
        world, small = ready_lot()
        for n in range(2, 6):  # four more members, each their own farmer
            farmer = make_user(Role.FARMER, email=f"tapper{n}@example.com")
            network.add_member(world.group, farmer.email, Position.MEMBER, world.coordinator)
            plot = make_plot(farmer, world.group, plot_type=PlotType.RUBBER, crops=["ยางพารา"],
                             area_m2=Decimal("1600"), latitude=Decimal("7.01"), longitude=Decimal(f"100.4{n}"))
            rubber.save_profile(farmer, plot, rubber.ProfileData(2012, "RRIM 600", 420, "S/2 d/3"))
            world.farmers.append(farmer)
            world.plots.append(plot)
            complete(world, n)
        large = lots.create_lot(world.manager, world.group, world.exporter)
        lots.add_harvests(world.manager, large, [harvest(world, n, days_ago=3).id for n in range(6)])
        ids = small.id, large.id
    login(client, "exporter@example.com", PASSWORD)
    counts = []
    for lot_id in ids:
        _file(client, lot_id)  # the checks against the layers are made once
        with counting_queries(app) as statements:
            collection = json.loads(_file(client, lot_id).get_data())
        counts.append((len(collection["features"]), len(statements)))
    assert [features for features, _n in counts] == [2, 6]
    assert counts[0][1] == counts[1][1], counts


def test_a_plot_whose_edge_runs_along_a_reserve_is_not_flagged(app_ctx):
    world, lot = ready_lot()
    ring = boundaries.current(world.plots[0]).ring
    east = max(lon for lon, _lat in ring)
    # a reserve beginning exactly at the plot's easternmost corner line: it touches, it does not overlap
    load(world, [[east, LAT - 0.001], [east + 0.002, LAT - 0.001], [east + 0.002, LAT + 0.001],
                 [east, LAT + 0.001], [east, LAT - 0.001]])
    status = eudr.lot_status(lot)
    assert status.ready and all(not entry.flags for entry in status.plots)


def test_a_decision_holds_for_its_geolocation_only_once_and_on_the_current_check(app_ctx):
    world, lot = ready_lot()
    layer = load(world, reserve_over_plot_0())
    (flag,) = [f for e in eudr.lot_status(lot).plots for f in e.flags]
    eudr_risk.decide_flag(world.coordinator, flag, FlagDecision.CLEARED, "เขตป่าประกาศทับที่ทำกินเดิม")
    with pytest.raises(EudrError):  # decided once, not overwritten
        eudr_risk.decide_flag(world.coordinator, flag, FlagDecision.EXCLUDED, "เปลี่ยนใจ")
    assert db.session.get(RiskFlag, flag.id).decision is FlagDecision.CLEARED
    # a new boundary, still in the reserve: a new flag, open again (the decision was about the old shape)
    boundaries.record(world.farmers[0], world.plots[0], hexagon(70), BoundarySource.WALKED, close=True)
    status = eudr.lot_status(lot)
    (again,) = [f for e in status.plots for f in e.flags]
    assert again.open and not status.ready
    with pytest.raises(EudrError):  # the old check's flag is not the one that counts
        eudr_risk.decide_flag(world.coordinator, db.session.get(RiskFlag, flag.id), FlagDecision.CLEARED, "x")
    # the layer retired: no check meets it any more
    eudr_risk.retire_layer(world.coordinator, layer)
    assert eudr.lot_status(lot).ready


def test_a_file_that_is_not_geojson_is_refused_plainly(client, given):
    with given():
        ready_lot()
    login(client, "coord@example.com", PASSWORD)
    token = csrf_token(client, "/rubber/eudr/layers")
    for data in (b"hello", b"\x80\x81 binary", b'{"type": "FeatureCollection", "features": [{"properties": '
                 b'{"name": "\\ud800"}, "geometry": {"type": "Polygon", "coordinates": []}}]}'):
        answer = client.post("/rubber/eudr/layers", data={
            "csrf_token": token, "name": "ป่าสงวน", "kind": "forest_reserve", "source": "",
            "file": (io.BytesIO(data), "layer.geojson")}, content_type="multipart/form-data")
        assert answer.status_code == 400, data
        assert "GeoJSON" in answer.get_data(as_text=True)
    with given():
        assert eudr_risk.all_layers() == []


def test_no_file_and_no_statement_for_a_lot_that_is_not_ready_and_a_changed_file_is_said(client, given):
    with given():
        world, lot = ready_lot()
        _no_document(world)
        lot_id = lot.id
    login(client, "exporter@example.com", PASSWORD)
    answer = client.get(f"/rubber/lots/{lot_id}/eudr/geolocation")
    assert answer.status_code == 302 and answer.location.endswith(f"/rubber/lots/{lot_id}/eudr")
    token = csrf_token(client, f"/rubber/lots/{lot_id}/eudr")
    numbers = {"csrf_token": token, "reference_number": "25TH0000002", "verification_number": "WXYZ9876"}
    assert client.post(f"/rubber/lots/{lot_id}/eudr/statement", data=numbers).status_code == 409
    with given():
        complete(world, 1)
    assert client.post(f"/rubber/lots/{lot_id}/eudr/statement", data=numbers).status_code == 302
    page = client.get(f"/rubber/lots/{lot_id}/eudr").get_data(as_text=True)
    assert "25TH0000002" in page and "flash-error" not in page
    with given():  # plot 0 walked again afterwards: the file is not the one submitted
        boundaries.record(world.farmers[0], db.session.get(type(world.plots[0]), world.plots[0].id),
                          hexagon(65), BoundarySource.WALKED, close=True)
    page = client.get(f"/rubber/lots/{lot_id}/eudr").get_data(as_text=True)
    assert "flash-error" in page
