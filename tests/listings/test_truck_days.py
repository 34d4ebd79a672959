"""A listing may name a truck stop only if the truck runs there on the harvest day: on another day, it is refused
with a message that names the stop and its days."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from greensmile.listings import pickup_points as points
from greensmile.listings import services as listings
from greensmile.listings.errors import ListingError
from greensmile.listings.models import PickupKind
from tests.orders.helpers import listing_data, make_market


def _next(weekday: int) -> date:
    day = date.today() + timedelta(days=2)
    while day.isoweekday() != weekday:
        day += timedelta(days=1)
    return day


def _data(market, point_ids, harvest_on):
    return listing_data(market.cycle.plot.id, point_ids, harvest_on=harvest_on,
                        order_by=datetime.combine(harvest_on - timedelta(days=1), time(11), tzinfo=timezone.utc))


def test_a_truck_stop_that_does_not_run_on_the_harvest_day_is_refused(app_ctx):
    market = make_market()
    stop = points.save_pickup_point(market.cycle.coordinator, None, points.PickupData(
        kind=PickupKind.TRUCK_STOP, name="จุดจอดรถตลาดเขียว หน้าวัด", weekdays=[2, 5], opens_at=time(8),
        closes_at=time(10)))
    with pytest.raises(ListingError) as refused:
        listings.create_listing(market.farmer, _data(market, [stop.id], _next(3)))  # a Wednesday
    message = str(refused.value)
    assert "จุดจอดรถตลาดเขียว หน้าวัด" in message
    tuesday = listings.create_listing(market.farmer, _data(market, [stop.id], _next(2)))
    assert tuesday.pickup_points == [stop]
    with pytest.raises(ListingError):  # changing the harvest day later is checked too
        listings.update_listing(tuesday, market.farmer, _data(market, [stop.id], _next(4)))


def test_a_stop_by_arrangement_and_a_market_stall_are_not_held_to_a_day(app_ctx):
    market = make_market()
    any_day = points.save_pickup_point(market.cycle.coordinator, None, points.PickupData(
        kind=PickupKind.TRUCK_STOP, name="จุดจอดตามนัด", weekdays=[]))
    made = listings.create_listing(market.farmer, _data(market, [any_day.id, market.stall.id], _next(1)))
    assert len(made.pickup_points) == 2


def test_a_listing_keeps_its_stop_when_the_coordinator_changes_the_stops_days(app_ctx):
    market = make_market()
    stop = points.save_pickup_point(market.cycle.coordinator, None, points.PickupData(
        kind=PickupKind.TRUCK_STOP, name="จุดจอดรถหน้าตลาด", weekdays=[2], opens_at=time(8), closes_at=time(10)))
    tuesday = _next(2)
    made = listings.create_listing(market.farmer, _data(market, [stop.id], tuesday))
    points.save_pickup_point(market.cycle.coordinator, stop, points.PickupData(
        kind=PickupKind.TRUCK_STOP, name="จุดจอดรถหน้าตลาด", weekdays=[4], opens_at=time(8), closes_at=time(10)))
    changed = _data(market, [stop.id], tuesday)
    changed.price_satang = 7000  # only the price changes: the farmer is not refused for the coordinator's change
    listings.update_listing(made, market.farmer, changed)
    assert made.price_satang == 7000
