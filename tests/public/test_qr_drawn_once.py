"""QR images are drawn once per plot, size and base address, then served from storage with their ETag: a second
request runs no SQL and draws nothing, a revalidation answers 304, and a sheet of labels printed again draws nothing
that was drawn before. What is served still decodes to the plot's address."""
from __future__ import annotations

from pathlib import Path

import pytest

from greensmile.public import qr
from tests.certification.helpers import certified, make_cycle
from tests.conftest import login
from tests.factories import PASSWORD
from tests.public.test_public_pages import _decode, counting_queries


@pytest.fixture(autouse=True)
def own_storage(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))


def _drawings(app) -> dict[str, float]:
    folder = Path(app.config["UPLOAD_DIR"]) / "qr"
    return {path.name: path.stat().st_mtime_ns for path in folder.glob("*")} if folder.exists() else {}


def test_a_code_is_drawn_once_and_then_sent_with_no_query(client, given, app):
    with given():
        cycle = make_cycle()
        certified(cycle)
    code = cycle.plot.code
    first = client.get(f"/p/{code}/qr.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert _decode(first.data) == [f"{app.config['PUBLIC_BASE_URL']}/p/{code}"]
    drawn = _drawings(app)
    assert len(drawn) == 1
    with counting_queries(app) as statements:
        again = client.get(f"/p/{code}/qr.png")
    assert again.data == first.data and statements == []  # no query, no drawing
    assert _drawings(app) == drawn
    etag = again.headers["ETag"]
    assert client.get(f"/p/{code}/qr.png", headers={"If-None-Match": etag}).status_code == 304
    sign = client.get(f"/p/{code}/qr.png?size=sign")
    svg = client.get(f"/p/{code}/qr.svg")
    assert sign.status_code == 200 and len(sign.data) > len(first.data) and svg.mimetype == "image/svg+xml"
    assert len(_drawings(app)) == 3  # one per size and format
    assert sign.headers["ETag"] != etag


def test_a_plot_never_certified_gets_no_code_and_nothing_is_drawn(client, given, app):
    with given():
        cycle = make_cycle()
    assert client.get(f"/p/{cycle.plot.code}/qr.png").status_code == 404
    assert client.get(f"/p/{cycle.plot.code.lower()}/qr.png").status_code == 301  # one address per code
    assert _drawings(app) == {}


def test_another_base_address_is_another_drawing(client, given, app, monkeypatch):
    with given():
        cycle = make_cycle()
        certified(cycle)
    client.get(f"/p/{cycle.plot.code}/qr.png")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://greensmile.example")
    moved = client.get(f"/p/{cycle.plot.code}/qr.png")
    assert _decode(moved.data) == [f"https://greensmile.example/p/{cycle.plot.code}"]
    assert len(_drawings(app)) == 2


def test_a_sheet_printed_again_draws_nothing(client, given, app, monkeypatch):
    with given():
        cycle = make_cycle()
        certified(cycle)
    login(client, "coord@example.com", PASSWORD)
    sheet = client.get(f"/labels?group={cycle.group.id}")
    assert sheet.status_code == 200 and "<svg" in sheet.get_data(as_text=True)
    drawn = _drawings(app)
    assert len(drawn) == 1

    def no_drawing(payload):
        raise AssertionError("drawn again")

    monkeypatch.setitem(qr.FORMATS, "svg", ("image/svg+xml", no_drawing))
    again = client.get(f"/labels?group={cycle.group.id}")
    assert again.get_data(as_text=True) == sheet.get_data(as_text=True) and _drawings(app) == drawn
