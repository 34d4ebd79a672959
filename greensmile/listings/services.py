"""Listings and pickup points: what may be sold, the stock counter, withdrawal when a certificate lapses."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import Role, User
from greensmile.certification import charter, scope, signals
from greensmile.certification.models import Certification, CertStatus, Standard
from greensmile.certification.services import BANGKOK, today
from greensmile.db import Quantity, contains, squeeze, touched, utcnow
from greensmile.extensions import db
from greensmile.i18n import format_quantity_for
from greensmile.listings import pickup_points
from greensmile.listings.errors import BadQuantity, ListingError, NotSellable, NotYourListing, OutsideScope
from greensmile.listings.models import (
    Listing,
    ListingPhoto,
    ListingStatus,
    PickupPoint,
    Unit,
)
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.notifications.services import Message, notify
from greensmile.plots.models import Crop, Plot
from greensmile.urls import public_url

log = logging.getLogger(__name__)
PHOTO_KIND = "listings"
MAX_PHOTOS = 4

# What produce is sold as, by the plot's organic (PGS) status; any other status may not sell at all.
ORGANIC = "organic"
CONVERSION = "conversion"
SELLING_LABELS = {
    CertStatus.CERTIFIED: ORGANIC,
    CertStatus.CERTIFIED_WITH_CONDITIONS: ORGANIC,
    CertStatus.IN_CONVERSION: CONVERSION,
}
LABEL_TEXT = {ORGANIC: _l("Certified organic (PGS)"), CONVERSION: _l("In conversion to organic")}

L = ListingStatus
LISTING_MOVES: dict[ListingStatus, frozenset[ListingStatus]] = {
    L.ACTIVE: frozenset({L.WITHDRAWN, L.LAPSED}),
    L.WITHDRAWN: frozenset({L.ACTIVE}),
    # Back on sale only by the farmer, and only once the plot may sell again.
    L.LAPSED: frozenset({L.ACTIVE, L.WITHDRAWN}),
}


def label_text(label: str | None) -> str:
    return str(LABEL_TEXT[label]) if label in LABEL_TEXT else ""


def _move(listing: Listing, target: ListingStatus, reason: str = "") -> None:
    if target not in LISTING_MOVES[listing.status]:
        raise ListingError(_l("This status change is not allowed."))
    listing.status = target
    listing.status_reason = reason


# ---------------------------------------------------------------- what may be sold
def plot_statuses(plot_ids: list[int], on: date | None = None) -> dict[int, CertStatus]:
    """Each plot's organic (PGS) status as of `on`, in one query."""
    from greensmile.certification.overview import pgs_statuses

    return pgs_statuses(plot_ids, on)


def selling_label(plot: Plot, on: date | None = None) -> str:
    """What this plot's produce is sold as today; refuses a plot that may not sell."""
    status = plot_statuses([plot.id], on)[plot.id]
    if status not in SELLING_LABELS:
        raise NotSellable()
    return SELLING_LABELS[status]


def check_scope(plot: Plot, crop: Crop) -> None:
    """Refuse a crop the plot's organic certificate does not cover (not registered, or added since the inspection)."""
    problem = scope.outside_scope(plot, crop)
    if problem:
        raise OutsideScope(problem)


def sellable_plots(on: date | None = None) -> sa.Select:
    """Ids of plots whose produce may be sold today (a certificate lapsed by date counts as lapsed)."""
    on = on or today()
    return (
        sa.select(Certification.plot_id)
        .join(Standard, Standard.id == Certification.standard_id)
        .where(Standard.code == charter.PGS_ORGANIC, Certification.status.in_(list(SELLING_LABELS)),
               sa.or_(Certification.valid_until.is_(None), Certification.valid_until >= on))
    )


def sellable_plots_of(farmer: User) -> list[Plot]:
    return list(db.session.scalars(
        sa.select(Plot).where(Plot.owner_id == farmer.id, Plot.id.in_(sellable_plots())).order_by(Plot.code)
    ))


def on_sale(now: datetime | None = None, in_stock: bool = True) -> sa.ColumnElement[bool]:
    """A listing a consumer can order from right now (`in_stock=False`: leave the stock to the caller)."""
    now = now or utcnow()
    return sa.and_(Listing.status == ListingStatus.ACTIVE, Listing.order_by > now,
                   Listing.quantity > Listing.quantity_reserved if in_stock else sa.true(),
                   Listing.plot_id.in_(sellable_plots()),
                   # Produce the certificate does not cover is not sold as certified: a crop taken off the plot, or
                   # a later decision that covered less, takes its listings off sale at once.
                   scope.in_scope(Listing.plot_id, Listing.crop_id))


# ---------------------------------------------------------------- the farmer's listings
@dataclass
class ListingData:
    plot_id: int
    crop_id: int
    title: str
    unit: Unit
    price_satang: int
    quantity: Decimal
    harvest_on: date
    order_by: datetime
    pickup_point_ids: list[int] = field(default_factory=list)
    description: str = ""


def check_quantity(quantity: Decimal, unit: Unit) -> Decimal:
    quantity = Decimal(quantity)
    if quantity <= 0 or quantity > Decimal("100000"):
        raise BadQuantity(_l("Enter a quantity above zero."))
    if unit.whole_numbers and quantity != quantity.to_integral_value():
        raise BadQuantity(_l("Sold by the %(unit)s: enter a whole number.", unit=unit.label))
    if quantity.as_tuple().exponent < -2:
        raise BadQuantity(_l("Enter at most two decimal places."))
    return quantity


def _apply(listing: Listing, farmer: User, data: ListingData, creating: bool) -> None:
    plot = db.session.get(Plot, data.plot_id)
    if plot is None or plot.owner_id != farmer.id:
        raise NotYourListing(_l("You can only sell from your own plots."))
    selling_label(plot)  # refuses a plot that may not sell
    crop = db.session.get(Crop, data.crop_id)
    if crop is None:
        raise ListingError(_l("Choose a crop from the list."))
    check_scope(plot, crop)
    if data.price_satang <= 0 or data.price_satang > 10_000_000:
        raise ListingError(_l("Enter a price above zero."))
    quantity = check_quantity(data.quantity, data.unit)
    if quantity < listing.quantity_reserved:
        raise BadQuantity(_l("%(reserved)s %(unit)s are already ordered: the quantity cannot be lower.",
                             reserved=format_quantity_for(listing.quantity_reserved, str(get_locale())),
                             unit=data.unit.label))
    if not creating and data.unit is not listing.unit and listing.quantity_reserved > 0:
        raise ListingError(_l("The unit cannot change once people have ordered."))
    if data.order_by.astimezone(BANGKOK).date() > data.harvest_on:
        raise ListingError(_l("The order cut-off must be on or before the harvest date."))
    if creating and data.order_by <= utcnow():
        raise ListingError(_l("The order cut-off must be in the future."))
    allowed = {point.id: point for point in pickup_points.pickup_points_for(farmer)}
    chosen = [allowed[i] for i in dict.fromkeys(data.pickup_point_ids) if i in allowed]
    if not chosen or len(chosen) != len(set(data.pickup_point_ids)):
        raise ListingError(_l("Choose at least one pickup point from the list."))
    # A stop already on the listing for this harvest day stays (a coordinator may have changed its days since);
    # what is added, or any stop when the harvest day moves, must run that day.
    kept = {point.id for point in listing.pickup_points} if listing.harvest_on == data.harvest_on else set()
    pickup_points.check_truck_days([point for point in chosen if point.id not in kept], data.harvest_on)
    listing.plot = plot
    listing.farmer_id = farmer.id
    listing.crop = crop
    listing.title = squeeze(data.title) or crop.name_th
    listing.description = (data.description or "").strip()
    listing.unit = data.unit
    listing.price_satang = data.price_satang
    listing.quantity = quantity
    listing.harvest_on = data.harvest_on
    listing.order_by = data.order_by
    listing.pickup_points = chosen


def create_listing(farmer: User, data: ListingData) -> Listing:
    """Offer produce from one of the farmer's plots that may sell."""
    if not farmer.has_role(Role.FARMER):
        raise NotYourListing()
    listing = Listing(quantity_reserved=Decimal("0"), status=ListingStatus.ACTIVE)
    _apply(listing, farmer, data, creating=True)
    db.session.add(listing)
    db.session.flush()
    return listing


def _lock(listing: Listing) -> Listing:
    """Re-read the row under a lock: the reserved counter may have moved since the page was loaded."""
    db.session.execute(sa.select(Listing.id).where(Listing.id == listing.id).with_for_update())
    db.session.refresh(listing)
    return listing


def update_listing(listing: Listing, farmer: User, data: ListingData) -> Listing:
    if listing.farmer_id != farmer.id:
        raise NotYourListing()
    _apply(_lock(listing), farmer, data, creating=False)
    db.session.flush()
    return listing


def withdraw(listing: Listing, farmer: User) -> None:
    """Take a listing off sale; orders already placed stand."""
    if listing.farmer_id != farmer.id:
        raise NotYourListing()
    _move(listing, ListingStatus.WITHDRAWN)
    db.session.flush()


def put_back_on_sale(listing: Listing, farmer: User) -> None:
    if listing.farmer_id != farmer.id:
        raise NotYourListing()
    selling_label(listing.plot)
    check_scope(listing.plot, listing.crop)
    _move(listing, ListingStatus.ACTIVE)
    db.session.flush()


def add_photo(listing: Listing, farmer: User, data: bytes) -> ListingPhoto:
    if listing.farmer_id != farmer.id:
        raise NotYourListing()
    if len(listing.photos) >= MAX_PHOTOS:
        raise ListingError(_l("A listing has at most %(count)d photos.", count=MAX_PHOTOS))
    image = process_photo(data, current_app.config["PHOTO_MAX_BYTES"])
    photo = ListingPhoto(listing=listing, stored_name=storage.save_image(PHOTO_KIND, image),
                         width=image.width, height=image.height)
    db.session.add(photo)
    db.session.flush()
    return photo


def remove_photo(photo: ListingPhoto, farmer: User) -> None:
    if photo.listing.farmer_id != farmer.id:
        raise NotYourListing()
    storage.delete_image(PHOTO_KIND, photo.stored_name)
    db.session.delete(photo)
    db.session.flush()


def listings_of(farmer: User) -> list[Listing]:
    return list(db.session.scalars(
        sa.select(Listing).where(Listing.farmer_id == farmer.id)
        .options(joinedload(Listing.plot), joinedload(Listing.crop))
        .order_by(Listing.harvest_on.desc(), Listing.id.desc())
    ))


# ---------------------------------------------------------------- withdrawal when a certificate lapses
def _lapse(listings: list[Listing], reason: str) -> int:
    for listing in listings:
        _move(listing, ListingStatus.LAPSED, reason)
        _tell_farmer(listing)
    db.session.flush()
    return len(listings)


def _tell_farmer(listing: Listing) -> None:
    notify(listing.farmer, "listing.withdrawn", lambda: Message(
        _("Listing withdrawn from sale"),
        _("Your listing \"%(title)s\" was withdrawn from sale.\n\n%(reason)s\n\n"
          "Orders already placed stand; you can put it back on sale once the plot is certified again.",
          title=listing.title, reason=listing.status_reason),
        public_url("market.mine"), [(_("Listing"), listing.title), (_("Plot"), listing.plot.code)]))


def _lapse_reason(plot: Plot, status: CertStatus, why: str = "") -> str:
    text = _("The organic certificate of plot %(code)s is now: %(status)s.", code=plot.code, status=status.label)
    return f"{text} {why}".strip()


@signals.status_changed.connect
def _on_certificate_change(cert: Certification, *, before: CertStatus, after: CertStatus, reason: str) -> None:
    if cert.standard.code != charter.PGS_ORGANIC or after in SELLING_LABELS:
        return
    active = db.session.scalars(
        sa.select(Listing).where(Listing.plot_id == cert.plot_id, Listing.status == ListingStatus.ACTIVE)
        .order_by(Listing.id)
    ).all()
    if active:
        with force_locale("th"):
            _lapse(list(active), _lapse_reason(cert.plot, after, reason))


def lapse_due(on: date | None = None, farmer: User | None = None) -> int:
    """Withdraw active listings whose plot may no longer sell (a certificate that lapsed by date, say)."""
    query = (sa.select(Listing).where(Listing.status == ListingStatus.ACTIVE,
                                      Listing.plot_id.not_in(sellable_plots(on)))
             .options(joinedload(Listing.plot)).order_by(Listing.id))
    if farmer is not None:
        query = query.where(Listing.farmer_id == farmer.id)
    due = db.session.scalars(query).all()
    if not due:
        return 0
    statuses = plot_statuses(sorted({listing.plot_id for listing in due}), on)
    with force_locale("th"):
        for listing in due:
            _lapse([listing], _lapse_reason(listing.plot, statuses[listing.plot_id]))
    return len(due)


# ---------------------------------------------------------------- the stock counter
def _quantity(value: Decimal) -> sa.BindParameter:
    return sa.literal(value, Quantity())


def reserve(listing_id: int, quantity: Decimal, now: datetime | None = None, after_cutoff: bool = False) -> bool:
    """Take `quantity` from a listing's stock in one conditional UPDATE; False if there is not enough.

    `after_cutoff` is for a payment that arrived late for an order placed in time.
    """
    now = now or utcnow()
    open_for_orders = sa.true() if after_cutoff else Listing.order_by > now
    result = db.session.execute(
        sa.update(Listing)
        .where(Listing.id == listing_id, Listing.status == ListingStatus.ACTIVE, open_for_orders,
               Listing.quantity - Listing.quantity_reserved >= _quantity(quantity))
        .values(quantity_reserved=Listing.quantity_reserved + _quantity(quantity))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        touched(db.session, "listings", [listing_id])  # the stock left is on the plot's page
    return result.rowcount == 1


def release(quantities: dict[int, Decimal]) -> None:
    """Give reserved stock back, listing by listing in id order (the order reservations lock rows in)."""
    for listing_id in sorted(quantities):
        db.session.execute(
            sa.update(Listing).where(Listing.id == listing_id)
            .values(quantity_reserved=Listing.quantity_reserved - _quantity(quantities[listing_id]))
            .execution_options(synchronize_session=False)
        )
    touched(db.session, "listings", quantities)
    for listing in [o for o in db.session.identity_map.values() if isinstance(o, Listing)]:
        if listing.id in quantities:
            db.session.expire(listing, ["quantity_reserved"])


# ---------------------------------------------------------------- the catalogue
@dataclass
class CatalogueFilters:
    q: str = ""
    crop_id: int | None = None
    district_id: int | None = None
    pickup_point_id: int | None = None
    harvest_from: date | None = None
    harvest_to: date | None = None
    plot_id: int | None = None


def catalogue(filters: CatalogueFilters) -> sa.Select:
    """Listings on sale that match, soonest harvest first; photos, points and plots load with the page."""
    query = (
        sa.select(Listing).join(Plot, Plot.id == Listing.plot_id).join(Crop, Crop.id == Listing.crop_id)
        .join(User, User.id == Listing.farmer_id)
        .where(on_sale())
        .options(joinedload(Listing.plot).joinedload(Plot.district), joinedload(Listing.crop),
                 joinedload(Listing.farmer), selectinload(Listing.photos), selectinload(Listing.pickup_points))
        .order_by(Listing.harvest_on, Listing.id)
    )
    if filters.q:
        query = query.where(sa.or_(contains(Listing.title, filters.q), contains(Crop.name_th, filters.q),
                                   contains(Crop.name_en, filters.q), contains(User.display_name, filters.q),
                                   contains(Plot.village, filters.q), Plot.code == filters.q.strip().upper()))
    if filters.crop_id:
        query = query.where(Listing.crop_id == filters.crop_id)
    if filters.district_id:
        query = query.where(Plot.district_id == filters.district_id)
    if filters.pickup_point_id:
        query = query.where(Listing.pickup_points.any(PickupPoint.id == filters.pickup_point_id))
    if filters.harvest_from:
        query = query.where(Listing.harvest_on >= filters.harvest_from)
    if filters.harvest_to:
        query = query.where(Listing.harvest_on <= filters.harvest_to)
    if filters.plot_id:
        query = query.where(Listing.plot_id == filters.plot_id)
    return query


def labels_for(listings: list[Listing]) -> dict[int, str]:
    """Each listing's selling label today ("organic" or "conversion"; none for a crop outside the certificate's
    scope), in a few queries for a page."""
    plot_ids = sorted({listing.plot_id for listing in listings})
    statuses, covered = plot_statuses(plot_ids), scope.covered_crops(plot_ids)
    return {listing.id: SELLING_LABELS.get(statuses[listing.plot_id], "")
            if listing.crop_id in covered[listing.plot_id] else "" for listing in listings}


def listed_on_plot(plot: Plot, limit: int = 10) -> list[Listing]:
    """What a shopper at the plot's QR page can pre-order now: one light query."""
    return list(db.session.scalars(
        sa.select(Listing).where(Listing.plot_id == plot.id, on_sale()).order_by(Listing.harvest_on).limit(limit)))


def crops_on_sale() -> list[Crop]:
    """The crops a shopper can order right now, for the catalogue's filter (a crop with nothing on sale is noise)."""
    return list(db.session.scalars(
        sa.select(Crop).where(Crop.id.in_(sa.select(Listing.crop_id).where(on_sale()))).order_by(Crop.name_th)))
