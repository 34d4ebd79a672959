"""A hospital kitchen, two certified farms and one uncertified, each offering morning glory every week."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine

from greensmile.accounts.models import Role, User
from greensmile.bulk import services as bulk
from greensmile.bulk.models import FarmCapacity
from greensmile.certification.services import BANGKOK, today
from greensmile.listings.models import Unit
from greensmile.network import services as network
from greensmile.network.models import Organisation, OrganisationKind, Position
from greensmile.plots.models import Crop, Plot
from tests.certification.helpers import Cycle, certified, make_cycle
from tests.factories import crop, make_organisation, make_plot, make_user
from tests.orders.helpers import Market, second_farmer


@dataclass
class Kitchen:
    cycle: Cycle
    hospital: Organisation
    buyer: User
    other_hospital: Organisation
    other_buyer: User
    farmer_b: User
    plot_b: Plot
    farmer_c: User  # a farm whose plot is not certified
    plot_c: Plot
    crop: Crop
    capacities: dict[str, FarmCapacity]

    @property
    def coordinator(self) -> User:
        return self.cycle.coordinator

    @property
    def farmer_a(self) -> User:
        return self.cycle.farmer

    @property
    def plot_a(self) -> Plot:
        return self.cycle.plot


def next_weekday(weekday: int, after: date | None = None) -> date:
    """The first date after `after` (default today) falling on ISO `weekday`."""
    day = (after or today()) + timedelta(days=1)
    while day.isoweekday() != weekday:
        day += timedelta(days=1)
    return day


def _buyer_of(coordinator: User, name: str, email: str) -> tuple[Organisation, User]:
    organisation = make_organisation(OrganisationKind.HOSPITAL_KITCHEN, name=name)
    buyer = make_user(Role.CONSUMER, email=email)
    network.add_member(organisation, email, Position.MEMBER, coordinator)  # joining gives the buyer role
    bulk.save_profile(coordinator, organisation, bulk.ProfileData(
        delivery_address="ครัวโรงพยาบาล ถนนกาญจนวนิช", delivery_weekdays=[1, 2, 3, 4, 5, 6, 7]))
    return organisation, buyer


def make_kitchen(a: str = "40", b: str = "30", c: str = "100") -> Kitchen:
    cycle = make_cycle()
    certified(cycle)
    farmer_b, plot_b = second_farmer(Market(cycle, None, None, None), email="farmer-b@example.com")
    farmer_c = make_user(Role.FARMER, email="farmer-c@example.com")
    plot_c = make_plot(farmer_c, name="แปลงยังไม่รับรอง")
    glory = crop("ผักบุ้ง", "Morning glory")
    capacities = {
        name: bulk.save_capacity(farmer, None, bulk.CapacityData(plot.id, glory.id, Unit.KG, Decimal(quantity), 4500))
        for name, farmer, plot, quantity in (("a", cycle.farmer, cycle.plot, a), ("b", farmer_b, plot_b, b),
                                             ("c", farmer_c, plot_c, c))
    }
    hospital, buyer = _buyer_of(cycle.coordinator, "ครัวโรงพยาบาลหาดใหญ่", "kitchen@example.com")
    other, other_buyer = _buyer_of(cycle.coordinator, "ครัวโรงพยาบาลสงขลา", "other-kitchen@example.com")
    return Kitchen(cycle, hospital, buyer, other, other_buyer, farmer_b, plot_b, farmer_c, plot_c, glory, capacities)


def order_for(kitchen: Kitchen, quantity: str, on: date | None = None, organisation: Organisation | None = None,
              buyer: User | None = None):
    return bulk.place_order(buyer or kitchen.buyer, organisation or kitchen.hospital, on or next_weekday(1),
                            [bulk.LineData(kitchen.crop.id, Unit.KG, Decimal(quantity))])


@contextmanager
def on_the_day(day: date):
    """Run as if it were noon in Thailand on `day` (an invoice is issued once its month has begun)."""
    with time_machine.travel(datetime.combine(day, time(12), tzinfo=BANGKOK), tick=False):
        yield


def month_after(day: date) -> date:
    """The first day of the month after `day`'s: when that month can be invoiced."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
