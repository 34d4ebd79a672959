"""Boundaries to and from files: GeoJSON (RFC 7946) and KML (what Google Earth and most GIS tools export).

Importing is all or nothing, like the plot CSV: every feature is read, matched to a plot by its code and checked;
only when none has a problem are the boundaries added (one each), and a bad file names every bad feature with its
number and plot code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask_babel import gettext as _
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.geo.errors import BoundaryRefused, ImportNotAllowed
from greensmile.geo.models import BoundarySource, PlotBoundary
from greensmile.plots.codes import InvalidPlotCode, normalise_code
from greensmile.plots.models import Plot

CODE_KEYS = ("plot_code", "code", "รหัสแปลง", "name")
KML = "{http://www.opengis.net/kml/2.2}"


@dataclass
class Feature:
    number: int  # its place in the file, from 1
    code: str  # as the file wrote it
    positions: list | None  # the outer ring; None when the geometry could not be read
    problem: str = ""


@dataclass
class BoundaryImport:
    features: int = 0
    added: int = 0
    flagged: list[str] = field(default_factory=list)  # plot codes whose measured area disagrees with the declared
    file_errors: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (number, code, reasons)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors


# ---------------------------------------------------------------- reading
def _outer_ring(geometry) -> tuple[list | None, str]:
    if not isinstance(geometry, dict):
        return None, _("It has no geometry.")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "MultiPolygon" and isinstance(coordinates, list) and len(coordinates) == 1:
        kind, coordinates = "Polygon", coordinates[0]
    if kind != "Polygon":
        return None, _("Its geometry is a %(kind)s, not one polygon.", kind=str(kind)[:30])
    if not isinstance(coordinates, list) or not coordinates:
        return None, _("Its polygon has no ring.")
    return coordinates[0], ""  # holes (inner rings) are not part of a plot's boundary


def read_geojson(data: bytes) -> tuple[list[Feature], list[str]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return [], [_("The file is not GeoJSON (JSON in UTF-8).")]
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not isinstance(
            document.get("features"), list):
        return [], [_("The file is not a GeoJSON FeatureCollection.")]
    features = []
    for number, item in enumerate(document["features"], start=1):
        properties = item.get("properties") if isinstance(item, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        code = next((str(properties[key]) for key in CODE_KEYS if properties.get(key)), "")
        ring, problem = _outer_ring(item.get("geometry") if isinstance(item, dict) else None)
        features.append(Feature(number, code[:40], ring, problem))
    return features, []


def read_kml(data: bytes) -> tuple[list[Feature], list[str]]:
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return [], [_("The file is not KML (XML).")]
    features = []
    for number, placemark in enumerate(root.iter(f"{KML}Placemark"), start=1):
        code = ""
        for data_item in placemark.iter(f"{KML}Data"):
            if data_item.get("name") in CODE_KEYS:
                code = (data_item.findtext(f"{KML}value") or "").strip()
        code = code or (placemark.findtext(f"{KML}name") or "").strip()
        polygons = list(placemark.iter(f"{KML}Polygon"))
        if len(polygons) != 1:
            features.append(Feature(number, code[:40], None, _("It must hold exactly one polygon.")))
            continue
        text = polygons[0].findtext(f"{KML}outerBoundaryIs/{KML}LinearRing/{KML}coordinates") or ""
        try:  # "lon,lat[,alt] lon,lat[,alt] ..."
            ring = [[float(part) for part in point.split(",")] for point in text.split()]
        except ValueError:
            features.append(Feature(number, code[:40], None, _("Its coordinates are not numbers.")))
            continue
        features.append(Feature(number, code[:40], ring))
    return features, []


def read(data: bytes, filename: str) -> tuple[list[Feature], list[str]]:
    name = (filename or "").lower()
    if name.endswith(".kml") or data.lstrip()[:5] in (b"<?xml", b"<kml ", b"<kml>"):
        return read_kml(data)
    return read_geojson(data)


# ---------------------------------------------------------------- importing
def import_boundaries(acting: User, data: bytes, filename: str) -> BoundaryImport:
    """Check every feature; if all are good, add each plot's boundary. The caller commits (or rolls back)."""
    if not acting.has_role(Role.COORDINATOR):
        raise ImportNotAllowed()
    report = BoundaryImport()
    features, report.file_errors = read(data, filename)
    report.features = len(features)
    if not report.file_errors and not features:
        report.file_errors.append(_("The file holds no plot boundary."))
    codes = {}
    for feature in features:
        try:
            codes[feature.number] = normalise_code(feature.code)
        except InvalidPlotCode:
            codes[feature.number] = None
    plots = {plot.code: plot for plot in db.session.scalars(
        sa.select(Plot).where(Plot.code.in_({code for code in codes.values() if code})))}
    seen: dict[str, int] = {}
    good = []
    for feature in features:
        reasons = [feature.problem] if feature.problem else []
        code = codes[feature.number]
        if not feature.code:
            reasons.append(_("It names no plot code (a property plot_code, or the placemark's name)."))
        elif code is None or code not in plots:
            reasons.append(_("No plot has the code %(code)s.", code=feature.code))
        elif code in seen:
            reasons.append(_("Plot %(code)s is also in feature %(n)s.", code=code, n=seen[code]))
        else:
            seen[code] = feature.number
        ring = None
        if feature.positions is not None:
            try:
                ring = boundaries.check_ring(feature.positions)
            except BoundaryRefused as refused:
                reasons += refused.reasons
        if reasons:
            report.errors.append((feature.number, feature.code, reasons))
        else:
            good.append((plots[code], ring))
    if report.ok:
        for plot, ring in good:
            boundary = boundaries.record(acting, plot, ring, BoundarySource.IMPORTED)
            report.added += 1
            if boundary.flagged:
                report.flagged.append(plot.code)
    return report


# ---------------------------------------------------------------- exporting
def feature_of(boundary: PlotBoundary) -> dict:
    plot = boundary.plot
    return {
        "type": "Feature",
        # RFC 7946: the outer ring counterclockwise (the right-hand rule).
        "geometry": {"type": "Polygon",
                     "coordinates": [[list(point) for point in orient(Polygon(boundary.ring)).exterior.coords]]},
        "properties": {"plot_code": plot.code, "name": plot.name, "area_m2": boundary.area_m2,
                       "declared_area_m2": float(plot.area_m2), "source": boundary.source.value,
                       "recorded_at": boundary.created_at.isoformat()},
    }


def export_geojson(plot_ids: list[int]) -> dict:
    """The boundary now of each of these plots that has one, as a FeatureCollection (importable again)."""
    found = boundaries.current_for(plot_ids)
    return {"type": "FeatureCollection",
            "features": [feature_of(found[plot_id]) for plot_id in sorted(found)]}
