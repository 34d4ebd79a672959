"""A boundary is closed, has at least three corners, does not cross itself and lies in Thailand; its area is measured
on the ellipsoid; a boundary far from the declared area is flagged; the plot keeps every boundary it had."""
from __future__ import annotations

from decimal import Decimal

import pytest

from greensmile.accounts.models import Role
from greensmile.geo import boundaries
from greensmile.geo.errors import BoundaryRefused, NotYourPlot
from greensmile.geo.models import BoundarySource
from tests.factories import make_plot, make_user
from tests.geo.shapes import LAT, LON, hexagon, square, utm_area


def test_the_area_agrees_with_another_computation_and_is_shown_in_rai_and_hectares(app_ctx):
    ring = square(40)
    area = boundaries.area_of(boundaries.check_ring(ring))
    assert area.m2 == pytest.approx(utm_area(ring), rel=0.005)
    assert area.m2 == pytest.approx(1600, rel=0.01)  # 40 m × 40 m: one rai
    walked = boundaries.check_ring(hexagon(50), close=True)
    assert boundaries.area_of(walked).m2 == pytest.approx(utm_area(walked), rel=0.005)
    rai, ngan, wa = boundaries.Area(2000.0).rai_ngan_wa
    assert (rai, ngan, wa) == (1, 1, Decimal("0.0")) and boundaries.Area(2000.0).hectares == 0.2


@pytest.mark.parametrize("ring, words", [
    (square()[:-1], "not closed"),
    ([[LON, LAT], [LON + 0.001, LAT], [LON, LAT]], "at least 3 corners"),
    ([[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]], "crosses itself"),
    (square(lon=102.7, lat=18.05), "outside Thailand"),  # Laos, 15 km across the Mekong from Nong Khai
    (square(lon=100.33, lat=5.41), "outside Thailand"),  # Penang
    ([[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.002, LAT + 0.002], [LON, LAT]], "no area"),
    ([[LON, LAT], ["x", LAT], [LON + 0.001, LAT + 0.001], [LON, LAT]], "Point 2"),
])
def test_a_bad_boundary_is_refused_saying_why(app_ctx, ring, words):
    with force_english(), pytest.raises(BoundaryRefused) as refused:
        boundaries.check_ring(ring)
    assert words in str(refused.value)


def force_english():
    from flask_babel import force_locale
    return force_locale("en")


def test_coastal_and_border_plots_inside_thailand_are_taken(app_ctx):
    for lon, lat in ((100.60, 7.20), (100.0, 9.5), (100.47, 7.0)):  # Songkhla's shore, Ko Samui, Hat Yai
        boundaries.check_ring(square(lon=lon, lat=lat))


def test_the_farmer_records_boundaries_the_newest_counts_the_history_stays_and_a_far_one_is_flagged(app_ctx):
    farmer = make_user(Role.FARMER)
    plot = make_plot(farmer, area_m2=Decimal("1600"))
    first = boundaries.record(farmer, plot, square(40), BoundarySource.DRAWN)
    assert not first.flagged and boundaries.current(plot) == first
    second = boundaries.record(farmer, plot, hexagon(80), BoundarySource.WALKED, accuracy_m=6.0, close=True)
    assert second.flagged  # about 16,000 m² against 1,600 declared
    assert boundaries.current(plot) == second and boundaries.history(plot) == [second, first]
    assert boundaries.flagged() == [second]


def test_someone_else_cannot_record_a_plots_boundary_and_a_coordinator_can(app_ctx):
    farmer, neighbour, coordinator = make_user(Role.FARMER), make_user(Role.FARMER), make_user(Role.COORDINATOR)
    plot = make_plot(farmer)
    with pytest.raises(NotYourPlot):
        boundaries.record(neighbour, plot, square(), BoundarySource.DRAWN)
    assert boundaries.record(coordinator, plot, square(), BoundarySource.DRAWN).created_by == coordinator
