"""Plot rules: who sees and edits what, saving with history, photos, the crop catalogue. Flush, never commit."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.db import contains, squeeze
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.network.models import Category, Membership, Organisation
from greensmile.network.services import is_manager, kinds_of
from greensmile.places.models import District
from greensmile.plots.codes import InvalidPlotCode, new_code, normalise_code
from greensmile.plots.errors import BadArea, BadCropName, CropTaken, NotAFarmer, NotInGroup
from greensmile.plots.models import (
    M2_PER_NGAN,
    M2_PER_RAI,
    M2_PER_SQUARE_WA,
    MAX_AREA_M2,
    MIN_AREA_M2,
    ChangeSource,
    Crop,
    Plot,
    PlotChange,
    PlotPhoto,
    PlotType,
    plot_crops,
)

CROPS_CSV = Path(__file__).parent / "data" / "crops.csv"
PHOTO_KIND = "plots"


@dataclass
class PlotData:
    """What a person (or a CSV row) says about a plot."""

    district_id: int
    area_m2: Decimal
    plot_type: PlotType
    name: str = ""
    group_id: int | None = None
    subdistrict: str = ""
    village: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    crop_ids: list[int] = field(default_factory=list)
    water_source: str = ""
    neighbour_risks: str = ""
    notes: str = ""


# ---------------------------------------------------------------- area
def checked_area(area_m2) -> Decimal:
    """The area as stored (to a hundredth of a m²), or raise BadArea when it is 0 or beyond 100,000 rai."""
    area = Decimal(area_m2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not (MIN_AREA_M2 <= area <= MAX_AREA_M2):
        raise BadArea()
    return area


def area_to_m2(rai: Decimal | int = 0, ngan: Decimal | int = 0, square_wa: Decimal | int = 0) -> Decimal:
    """Thai land units to square metres: 1 rai = 4 ngan = 400 square wa = 1,600 m²."""
    return Decimal(rai) * M2_PER_RAI + Decimal(ngan) * M2_PER_NGAN + Decimal(square_wa) * M2_PER_SQUARE_WA


def m2_to_area(area_m2: Decimal) -> tuple[int, int, Decimal]:
    """Square metres to (rai, ngan, square wa), as a Thai land document writes it."""
    rai, rest = divmod(Decimal(area_m2), M2_PER_RAI)
    ngan, rest = divmod(rest, M2_PER_NGAN)
    return int(rai), int(ngan), (rest / M2_PER_SQUARE_WA).quantize(Decimal("0.1"))


# ---------------------------------------------------------------- who may see and edit
def farmer_groups_of(user: User) -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id, Organisation.kind.in_(kinds_of(Category.FARMER_GROUP)))
            .order_by(Organisation.name)
        )
    )


def all_farmer_groups() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.kind.in_(kinds_of(Category.FARMER_GROUP)))
            .order_by(Organisation.name)
        )
    )


# Coordinators run the network and the committee decides on any plot: both see every plot.
SEE_ALL_PLOTS = (Role.COORDINATOR, Role.COMMITTEE)


def _visibility(user: User) -> sa.ColumnElement[bool]:
    if user.has_role(*SEE_ALL_PLOTS):
        return sa.true()
    my_groups = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
    return sa.or_(Plot.owner_id == user.id, Plot.group_id.in_(my_groups))


def can_view(user: User, plot: Plot) -> bool:
    if user.has_role(*SEE_ALL_PLOTS) or plot.owner_id == user.id:
        return True
    return plot.group_id is not None and db.session.get(Membership, (plot.group_id, user.id)) is not None


def can_edit(user: User, plot: Plot) -> bool:
    return user.has_role(Role.COORDINATOR) or plot.owner_id == user.id


def can_map(user: User, plot: Plot) -> bool:
    """Who may record the plot's boundary: whoever may edit it, and its group's manager, who walks members' plots
    with them (an FSC group's due diligence needs every plot's boundary)."""
    return can_edit(user, plot) or (plot.group is not None and is_manager(plot.group, user))


# ---------------------------------------------------------------- finding plots
@dataclass
class PlotFilters:
    q: str = ""
    group_id: int | None = None
    district_id: int | None = None
    crop_id: int | None = None
    plot_type: PlotType | None = None
    owner_id: int | None = None
    # A condition from another part of the app (e.g. the certification status), ANDed in.
    condition: sa.ColumnElement[bool] | None = None


def search_plots(user: User | None, filters: PlotFilters) -> sa.Select:
    """A select of the plots this user may see that match the filters, with everything a list shows
    loaded up front, so a page of any length costs the same few queries. user=None means everyone."""
    stmt = (
        sa.select(Plot)
        .options(
            joinedload(Plot.owner),
            joinedload(Plot.group),
            joinedload(Plot.district),
            selectinload(Plot.crops),
        )
        .order_by(Plot.code)
    )
    if user is not None:
        stmt = stmt.where(_visibility(user))
    if filters.q and filters.q.strip():
        text = filters.q
        owner_match = sa.select(User.id).where(contains(User.display_name, text))
        stmt = stmt.where(
            sa.or_(
                contains(Plot.code, text),
                contains(Plot.name, text),
                contains(Plot.village, text),
                contains(Plot.subdistrict, text),
                Plot.owner_id.in_(owner_match),
            )
        )
    if filters.group_id:
        stmt = stmt.where(Plot.group_id == filters.group_id)
    if filters.district_id:
        stmt = stmt.where(Plot.district_id == filters.district_id)
    if filters.plot_type:
        stmt = stmt.where(Plot.plot_type == filters.plot_type)
    if filters.owner_id:
        stmt = stmt.where(Plot.owner_id == filters.owner_id)
    if filters.condition is not None:
        stmt = stmt.where(filters.condition)
    if filters.crop_id:
        growing = sa.select(plot_crops.c.plot_id).where(plot_crops.c.crop_id == filters.crop_id)
        stmt = stmt.where(Plot.id.in_(growing))
    return stmt


def get_by_code(code: str) -> Plot | None:
    return db.session.scalar(sa.select(Plot).where(Plot.code == code))


def find_by_typed_code(text: str) -> Plot | None:
    """The plot a typed or scanned code names (any case, look-alikes forgiven); None for a typo."""
    try:
        return get_by_code(normalise_code(text))
    except InvalidPlotCode:
        return None


def unused_code(taken: set[str] | None = None) -> str:
    """A fresh random code that no plot has (nor any in `taken`, for codes handed out in one import)."""
    while True:
        code = new_code()
        if (taken is None or code not in taken) and get_by_code(code) is None:
            return code


# ---------------------------------------------------------------- saving, with history
def snapshot(plot: Plot) -> dict[str, str]:
    """The plot's fields as text, for the history and for comparing."""
    return describe(
        _columns_of(plot), owner=plot.owner, group=plot.group, district=plot.district, crops=plot.crops,
    )


_OWN_COLUMNS = ("name", "province", "subdistrict", "village", "latitude", "longitude", "area_m2", "plot_type",
                "water_source", "neighbour_risks", "notes")


def _columns_of(plot: Plot) -> dict:
    return {name: getattr(plot, name) for name in _OWN_COLUMNS}


def describe(columns: dict, *, owner, group, district, crops) -> dict[str, str]:
    """A plot's fields as text, from its own column values and the rows it refers to (objects with display_name
    and phone, name, name_th): for a plot in the session, or for one an import is about to write in bulk."""
    latitude, longitude, area = columns["latitude"], columns["longitude"], columns["area_m2"]
    return {
        "name": columns["name"] or "",
        "owner": owner.display_name if owner else "",
        "owner_phone": (owner.phone or "") if owner else "",
        "group": group.name if group else "",
        "province": columns["province"] or "",
        "district": district.name_th if district else "",
        "subdistrict": columns["subdistrict"] or "",
        "village": columns["village"] or "",
        "latitude": "" if latitude is None else f"{Decimal(latitude):.6f}",
        "longitude": "" if longitude is None else f"{Decimal(longitude):.6f}",
        "area_m2": f"{Decimal(area or 0):.2f}",
        "plot_type": columns["plot_type"].value if columns["plot_type"] else "",
        "crops": " | ".join(sorted(crop.name_th for crop in crops)),
        "water_source": columns["water_source"] or "",
        "neighbour_risks": columns["neighbour_risks"] or "",
        "notes": columns["notes"] or "",
    }


def column_values(data: PlotData, district: District) -> dict:
    """The plot's own columns for `data`, normalised as every write normalises them (group and district aside)."""
    return {
        "name": squeeze(data.name),
        "province": district.province_th,
        "subdistrict": squeeze(data.subdistrict),
        "village": squeeze(data.village),
        "latitude": data.latitude,
        "longitude": data.longitude,
        "area_m2": checked_area(data.area_m2),
        "plot_type": data.plot_type,
        "water_source": squeeze(data.water_source),
        "neighbour_risks": data.neighbour_risks.strip(),
        "notes": data.notes.strip(),
    }


def _apply(plot: Plot, data: PlotData, crops_by_id: dict[int, Crop] | None = None) -> None:
    # Relationships, not bare ids, so the snapshot taken right after sees the new group and district.
    plot.group = db.session.get(Organisation, data.group_id) if data.group_id else None
    plot.district = db.session.get(District, data.district_id)
    for name, value in column_values(data, plot.district).items():
        setattr(plot, name, value)
    if crops_by_id is None:
        wanted = list(db.session.scalars(sa.select(Crop).where(Crop.id.in_(data.crop_ids)))) if data.crop_ids else []
    else:
        wanted = [crops_by_id[crop_id] for crop_id in data.crop_ids]
    plot.crops = sorted(wanted, key=lambda crop: crop.name_th)


def _record(plot: Plot, acting: User | None, source: ChangeSource, action: str, changes: dict) -> PlotChange:
    entry = PlotChange(plot=plot, user=acting, source=source, action=action, changes=changes)
    db.session.add(entry)
    return entry


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {key: [before.get(key, ""), value] for key, value in after.items() if before.get(key, "") != value}


def _check_group(owner: User, group_id: int | None) -> None:
    if group_id is not None and db.session.get(Membership, (group_id, owner.id)) is None:
        raise NotInGroup()


def create_plot(
    acting: User | None,
    owner: User,
    data: PlotData,
    *,
    code: str | None = None,
    source: ChangeSource = ChangeSource.WEB,
    crops_by_id: dict[int, Crop] | None = None,
    check_group: bool = True,
    flush: bool = True,
) -> Plot:
    """Register a plot for `owner` and record its creation (an import flushes once at its end)."""
    if check_group:
        _check_group(owner, data.group_id)
    plot = Plot(code=code or unused_code(), owner=owner)
    _apply(plot, data, crops_by_id)
    db.session.add(plot)
    _record(plot, acting, source, "created", diff({}, snapshot(plot)))
    if flush:
        db.session.flush()
    return plot


def update_plot(
    acting: User | None,
    plot: Plot,
    data: PlotData,
    *,
    source: ChangeSource = ChangeSource.WEB,
    crops_by_id: dict[int, Crop] | None = None,
    check_group: bool = True,
    new_owner_phone: str | None = None,
    flush: bool = True,
) -> dict[str, list[str]]:
    """Change a plot (and, from an import, its farmer's phone); returns what changed, recorded only if anything.
    An import flushes its changes in batches (flush=False)."""
    if check_group:
        _check_group(plot.owner, data.group_id)
    before = snapshot(plot)
    if new_owner_phone:
        plot.owner.phone = accounts.normalise_phone(new_owner_phone)
    _apply(plot, data, crops_by_id)
    changes = diff(before, snapshot(plot))
    if changes:
        _record(plot, acting, source, "updated", changes)
    if flush:
        db.session.flush()
    return changes


def find_farmer(identifier: str) -> User:
    """The farmer account an e-mail or phone number names (for a coordinator registering a plot)."""
    key = accounts.login_key(identifier)
    column = User.email if "@" in key else User.phone
    farmer = db.session.scalar(
        sa.select(User).where(column == key, User.roles.any(role=Role.FARMER)).order_by(User.id).limit(1)
    ) if key else None
    if farmer is None:
        raise NotAFarmer()
    return farmer


# ---------------------------------------------------------------- photos
def add_photo(acting: User, plot: Plot, data: bytes, caption: str = "", shows_people: bool = False) -> PlotPhoto:
    """Check, re-encode (without EXIF) and store a photo of the plot."""
    image = process_photo(data, current_app.config["PHOTO_MAX_BYTES"])
    stored_name = storage.save_image(PHOTO_KIND, image)
    photo = PlotPhoto(
        plot=plot, stored_name=stored_name, width=image.width, height=image.height,
        caption=caption.strip(), uploaded_by_id=acting.id, shows_people=shows_people,
    )
    db.session.add(photo)
    _record(plot, acting, ChangeSource.WEB, "photo_added", {"photo": ["", stored_name]})
    db.session.flush()
    return photo


def remove_photo(acting: User, photo: PlotPhoto) -> None:
    """Delete a photo of a plot; the history keeps that it was there."""
    _record(photo.plot, acting, ChangeSource.WEB, "photo_removed", {"photo": [photo.stored_name, ""]})
    storage.delete_image(PHOTO_KIND, photo.stored_name)
    db.session.delete(photo)
    db.session.flush()


# ---------------------------------------------------------------- crop catalogue
def all_crops() -> list[Crop]:
    return list(db.session.scalars(sa.select(Crop).order_by(Crop.name_th)))


def add_crop(name_th: str, name_en: str) -> Crop:
    """Extend the catalogue (Thai names are unique, whatever their spacing)."""
    name_th, name_en = squeeze(name_th), squeeze(name_en)
    if "|" in name_th + name_en:  # the CSV format separates crops with |
        raise BadCropName()
    taken = db.session.scalar(
        sa.select(Crop.id).where(
            sa.or_(Crop.name_th == name_th, sa.and_(sa.func.lower(Crop.name_en) == name_en.lower(), name_en != ""))
        )
    )
    if taken is not None:
        raise CropTaken()
    crop = Crop(name_th=name_th, name_en=name_en)
    db.session.add(crop)
    db.session.flush()
    return crop


def load_crop_catalogue(path: Path = CROPS_CSV) -> int:
    """Add the crops of the data file that the catalogue lacks; returns how many were added."""
    existing = {crop.name_th for crop in all_crops()}
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    added = 0
    for row in rows:
        if row["name_th"] not in existing:
            db.session.add(Crop(name_th=row["name_th"], name_en=row["name_en"]))
            added += 1
    db.session.flush()
    return added
