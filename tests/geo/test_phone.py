"""A boundary walked or drawn on a phone arrives as JSON when there is a signal: once, however often it is sent, only
from the plot's farmer (or a coordinator), with the phone's form token."""
from __future__ import annotations

import json
import secrets

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.geo.models import BoundarySource, PlotBoundary
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_plot, make_user
from tests.geo.shapes import hexagon, utm_area


def _send(client, code, body, token):
    return client.post(f"/plots/{code}/boundary.json", data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token})


def test_a_walked_boundary_is_stored_once_with_its_area(client, given, app):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        code = make_plot(farmer).code
    login(client, "farmer@example.com", PASSWORD)
    token = csrf_token(client, f"/plots/{code}")
    corners = hexagon(30)
    body = {"key": secrets.token_urlsafe(16), "points": corners, "source": "walked", "accuracy_m": 7.5}
    first = _send(client, code, body, token)
    assert first.status_code == 201, first.get_json()
    closed = corners + [corners[0]]
    assert abs(first.get_json()["area_m2"] - utm_area(closed)) / utm_area(closed) < 0.02
    assert _send(client, code, body, token).get_json() == {"status": "already_stored"}
    with app.app_context():
        (stored,) = db.session.scalars(sa.select(PlotBoundary))
        assert stored.source is BoundarySource.WALKED and stored.accuracy_m == 7.5 and stored.ring[0] == stored.ring[-1]
    page = client.get(f"/plots/{code}/boundary").get_data(as_text=True)
    assert "ไร่" in page and "เดินวัดด้วย GPS" in page  # the area in rai, and how it was measured


def test_refusals_keep_nothing_and_say_why(client, given, app):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        make_user(Role.FARMER, email="neighbour@example.com")
        code = make_plot(farmer).code
    login(client, "neighbour@example.com", PASSWORD)
    token = csrf_token(client, "/account")
    good = {"key": secrets.token_urlsafe(16), "points": hexagon(30), "source": "walked"}
    assert _send(client, code, good, token).status_code == 403  # not their plot
    client.post("/logout", data={"csrf_token": token})
    login(client, "farmer@example.com", PASSWORD)
    token = csrf_token(client, f"/plots/{code}")
    assert _send(client, code, good, "forged").status_code == 400  # no phone token
    crossing = {"key": secrets.token_urlsafe(16), "points": [[100.418, 7.16], [100.419, 7.161], [100.419, 7.16],
                                                     [100.418, 7.161]], "source": "drawn"}
    refused = _send(client, code, crossing, token)
    assert refused.status_code == 400 and refused.get_json()["reasons"]
    assert _send(client, code, {"key": "k", "points": "nonsense"}, token).status_code == 400
    assert _send(client, code, {**good, "source": "imported"}, token).status_code == 400
    assert _send(client, code, {**good, "key": "x" * 200}, token).status_code == 400  # not a key of ours
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotBoundary)) == 0
    assert _send(client, code, good, token).status_code == 201  # the refused key was not used up


def test_the_boundary_page_carries_its_map_and_lets_the_tiles_in(client, given, app):
    from greensmile.geo import boundaries
    from tests.geo.shapes import square
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        plot = make_plot(farmer)
        boundaries.record(farmer, plot, square(40), BoundarySource.DRAWN)
        code = plot.code
    login(client, "farmer@example.com", PASSWORD)
    answer = client.get(f"/plots/{code}/boundary")
    page = answer.get_data(as_text=True)
    assert 'id="boundary-map"' in page and "vendor/leaflet/leaflet.js" in page and "[[100.418" in page.replace(
        "&#34;", '"').replace(" ", "")
    img_src = next(part for part in answer.headers["Content-Security-Policy"].split(";") if "img-src" in part)
    assert "https://tile.openstreetmap.org" in img_src
    assert "OpenStreetMap" in page  # the tiles' attribution goes with them


def test_only_the_farmer_or_a_coordinator_opens_the_walk_page_and_the_token_needs_a_session(client, given):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        make_user(Role.FARMER, email="neighbour@example.com")
        code = make_plot(farmer).code
    assert client.get("/plots/boundary/token").status_code == 401
    login(client, "neighbour@example.com", PASSWORD)
    assert client.get(f"/plots/{code}/boundary/walk").status_code == 403
    assert client.get("/plots/boundary/token").get_json()["csrf_token"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login(client, "farmer@example.com", PASSWORD)
    page = client.get(f"/plots/{code}/boundary/walk").get_data(as_text=True)
    assert "data-walk" in page and f"/plots/{code}/boundary.json" in page


def test_a_stranger_cannot_see_a_plots_boundary(client, given):
    from greensmile.geo import boundaries
    from tests.geo.shapes import square
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        make_user(Role.FARMER, email="stranger@example.com")
        plot = make_plot(farmer)
        boundaries.record(farmer, plot, square(40), BoundarySource.DRAWN)
        code = plot.code
    login(client, "stranger@example.com", PASSWORD)
    assert client.get(f"/plots/{code}/boundary").status_code == 403
    assert client.get("/plots/ZZZZZZ/boundary").status_code == 404
