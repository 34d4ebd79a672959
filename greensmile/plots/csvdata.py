"""The network's central data as CSV: import (all or nothing, every bad row reported) and export.

The format (UTF-8, with or without Excel's BOM; headers in English or Thai):
plot_code, farmer_name, farmer_phone, group_name, province, district, subdistrict, village,
latitude, longitude, area_rai, plot_type, crops (separated by |), water_source, notes.
Export writes the same format, so export → import changes nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User, UserRole
from greensmile.extensions import db
from greensmile.network.models import Category, Membership, Organisation, OrganisationKind
from greensmile.network.services import kinds_of
from greensmile.places.models import District
from greensmile.plots import services
from greensmile.plots.codes import InvalidPlotCode, new_code, normalise_code
from greensmile.plots.models import M2_PER_RAI, PLOT_TYPE_THAI_NAMES, ChangeSource, Crop, Plot, PlotType

COLUMNS = [
    "plot_code", "farmer_name", "farmer_phone", "group_name", "province", "district", "subdistrict",
    "village", "latitude", "longitude", "area_rai", "plot_type", "crops", "water_source", "notes",
]
REQUIRED = {"farmer_name", "district", "area_rai", "plot_type"}
THAI_HEADERS = {
    "รหัสแปลง": "plot_code",
    "ชื่อเกษตรกร": "farmer_name",
    "เบอร์โทรเกษตรกร": "farmer_phone",
    "โทรศัพท์เกษตรกร": "farmer_phone",
    "เบอร์โทร": "farmer_phone",
    "โทรศัพท์": "farmer_phone",
    "กลุ่ม": "group_name",
    "ชื่อกลุ่ม": "group_name",
    "จังหวัด": "province",
    "อำเภอ": "district",
    "ตำบล": "subdistrict",
    "หมู่บ้าน": "village",
    "ละติจูด": "latitude",
    "ลองจิจูด": "longitude",
    "พื้นที่ไร่": "area_rai",
    "พื้นที่(ไร่)": "area_rai",
    "ประเภทแปลง": "plot_type",
    "พืช": "crops",
    "พืชที่ปลูก": "crops",
    "แหล่งน้ำ": "water_source",
    "หมายเหตุ": "notes",
}
# Thailand, with a margin: a point outside is a typo or swapped latitude and longitude.
LATITUDE_RANGE = (Decimal("5.5"), Decimal("20.6"))
LONGITUDE_RANGE = (Decimal("97.3"), Decimal("105.7"))
MAX_AREA_RAI = Decimal(100_000)
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class RowError:
    line: int  # as a spreadsheet numbers it: the header is line 1
    messages: list[str]


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    farmers_created: int = 0
    groups_created: list[str] = field(default_factory=list)
    crops_created: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors


@dataclass
class _Row:
    line: int
    code: str | None
    farmer_name: str
    phone: str | None
    group_name: str
    province: str
    district: District
    subdistrict: str
    village: str
    latitude: Decimal | None
    longitude: Decimal | None
    area_m2: Decimal
    plot_type: PlotType
    crop_names: list[str]
    water_source: str
    notes: str


def _header_key(text: str) -> str:
    return "".join(text.replace("\ufeff", "").split()).lower()


_HEADER_NAMES = {_header_key(name): name for name in COLUMNS} | {
    _header_key(thai): english for thai, english in THAI_HEADERS.items()
}


def _unescape(value: str) -> str:
    # Export guards cells against spreadsheet formulas with a leading apostrophe; take it off again.
    value = value.strip()
    if value.startswith("'") and value[1:2] in _FORMULA_START:
        return value[1:]
    return value


def _escape(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", ""))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


class _Catalogues:
    """Everything the rows refer to, loaded once, so 3,000 rows cost a handful of queries."""

    def __init__(self):
        self.districts: dict[str, District] = {}
        for district in db.session.scalars(sa.select(District)):
            for key in (district.name_th, district.name_en.lower(), district.code):
                self.districts[key] = district
        self.groups = {
            group.name.strip().lower(): group
            for group in db.session.scalars(
                sa.select(Organisation).where(Organisation.kind.in_(kinds_of(Category.FARMER_GROUP)))
            )
        }
        self.crops: dict[str, Crop] = {}
        for crop in db.session.scalars(sa.select(Crop)):
            self.crops[crop.name_th] = crop
            if crop.name_en:
                self.crops[crop.name_en.lower()] = crop

    def district(self, text: str) -> District | None:
        text = " ".join(text.split())
        for prefix in ("อำเภอ", "อ."):  # "อำเภอหาดใหญ่", "อ.หาดใหญ่", "อ. หาดใหญ่"
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
        return self.districts.get(text) or self.districts.get(text.lower())

    def crop(self, name: str) -> Crop | None:
        return self.crops.get(name) or self.crops.get(name.lower())


def _parse_row(line: int, raw: dict[str, str], cat: _Catalogues, options: dict) -> tuple[_Row | None, list[str]]:
    get = lambda column: _unescape(raw.get(column) or "")  # noqa: E731
    errors: list[str] = []

    code = None
    if get("plot_code"):
        try:
            code = normalise_code(get("plot_code"))
        except InvalidPlotCode:
            errors.append(_("plot code “%(code)s” is not a valid code (mistyped?)", code=get("plot_code")))

    farmer_name = " ".join(get("farmer_name").split())
    if not farmer_name:
        errors.append(_("farmer_name is empty"))
    try:
        phone = accounts.normalise_phone(get("farmer_phone"))
    except ValueError:
        phone = None
        errors.append(_("farmer_phone “%(phone)s” is not a Thai phone number", phone=get("farmer_phone")))

    group_name = " ".join(get("group_name").split())
    if group_name and group_name.lower() not in cat.groups and not options["create_groups"]:
        errors.append(_("unknown farmer group “%(name)s”", name=group_name))

    district = cat.district(get("district")) if get("district") else None
    if district is None:
        errors.append(_("unknown district “%(name)s”", name=get("district")))
    province = get("province")
    if district is not None:
        if province and province not in (district.province_th, district.province_en):
            errors.append(_("district “%(district)s” is not in province “%(province)s”",
                            district=get("district"), province=province))
        province = district.province_th

    latitude = longitude = None
    if get("latitude") or get("longitude"):
        try:
            latitude, longitude = _decimal(get("latitude")), _decimal(get("longitude"))
        except (InvalidOperation, ValueError):
            errors.append(_("latitude and longitude must both be decimal numbers, e.g. 7.0086 and 100.4747"))
        else:
            if not (LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
                    and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]):
                errors.append(_("the coordinates %(lat)s, %(lon)s are not in Thailand (swapped?)",
                                lat=get("latitude"), lon=get("longitude")))
            latitude, longitude = latitude.quantize(Decimal("0.000001")), longitude.quantize(Decimal("0.000001"))

    area_m2 = Decimal(0)
    try:
        area_rai = _decimal(get("area_rai"))
        if not (0 < area_rai <= MAX_AREA_RAI):
            raise InvalidOperation
        area_m2 = (area_rai * M2_PER_RAI).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors.append(_("area_rai “%(value)s” must be a number of rai above 0", value=get("area_rai")))

    plot_type = None
    type_text = get("plot_type")
    try:
        plot_type = PlotType(type_text.lower())
    except ValueError:
        plot_type = PLOT_TYPE_THAI_NAMES.get(type_text)
    if plot_type is None:
        errors.append(_("unknown plot_type “%(value)s” (use %(allowed)s)", value=type_text,
                        allowed=", ".join(t.value for t in PlotType)))

    crop_names = [" ".join(name.split()) for name in get("crops").split("|") if name.strip()]
    if not options["create_crops"]:
        unknown = [name for name in crop_names if cat.crop(name) is None]
        if unknown:
            errors.append(_("unknown crops: %(names)s", names=", ".join(unknown)))

    for column, limit in (("water_source", 200), ("subdistrict", 80), ("village", 120), ("notes", 5000)):
        if len(get(column)) > limit:
            errors.append(_("%(column)s is longer than %(limit)s characters", column=column, limit=limit))

    if errors:
        return None, errors
    return _Row(
        line=line, code=code, farmer_name=farmer_name, phone=phone, group_name=group_name, province=province,
        district=district, subdistrict=" ".join(get("subdistrict").split()), village=" ".join(get("village").split()),
        latitude=latitude, longitude=longitude, area_m2=area_m2, plot_type=plot_type, crop_names=crop_names,
        water_source=get("water_source"), notes=get("notes"),
    ), []


def _read(data: bytes, report: ImportReport) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.file_errors.append(
            _("The file is not UTF-8 text (first bad byte on line %(line)s). In Excel, save it as "
              "“CSV UTF-8 (Comma delimited)”.", line=line)
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        report.file_errors.append(_("The file is empty."))
        return []
    columns = [_HEADER_NAMES.get(_header_key(name)) for name in header]
    unknown = [name for name, column in zip(header, columns) if column is None and name.strip()]
    if unknown:
        report.file_errors.append(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
    missing = REQUIRED - set(columns)
    if missing:
        report.file_errors.append(_("Missing columns: %(names)s.", names=", ".join(sorted(missing))))
    if report.file_errors:
        return []
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(columns):
            report.row_errors.append(RowError(line, [_("the row has more cells than the header")]))
            continue
        rows.append((line, {column: value for column, value in zip(columns, values) if column}))
    return rows


def import_plots(
    data: bytes, acting: User | None, *, create_groups: bool = False, create_crops: bool = False
) -> ImportReport:
    """Check every row; if all are good, create or update the plots (and the farmers they name).

    Nothing is written when any row is bad: the report lists each bad row with its line number.
    The caller commits (or, for a dry run, rolls back)."""
    report = ImportReport()
    raw_rows = _read(data, report)
    if report.file_errors:
        return report
    cat = _Catalogues()
    options = {"create_groups": create_groups, "create_crops": create_crops}
    rows: list[_Row] = []
    for line, raw in raw_rows:
        row, errors = _parse_row(line, raw, cat, options)
        if errors:
            report.row_errors.append(RowError(line, errors))
        else:
            rows.append(row)
    report.rows = len(raw_rows)
    _check_duplicates(rows, report)
    if not report.ok:
        report.row_errors.sort(key=lambda error: error.line)
        return report
    _Applier(cat, acting, report).apply(rows)
    return report


def _location_key(row_or_plot) -> tuple:
    district_id = row_or_plot.district.id
    return (district_id, row_or_plot.subdistrict, row_or_plot.village,
            None if row_or_plot.latitude is None else Decimal(row_or_plot.latitude).quantize(Decimal("0.000001")),
            None if row_or_plot.longitude is None else Decimal(row_or_plot.longitude).quantize(Decimal("0.000001")))


def _farmer_key(row: _Row) -> tuple:
    return ("phone", row.phone, row.farmer_name) if row.phone else ("name", row.farmer_name, row.group_name.lower())


def _check_duplicates(rows: list[_Row], report: ImportReport) -> None:
    seen_codes: dict[str, int] = {}
    seen_places: dict[tuple, int] = {}
    for row in rows:
        if row.code:
            if row.code in seen_codes:
                report.row_errors.append(RowError(row.line, [
                    _("plot code %(code)s is also on line %(other)s", code=row.code, other=seen_codes[row.code])
                ]))
            else:
                seen_codes[row.code] = row.line
        else:
            key = (_farmer_key(row), _location_key(row))
            if key in seen_places:
                report.row_errors.append(RowError(row.line, [
                    _("the same farmer and location are also on line %(other)s; give each plot its code",
                      other=seen_places[key])
                ]))
            else:
                seen_places[key] = row.line


class _Applier:
    def __init__(self, cat: _Catalogues, acting: User | None, report: ImportReport):
        self.cat, self.acting, self.report = cat, acting, report
        self.farmers_by_phone: dict[str, list[User]] = {}
        self.farmers_by_name: dict[str, list[User]] = {}
        self.memberships: set[tuple[int, int]] = set()
        self.new_farmers: dict[tuple, User] = {}

    def _load(self, rows: list[_Row]) -> None:
        codes = [row.code for row in rows if row.code]
        eager = (joinedload(Plot.owner), joinedload(Plot.group), joinedload(Plot.district), selectinload(Plot.crops))
        self.plots_by_code = {
            plot.code: plot for plot in db.session.scalars(sa.select(Plot).where(Plot.code.in_(codes)).options(*eager))
        } if codes else {}
        self.taken_codes = set(db.session.scalars(sa.select(Plot.code)))
        farmers = db.session.scalars(
            sa.select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.FARMER)
        ).unique()
        for farmer in farmers:
            if farmer.phone:
                self.farmers_by_phone.setdefault(farmer.phone, []).append(farmer)
            self.farmers_by_name.setdefault(farmer.display_name, []).append(farmer)
        self.memberships = {
            (group_id, user_id)
            for group_id, user_id in db.session.execute(sa.select(Membership.organisation_id, Membership.user_id))
        }
        owners = {farmer.id for group in (self.farmers_by_phone, self.farmers_by_name) for fs in group.values() for farmer in fs}
        self.plots_by_owner: dict[int, list[Plot]] = {}
        if owners:
            for plot in db.session.scalars(sa.select(Plot).where(Plot.code.not_in(codes) if codes else sa.true())
                                           .where(Plot.owner_id.in_(owners)).options(*eager)):
                self.plots_by_owner.setdefault(plot.owner_id, []).append(plot)
        for plot in self.plots_by_code.values():
            self.plots_by_owner.setdefault(plot.owner_id, []).append(plot)

    def _group(self, name: str) -> Organisation | None:
        if not name:
            return None
        group = self.cat.groups.get(name.lower())
        if group is None:  # only reached with create_groups
            group = Organisation(name=name, kind=OrganisationKind.PGS_GROUP, description="")
            db.session.add(group)
            self.cat.groups[name.lower()] = group
            self.report.groups_created.append(name)
        return group

    def _crop(self, name: str) -> Crop:
        crop = self.cat.crop(name)
        if crop is None:  # only reached with create_crops
            crop = Crop(name_th=name, name_en="")
            db.session.add(crop)
            self.cat.crops[name] = crop
            self.report.crops_created.append(name)
        return crop

    def _farmer(self, row: _Row, group: Organisation | None, plot: Plot | None) -> User | None:
        """The row's farmer: the plot's own when the row names them, else found by phone or by name
        in the group, else a new account. None when the name fits several farmers and no phone decides."""
        if plot is not None and plot.owner.display_name == row.farmer_name and row.phone in (None, plot.owner.phone):
            return plot.owner
        key = _farmer_key(row)
        if key in self.new_farmers:
            return self.new_farmers[key]
        if row.phone:
            candidates = self.farmers_by_phone.get(row.phone, [])
            if len(candidates) > 1:  # a household sharing one phone: the name decides
                candidates = [farmer for farmer in candidates if farmer.display_name == row.farmer_name]
        else:
            candidates = [
                farmer for farmer in self.farmers_by_name.get(row.farmer_name, [])
                if group is None or group.id is None or (group.id, farmer.id) in self.memberships
            ]
            if len(candidates) > 1:
                return None
        if len(candidates) == 1:
            return candidates[0]
        farmer = accounts.create_user(
            email=None, display_name=row.farmer_name, phone=row.phone, roles=(Role.FARMER,), granted_by=self.acting
        )
        self.new_farmers[key] = farmer
        self.report.farmers_created += 1
        return farmer

    def _join(self, farmer: User, group: Organisation | None) -> None:
        if group is None:
            return
        if group.id is None:
            db.session.flush()
        if (group.id, farmer.id) not in self.memberships:
            db.session.add(Membership(organisation_id=group.id, user_id=farmer.id))
            self.memberships.add((group.id, farmer.id))

    def _match_by_location(self, row: _Row, farmer: User) -> Plot | None:
        key = _location_key(row)
        matches = [plot for plot in self.plots_by_owner.get(farmer.id, []) if _location_key(plot) == key]
        return matches[0] if len(matches) == 1 else None

    def _fail(self, row: _Row, message: str) -> None:
        self.report.row_errors.append(RowError(row.line, [message]))

    def apply(self, rows: list[_Row]) -> None:
        self._load(rows)
        for row in rows:
            group = self._group(row.group_name)
            plot = self.plots_by_code.get(row.code) if row.code else None
            farmer = self._farmer(row, group, plot)
            if farmer is None:
                self._fail(row, _("several farmers are called %(name)s: add farmer_phone to say which",
                                  name=row.farmer_name))
                continue
            if plot is not None and plot.owner_id != farmer.id:
                self._fail(row, _("plot %(code)s belongs to %(owner)s in the registry, not to %(farmer)s",
                                  code=plot.code, owner=plot.owner.display_name, farmer=row.farmer_name))
                continue
            if plot is None and not row.code:
                plot = self._match_by_location(row, farmer)
            self._join(farmer, group)
            crops = [self._crop(name) for name in row.crop_names]
            if any(crop.id is None for crop in crops) or (group is not None and group.id is None):
                db.session.flush()
            data = services.PlotData(
                district_id=row.district.id, area_m2=row.area_m2, plot_type=row.plot_type, province=row.province,
                name=plot.name if plot else "", group_id=group.id if group else None,
                subdistrict=row.subdistrict, village=row.village, latitude=row.latitude, longitude=row.longitude,
                crop_ids=sorted({crop.id for crop in crops}), water_source=row.water_source,
                neighbour_risks=plot.neighbour_risks if plot else "", notes=row.notes,
            )
            crops_by_id = {crop.id: crop for crop in crops}
            if plot is None:
                code = row.code or self._new_code()
                self.taken_codes.add(code)
                created = services.create_plot(
                    self.acting, farmer, data, code=code, source=ChangeSource.IMPORT,
                    crops_by_id=crops_by_id, check_group=False, flush=False,
                )
                self.plots_by_owner.setdefault(farmer.id, []).append(created)
                self.report.created += 1
            elif services.update_plot(self.acting, plot, data, source=ChangeSource.IMPORT,
                                      crops_by_id=crops_by_id, check_group=False):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        db.session.flush()
        self.report.row_errors.sort(key=lambda error: error.line)

    def _new_code(self) -> str:
        while True:
            code = new_code()
            if code not in self.taken_codes:
                return code


def export_plots(out: io.TextIOBase, plots: list[Plot] | None = None) -> int:
    """Write plots (default: all) in the import format; returns how many rows were written."""
    if plots is None:
        plots = list(db.session.scalars(services.search_plots(None, services.PlotFilters())))
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for plot in plots:
        area_rai = (Decimal(plot.area_m2) / M2_PER_RAI).normalize()
        writer.writerow([_escape(value) for value in (
            plot.code,
            plot.owner.display_name,
            plot.owner.phone or "",
            plot.group.name if plot.group else "",
            plot.province,
            plot.district.name_th,
            plot.subdistrict,
            plot.village,
            "" if plot.latitude is None else f"{Decimal(plot.latitude):.6f}",
            "" if plot.longitude is None else f"{Decimal(plot.longitude):.6f}",
            format(area_rai, "f"),
            plot.plot_type.value,
            "|".join(crop.name_th for crop in plot.crops),
            plot.water_source,
            plot.notes,
        )])
    return len(plots)
