"""The network's central data as CSV: the format, reading and checking rows, and export.

The import itself (matching rows to plots and farmers, then writing) is in importer.py. The format (UTF-8, with or without Excel's BOM; headers in English or Thai):
plot_code, farmer_name, farmer_phone, group_name, province, district, subdistrict, village,
latitude, longitude, area_rai, plot_type, crops (separated by |), water_source, notes.
Export writes the same format, so export → import changes nothing.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from greensmile.accounts import services as accounts
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.models import Category, Organisation
from greensmile.network.services import kinds_of
from greensmile.places.models import District
from greensmile.plots import services
from greensmile.plots.codes import InvalidPlotCode, normalise_code
from greensmile.plots.errors import BadArea
from greensmile.plots.models import M2_PER_RAI, PLOT_TYPE_THAI_NAMES, Crop, Plot, PlotType

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
    # The causes a coordinator acts on once for many rows: each unknown group or crop, with the lines naming it.
    unknown_groups: dict[str, list[int]] = field(default_factory=dict)
    unknown_crops: dict[str, list[int]] = field(default_factory=dict)
    _group_spelling: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    def note_unknown(self, groups: list[str], crops: list[str], line: int) -> None:
        for name in groups:  # groups match whatever their case (as --create-groups makes one): the first spelling
            known = self._group_spelling.setdefault(name.lower(), name)
            self.unknown_groups.setdefault(known, []).append(line)
        for name in crops:
            self.unknown_crops.setdefault(name, []).append(line)

    def to_json(self) -> dict:
        """The report as stored with an import run by the worker (plain JSON: lists, numbers, text)."""
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "farmers_created": self.farmers_created, "groups_created": list(self.groups_created),
            "crops_created": list(self.crops_created), "file_errors": list(self.file_errors),
            "row_errors": [[error.line, list(error.messages)] for error in self.row_errors],
            "unknown_groups": {name: list(lines) for name, lines in self.unknown_groups.items()},
            "unknown_crops": {name: list(lines) for name, lines in self.unknown_crops.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportReport:
        counts = {key: int(data.get(key) or 0) for key in ("rows", "created", "updated", "unchanged", "farmers_created")}
        return cls(
            **counts, groups_created=list(data.get("groups_created") or []),
            crops_created=list(data.get("crops_created") or []), file_errors=list(data.get("file_errors") or []),
            row_errors=[RowError(int(line), list(messages)) for line, messages in data.get("row_errors") or []],
            unknown_groups={name: [int(line) for line in lines] for name, lines in (data.get("unknown_groups") or {}).items()},
            unknown_crops={name: [int(line) for line in lines] for name, lines in (data.get("unknown_crops") or {}).items()},
        )


@dataclass
class Row:
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
    if value.startswith("'") and value[1:2] and value[1] in _FORMULA_START + ("'",):
        return value[1:]
    return value


def escape_cell(value: str) -> str:
    # A leading apostrophe is doubled too, so that reading it back restores the value exactly.
    return "'" + value if value.startswith(_FORMULA_START + ("'",)) else value


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", ""))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


class Catalogues:
    """Everything the rows refer to, loaded once, so 3,000 rows cost a handful of queries."""

    def __init__(self):
        self.districts: dict[str, District] = {}
        for district in db.session.scalars(sa.select(District)):
            for key in (district.name_th, district.name_en.lower(), district.code):
                self.districts[key] = district
        self.groups = {
            squeeze(group.name).lower(): group
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
        text = squeeze(text)
        for prefix in ("อำเภอ", "อ."):  # "อำเภอหาดใหญ่", "อ.หาดใหญ่", "อ. หาดใหญ่"
            if text.startswith(prefix):
                text = text[len(prefix):].strip()
        return self.districts.get(text) or self.districts.get(text.lower())

    def crop(self, name: str) -> Crop | None:
        return self.crops.get(name) or self.crops.get(name.lower())


def parse_row(line: int, raw: dict[str, str], cat: Catalogues, options: dict,
              report: ImportReport | None = None) -> tuple[Row | None, list[str]]:
    """The row's cells checked; its unknown groups and crops are also noted in `report`, to be told by cause."""
    get = lambda column: _unescape(raw.get(column) or "")  # noqa: E731
    errors: list[str] = []

    code = None
    if get("plot_code"):
        try:
            code = normalise_code(get("plot_code"))
        except InvalidPlotCode:
            errors.append(_("plot code “%(code)s” is not a valid code (mistyped?)", code=get("plot_code")))

    farmer_name = squeeze(get("farmer_name"))
    if not farmer_name:
        errors.append(_("farmer_name is empty"))
    try:
        phone = accounts.normalise_phone(get("farmer_phone"))
    except ValueError:
        phone = None
        errors.append(_("farmer_phone “%(phone)s” is not a Thai phone number", phone=get("farmer_phone")))

    group_name = squeeze(get("group_name"))
    unknown_group = bool(group_name) and group_name.lower() not in cat.groups and not options["create_groups"]
    if unknown_group:
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
        area_m2 = services.checked_area(_decimal(get("area_rai")) * M2_PER_RAI)
    except (InvalidOperation, ValueError, BadArea):
        errors.append(_("area_rai “%(value)s” must be a number of rai above 0 and at most 100,000",
                        value=get("area_rai")))

    plot_type = None
    type_text = get("plot_type")
    try:
        plot_type = PlotType(type_text.lower())
    except ValueError:
        plot_type = PLOT_TYPE_THAI_NAMES.get(type_text)
    if plot_type is None:
        errors.append(_("unknown plot_type “%(value)s” (use %(allowed)s)", value=type_text,
                        allowed=", ".join(t.value for t in PlotType)))

    crop_names = [squeeze(name) for name in get("crops").split("|") if name.strip()]
    unknown = [] if options["create_crops"] else [name for name in crop_names if cat.crop(name) is None]
    if unknown:
        errors.append(_("unknown crops: %(names)s", names=", ".join(unknown)))
    if report is not None:
        report.note_unknown([group_name] if unknown_group else [], list(dict.fromkeys(unknown)), line)

    for column, limit in (("water_source", 200), ("subdistrict", 80), ("village", 120), ("notes", 5000)):
        if len(get(column)) > limit:
            errors.append(_("%(column)s is longer than %(limit)s characters", column=column, limit=limit))

    if errors:
        return None, errors
    return Row(
        line=line, code=code, farmer_name=farmer_name, phone=phone, group_name=group_name, province=province,
        district=district, subdistrict=squeeze(get("subdistrict")), village=squeeze(get("village")),
        latitude=latitude, longitude=longitude, area_m2=area_m2, plot_type=plot_type, crop_names=crop_names,
        water_source=squeeze(get("water_source")), notes=get("notes"),
    ), []


def read_rows(
    data: bytes, report: ImportReport, counted: Callable[[int], None] | None = None
) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (line, {column: cell}); what is wrong with the file as a whole goes in the report.
    `counted(n)` is told the number of rows read so far, after each row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad = [str(number) for number, line in enumerate(data.split(b"\n"), start=1) if not _is_utf8(line)]
        shown = ", ".join(bad[:20]) + (" …" if len(bad) > 20 else "")
        report.file_errors.append(
            _("The file is not UTF-8 text (lines %(lines)s). In Excel, save it as “CSV UTF-8 (Comma delimited)”.",
              lines=shown)
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
    # Numbered as a spreadsheet numbers rows: the header is row 1, a cell with line breaks is still one row.
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(columns):
            report.row_errors.append(RowError(line, [_("the row has more cells than the header")]))
            continue
        rows.append((line, {column: value for column, value in zip(columns, values) if column}))
        if counted is not None:
            counted(len(rows))
    return rows


def export_plots(out: io.TextIOBase, plots: list[Plot] | None = None) -> int:
    """Write plots (default: all) in the import format; returns how many rows were written."""
    if plots is None:
        plots = list(db.session.scalars(services.search_plots(None, services.PlotFilters())))
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for plot in plots:
        area_rai = (Decimal(plot.area_m2) / M2_PER_RAI).normalize()
        writer.writerow([escape_cell(value) for value in (
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
