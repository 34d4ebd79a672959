"""The public directory of certified farms: the plots of farmers who agreed to be listed, each holding a valid
certificate (or in conversion) today, at a position rounded to about a kilometre (geo.boundaries.rounded). No
boundary, phone or address."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import User
from greensmile.certification import charter, overview
from greensmile.certification.models import Certification, CertStatus, Standard
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.listings import services as listings
from greensmile.listings.models import Listing
from greensmile.places.models import District
from greensmile.plots.models import Crop, Plot, plot_crops
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose

LISTED = (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS, CertStatus.IN_CONVERSION)


@dataclass
class FarmFilters:
    crop_id: int | None = None
    standard_id: int | None = None
    district_id: int | None = None
    near: tuple[float, float] | None = None  # the visitor's (longitude, latitude): nearest first


@dataclass
class Farm:
    plot: Plot
    position: tuple[float, float] | None  # (longitude, latitude), rounded
    standards: list[tuple[Standard, CertStatus]]
    on_sale: int = 0  # listings a shopper can order from now
    distance_km: float | None = None
    crops: list = field(default_factory=list)
    named: bool = False  # the farmer also agreed to show their name in public

    @property
    def farmer(self) -> str | None:
        return self.plot.owner.display_name if self.named else None


def _candidates(filters: FarmFilters) -> sa.Select:
    """Plots of consenting, open accounts holding some certificate whose stored status may be listed (a lapse by
    date is read afterwards, per standard)."""
    certified = sa.select(Certification.plot_id).where(Certification.status.in_(LISTED))
    if filters.standard_id:
        certified = certified.where(Certification.standard_id == filters.standard_id)
    stmt = (
        sa.select(Plot)
        .join(User, User.id == Plot.owner_id)
        .where(Plot.owner_id.in_(privacy.given_by(Purpose.FARM_DIRECTORY)), User.is_active.is_(True),
               Plot.id.in_(certified))
        .options(joinedload(Plot.owner), joinedload(Plot.district))
        .join(District, District.id == Plot.district_id)
        .order_by(District.province_th, District.code, Plot.code)
    )
    if filters.district_id:
        stmt = stmt.where(Plot.district_id == filters.district_id)
    if filters.crop_id:
        stmt = stmt.where(Plot.id.in_(sa.select(plot_crops.c.plot_id).where(plot_crops.c.crop_id == filters.crop_id)))
    return stmt


def farms(filters: FarmFilters) -> list[Farm]:
    """Every listed farm matching the filters, nearest first when the visitor gave a position; in a fixed number
    of queries however many plots."""
    plots = list(db.session.scalars(_candidates(filters)).unique())
    ids = [plot.id for plot in plots]
    held: dict[int, list[tuple[Standard, CertStatus]]] = {plot_id: [] for plot_id in ids}
    for standard in charter.all_standards():
        if filters.standard_id and standard.id != filters.standard_id:
            continue
        for plot_id, status in overview.statuses(ids, code=standard.code).items():
            if status in LISTED:
                held[plot_id].append((standard, status))
    crops: dict[int, list[Crop]] = {plot_id: [] for plot_id in ids}
    if ids:  # in one query (a selectin load asks again for every 500 plots)
        for plot_id, crop in db.session.execute(sa.select(plot_crops.c.plot_id, Crop).join(
                Crop, Crop.id == plot_crops.c.crop_id).where(plot_crops.c.plot_id.in_(ids)).order_by(Crop.name_th)):
            crops[plot_id].append(crop)
    outlines = boundaries.current_for([plot.id for plot in plots if plot.latitude is None or plot.longitude is None])
    selling = dict(db.session.execute(
        sa.select(Listing.plot_id, sa.func.count()).where(Listing.plot_id.in_(ids), listings.on_sale())
        .group_by(Listing.plot_id)).all()) if ids else {}
    named = privacy.given_among(Purpose.PUBLIC_NAME, [plot.owner_id for plot in plots])
    found = []
    for plot in plots:
        if not held[plot.id]:
            continue  # lapsed by date, or its group's certificate is not valid
        if plot.latitude is not None and plot.longitude is not None:
            position = boundaries.rounded(float(plot.longitude), float(plot.latitude))
        elif plot.id in outlines:
            position = boundaries.rounded(*boundaries.centre(outlines[plot.id]))
        else:
            position = None
        farm = Farm(plot, position, held[plot.id], selling.get(plot.id, 0), crops=crops[plot.id],
                    named=plot.owner_id in named)
        if filters.near and position:
            farm.distance_km = boundaries.distance_km(filters.near, position)
        found.append(farm)
    if filters.near:
        found.sort(key=lambda farm: (farm.distance_km is None, farm.distance_km or 0))
    return found


def feature(farm: Farm, locale: str, page_url: str, market_url: str) -> dict:
    """One farm as a GeoJSON Feature (RFC 7946): a Point at the rounded position, or no geometry when the plot has
    no position; only what the directory page shows."""
    plot = farm.plot
    return {
        "type": "Feature",
        "id": plot.code,
        "geometry": {"type": "Point", "coordinates": list(farm.position)} if farm.position else None,
        "properties": {
            "code": plot.code,
            "farmer": farm.farmer,  # null unless the farmer agreed to show their name
            "district": plot.district.name(locale),
            "province": plot.district.province(locale),
            "crops": [crop.name(locale) for crop in farm.crops],
            "standards": [{"code": standard.code, "name": standard.name(locale), "status": status.value,
                           "status_label": status.label} for standard, status in farm.standards],
            "on_sale": farm.on_sale,
            "page": page_url,
            "market": market_url,
            **({"distance_km": round(farm.distance_km, 1)} if farm.distance_km is not None else {}),
        },
    }


@dataclass
class ListPage:
    """A page of an already computed list, shaped like Flask-SQLAlchemy's pagination for the pager macro."""

    items: list
    page: int
    pages: int
    total: int

    @classmethod
    def of(cls, found: list, page: int, per_page: int) -> ListPage:
        pages = max(1, -(-len(found) // per_page))
        page = min(max(page, 1), pages)
        return cls(found[(page - 1) * per_page:page * per_page], page, pages, len(found))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
