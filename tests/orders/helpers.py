"""A certified plot with produce on sale, built through the services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from greensmile.accounts.models import Role, User
from greensmile.listings import pickup_points as points
from greensmile.listings import services as listings
from greensmile.listings.models import Listing, PickupKind, PickupPoint, Unit
from tests.certification.helpers import Cycle, certified, make_cycle
from tests.factories import crop, make_user


@dataclass
class Market:
    cycle: Cycle
    stall: PickupPoint
    listing: Listing
    consumer: User

    @property
    def farmer(self) -> User:
        return self.cycle.farmer


def stall(coordinator: User, name: str = "ตลาดเขียว ม.อ.") -> PickupPoint:
    return points.save_pickup_point(coordinator, None, points.PickupData(
        kind=PickupKind.MARKET_STALL, name=name, weekdays=[3, 6], opens_at=time(7), closes_at=time(11)))


def listing_data(plot_id: int, point_ids: list[int], **fields) -> listings.ListingData:
    harvest = fields.pop("harvest_on", date.today() + timedelta(days=3))
    return listings.ListingData(
        plot_id=plot_id, crop_id=fields.pop("crop_id", None) or crop("ผักบุ้ง", "Morning glory").id,
        title=fields.pop("title", "ผักบุ้งอินทรีย์"), unit=fields.pop("unit", Unit.KG),
        price_satang=fields.pop("price_satang", 6000), quantity=fields.pop("quantity", Decimal("10")),
        harvest_on=harvest,
        order_by=fields.pop("order_by", datetime.combine(harvest - timedelta(days=1), time(11), tzinfo=timezone.utc)),
        pickup_point_ids=point_ids, **fields)


def make_market(crops: tuple[str, ...] = ("ผักบุ้ง",), **listing_fields) -> Market:
    """`crops`: what the plot grows when it is certified (a listing may only name one of them)."""
    cycle = make_cycle(crops)
    certified(cycle)
    point = stall(cycle.coordinator)
    listing = listings.create_listing(cycle.farmer, listing_data(cycle.plot.id, [point.id], **listing_fields))
    consumer = make_user(Role.CONSUMER, email="buyer@example.com")
    return Market(cycle, point, listing, consumer)


def second_farmer(market: Market, email: str = "farmer2@example.com"):
    """Another farmer of the same group with a certified plot of their own (certified by a decision, which records
    the crops the certificate covers)."""
    from greensmile.certification import services as certification
    from greensmile.certification.models import Outcome
    from tests.certification.helpers import apply_for, through_inspection
    from tests.factories import add_member, make_plot

    farmer = make_user(Role.FARMER, email=email)
    add_member(market.cycle.group, farmer, market.cycle.coordinator)
    plot = make_plot(farmer, market.cycle.group, name="แปลงที่สอง")
    application = through_inspection(market.cycle, apply_for(market.cycle, plot, farmer))
    certification.decide(application, market.cycle.committee, Outcome.CERTIFY, "ผ่าน")
    return farmer, plot
