"""The page where a boundary is drawn on a map, or the current one corrected: for the plot's farmer and the
coordinators only, reached from the boundary page. What it sends is tested with the phone's JSON (test_phone.py)
and in the browser (tests/e2e/test_boundary_draw_in_browser.py)."""
from __future__ import annotations

from greensmile.accounts.models import Role
from greensmile.geo import boundaries
from greensmile.geo.models import BoundarySource
from tests.conftest import login
from tests.factories import PASSWORD, add_member, make_organisation, make_plot, make_user
from tests.geo.shapes import square


def _signed_in(app, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def _title(page: str) -> str:
    return page.split("<title>", 1)[1].split("</title>", 1)[0]


def test_the_farmer_and_a_coordinator_open_the_drawing_page_and_no_one_else(app, client, given):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        make_user(Role.FARMER, email="neighbour@example.com")
        make_user(Role.COORDINATOR, email="coordinator@example.com")
        code = make_plot(farmer).code
    url = f"/plots/{code}/boundary/draw"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert _signed_in(app, "neighbour@example.com").get(url).status_code == 403
    for email in ("farmer@example.com", "coordinator@example.com"):
        answer = _signed_in(app, email).get(url)
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200, email
        assert "vendor/leaflet-geoman/leaflet-geoman.min.js" in page and "js/boundary-draw.js" in page
        assert f'data-sync-url="/plots/{code}/boundary.json"' in page and 'data-csrf="' in page
    assert _signed_in(app, "farmer@example.com").get("/plots/NOSUCHPLOT/boundary/draw").status_code == 404


def test_the_boundary_page_links_to_drawing_then_to_correcting(app, given):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        plot = make_plot(farmer)
        code = plot.code
    farmer_client = _signed_in(app, "farmer@example.com")
    link = f'href="/plots/{code}/boundary/draw"'
    page = farmer_client.get(f"/plots/{code}/boundary").get_data(as_text=True)
    assert link in page and "leaflet-geoman" not in page  # Geoman is loaded by the drawing page only
    drawing = farmer_client.get(f"/plots/{code}/boundary/draw").get_data(as_text=True)
    assert 'data-ring="[]"' in drawing  # nothing to correct: the map starts drawing
    assert 'data-point="[]"' in drawing  # and the plot has no position: a view of Thailand
    with given():
        boundaries.record(farmer, plot, square(40), BoundarySource.WALKED)
    page = farmer_client.get(f"/plots/{code}/boundary").get_data(as_text=True)
    assert link in page and "leaflet-geoman" not in page
    correcting = farmer_client.get(f"/plots/{code}/boundary/draw").get_data(as_text=True)
    assert "[[100.418" in correcting.replace("&#34;", '"').replace(" ", "")  # the boundary now, to correct
    assert _title(drawing) != _title(correcting)  # "draw", then "correct"


def test_a_group_member_who_sees_the_plot_gets_no_link_to_draw(app, given):
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
        member = make_user(Role.FARMER, email="member@example.com")
        group = make_organisation()
        add_member(group, farmer)
        add_member(group, member)
        code = make_plot(farmer, group=group).code
    member_client = _signed_in(app, "member@example.com")
    page = member_client.get(f"/plots/{code}/boundary")
    assert page.status_code == 200
    assert "/boundary/draw" not in page.get_data(as_text=True)
    assert member_client.get(f"/plots/{code}/boundary/draw").status_code == 403
