"""A lot's public trace page, its QR code read back by a real decoder, and the read API."""
from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from greensmile.certification import services as certification
from greensmile.certification.services import today
from greensmile.rubber import lots
from greensmile.rubber import services as rubber
from greensmile.rubber.models import RubberProduct
from tests.rubber.helpers import harvest, make_group


def _lot(broken: bool):
    world = make_group()
    records = [harvest(world, 0, days_ago=10)]
    if broken:
        certification.suspend(certification.certification_for(world.plots[1], world.fsc), world.coordinator,
                              "พบการแผ้วถางป่า")
        records.append(rubber.record_harvest(world.farmers[1], world.plots[1], rubber.HarvestData(
            today(), RubberProduct.CUP_LUMP, Decimal("80"), Decimal("50"))))
    lot = lots.create_lot(world.manager, world.group, world.exporter)
    lots.add_harvests(world.manager, lot, [r.id for r in records])
    return world, lot


def test_the_trace_page_shows_the_claim_and_each_plot(client, given):
    with given():
        world, lot = _lot(broken=False)
    page = client.get(f"/lots/{lot.code.lower()}")  # typed in any case: sent to the canonical address
    assert page.status_code == 301
    body = client.get(f"/lots/{lot.code}").get_data(as_text=True)
    assert "FSC 100%" in body and world.plots[0].code in body and "FSC-C000000" in body
    assert world.exporter.name not in body  # the buyer is nobody else's business


def test_a_broken_claim_names_the_plot_on_the_page_and_in_the_api(client, given):
    with given():
        world, lot = _lot(broken=True)
    body = client.get(f"/lots/{lot.code}").get_data(as_text=True)
    assert "FSC 100%" not in body and world.plots[1].code in body
    data = client.get(f"/api/v1/lots/{lot.code}").get_json()
    assert data["claim"] is None and data["not_certified_plots"] == [world.plots[1].code]
    assert {c["plot_code"]: c["fsc_status"] for c in data["contributions"]} == {
        world.plots[0].code: "certified", world.plots[1].code: "suspended"}
    assert data["dry_rubber_kg"] == "75.00"
    assert client.get("/api/v1/lots/ZZZZZZ").status_code == 404


def test_the_lot_qr_code_reads_back_as_its_trace_page(client, given, app):
    import zxingcpp

    with given():
        _world, lot = _lot(broken=False)
    response = client.get(f"/lots/{lot.code}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert decoded.text == f"{app.config['PUBLIC_BASE_URL']}/lots/{lot.code}"


def test_a_rubber_plots_page_and_api_show_its_fsc_status_and_the_groups_lapse(client, given):
    from greensmile.certification import groups
    from greensmile.certification.group_models import GroupOutcome

    with given():
        world = make_group()
        code = world.plots[0].code
    page = client.get(f"/p/{code}").get_data(as_text=True)
    assert 'data-status="certified"' in page and "FSC" in page
    with given():
        groups.record_decision(world.coordinator, world.group, world.fsc, groups.GroupDecisionData(
            GroupOutcome.WITHDRAWN, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง", today()))
    page = client.get(f"/p/{code}").get_data(as_text=True)
    assert 'data-status="group_lapsed"' in page
    api = client.get(f"/api/v1/plots/{code}").get_json()
    assert {c["standard"]: c["status"] for c in api["certifications"]}["fsc-rubber"] == "group_lapsed"
