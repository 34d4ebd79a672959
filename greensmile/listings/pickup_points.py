"""Where produce is collected: the network's market stalls and truck stops, and farmers' own home delivery; which
a farmer may offer, and the days the truck runs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.i18n import format_date_for
from greensmile.listings.errors import ListingError, NotYourListing
from greensmile.listings.models import WEEKDAY_LABELS, PickupKind, PickupPoint


def pickup_points_for(farmer: User) -> list[PickupPoint]:
    """The points a farmer may offer: the network's stalls and truck stops, and their own deliveries."""
    return list(db.session.scalars(
        sa.select(PickupPoint).where(
            PickupPoint.is_active.is_(True),
            sa.or_(PickupPoint.farmer_id.is_(None), PickupPoint.farmer_id == farmer.id))
        .order_by(PickupPoint.kind, PickupPoint.name)
    ))


def active_pickup_points() -> list[PickupPoint]:
    return list(db.session.scalars(
        sa.select(PickupPoint).where(PickupPoint.is_active.is_(True), PickupPoint.kind != PickupKind.DELIVERY)
        .order_by(PickupPoint.kind, PickupPoint.name)
    ))


def check_truck_days(points: list[PickupPoint], harvest_on: date) -> None:
    """The truck takes the produce at a stop on a day it runs there: a stop that does not run on the harvest day is
    refused. (A market stall is not: produce harvested the day before its market day is usual.)"""
    for point in points:
        if point.kind is PickupKind.TRUCK_STOP and point.weekdays and harvest_on.isoweekday() not in point.weekday_numbers:
            locale = str(get_locale())
            raise ListingError(_l(
                "The truck does not stop at %(point)s on %(date)s, the harvest date: it stops there on %(days)s. "
                "Choose another harvest date or pickup point.", point=point.display_name(locale),
                date=format_date_for(harvest_on, locale),
                days=", ".join(str(WEEKDAY_LABELS[day - 1]) for day in point.weekday_numbers)))


@dataclass
class PickupData:
    kind: PickupKind
    name: str
    name_en: str = ""
    district_id: int | None = None
    address: str = ""
    weekdays: list[int] = field(default_factory=list)
    opens_at: time | None = None
    closes_at: time | None = None
    fee_satang: int = 0
    organisation_id: int | None = None
    is_active: bool = True


def can_manage_point(user: User, point: PickupPoint | None) -> bool:
    if user.has_role(Role.COORDINATOR):
        return True
    return user.has_role(Role.FARMER) and (point is None or point.farmer_id == user.id)


def save_pickup_point(actor: User, point: PickupPoint | None, data: PickupData) -> PickupPoint:
    """Coordinators run stalls and truck stops; a farmer may offer home delivery of their own."""
    if not can_manage_point(actor, point):
        raise NotYourListing()
    coordinator = actor.has_role(Role.COORDINATOR)
    if not coordinator and data.kind is not PickupKind.DELIVERY:
        raise ListingError(_l("Farmers can add home delivery; market stalls and truck stops are added by "
                              "coordinators."))
    if not squeeze(data.name):
        raise ListingError(_l("Enter a name."))
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ListingError(_l("The closing time must be after the opening time."))
    if data.fee_satang < 0 or (data.fee_satang and data.kind is not PickupKind.DELIVERY):
        raise ListingError(_l("Only home delivery has a fee."))
    if point is None:
        point = PickupPoint(farmer_id=None if coordinator else actor.id)
        db.session.add(point)
    point.kind = data.kind
    point.name = squeeze(data.name)
    point.name_en = squeeze(data.name_en)
    point.district_id = data.district_id
    point.address = squeeze(data.address)
    point.weekdays = "".join(str(day) for day in sorted(set(data.weekdays)) if 1 <= day <= 7)
    point.opens_at, point.closes_at = data.opens_at, data.closes_at
    point.fee_satang = data.fee_satang
    point.organisation_id = data.organisation_id if coordinator else None
    point.is_active = data.is_active
    db.session.flush()
    return point


def managed_points(user: User) -> list[PickupPoint]:
    query = sa.select(PickupPoint).order_by(PickupPoint.is_active.desc(), PickupPoint.kind, PickupPoint.name)
    if not user.has_role(Role.COORDINATOR):
        query = query.where(PickupPoint.farmer_id == user.id)
    return list(db.session.scalars(query))
