"""EUDR risk checks: the reference layers a coordinator loads (forest reserves, protected areas, forest cover in 2020),
each plot's geolocation checked against the layers in force, and the flags a coordinator decides."""

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from shapely import STRtree
from shapely.geometry import Point, Polygon, shape
from shapely.validation import explain_validity

from greensmile.accounts.models import Role, User
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.input_hygiene import UnreadableJSON, read_json
from greensmile.plots.models import Plot
from greensmile.rubber.errors import EudrError, NotAllowed
from greensmile.rubber.eudr_models import (
    FlagDecision,
    LayerKind,
    ReferenceArea,
    ReferenceLayer,
    RiskCheck,
    RiskFlag,
)

MAX_LAYER_AREAS = 20_000
# A boundary that only touches an area (a plot whose edge runs along a reserve's line) meets it with no area: only an
# overlap larger than this flags it. A point on the line flags: a point says nothing of the plot's extent.
MIN_OVERLAP_M2 = 1.0


def newest(model, plot_ids: list[int]) -> dict[int, object]:
    """Each plot's newest row of `model`, in one query."""
    if not plot_ids:
        return {}
    newest = sa.select(sa.func.max(model.id)).where(model.plot_id.in_(plot_ids)).group_by(model.plot_id)
    return {row.plot_id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(newest)))}


# ---------------------------------------------------------------- reference layers
@dataclass
class LayerImport:
    areas: int = 0
    file_errors: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (number, name, reason)
    layer: ReferenceLayer | None = None

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors


def _area_name(properties) -> str:
    if not isinstance(properties, dict):
        return ""
    for key in ("name", "NAME", "name_th", "NAME_TH", "ชื่อ", "id", "ID"):
        if properties.get(key) not in (None, ""):
            return str(properties[key])[:200]
    return ""


def load_layer(acting: User, name: str, kind: LayerKind, source: str, data: bytes) -> LayerImport:
    """A coordinator's GeoJSON FeatureCollection of polygons, all or nothing, each bad feature named. The plots are
    checked against it when their status is next read."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    report = LayerImport()
    try:  # a national layer is larger than any form's JSON: the upload's own limit bounds it
        document = read_json(data, max_chars=current_app.config["MAX_CONTENT_LENGTH"])
    except UnreadableJSON:
        report.file_errors.append(_("The file is not GeoJSON."))
        return report
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        report.file_errors.append(_("The file is not a GeoJSON FeatureCollection."))
        return report
    if not features:
        report.file_errors.append(_("The file has no areas."))
        return report
    if len(features) > MAX_LAYER_AREAS:
        report.file_errors.append(_("A layer holds at most %(max)s areas.", max=MAX_LAYER_AREAS))
        return report
    areas = []
    for number, feature in enumerate(features, start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        label = _area_name(feature.get("properties") if isinstance(feature, dict) else None)
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.errors.append((number, label, _("Its geometry is not a polygon.")))
            continue
        try:
            found = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError):
            report.errors.append((number, label, _("Its coordinates cannot be read.")))
            continue
        if found.is_empty or not found.is_valid:
            report.errors.append((number, label, _("It is not a valid polygon: %(why)s.",
                                                   why=explain_validity(found)[:120])))
            continue
        min_lon, min_lat, max_lon, max_lat = found.bounds
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            report.errors.append((number, label, _("Its coordinates are not longitude and latitude.")))
            continue
        areas.append((label, geometry, found.bounds))
    if not report.ok:
        return report
    layer = ReferenceLayer(name=" ".join(name.split())[:200], kind=kind, source=" ".join(source.split())[:300],
                           areas_count=len(areas), loaded_by_id=acting.id)
    db.session.add(layer)
    db.session.flush()
    db.session.execute(sa.insert(ReferenceArea), [
        {"layer_id": layer.id, "name": label, "geometry": geometry, "min_lon": bounds[0], "min_lat": bounds[1],
         "max_lon": bounds[2], "max_lat": bounds[3]} for label, geometry, bounds in areas])
    report.areas, report.layer = len(areas), layer
    return report


def retire_layer(acting: User, layer: ReferenceLayer) -> None:
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    if layer.retired_at is None:
        layer.retired_at = utcnow()


def all_layers() -> list[ReferenceLayer]:
    return list(db.session.scalars(sa.select(ReferenceLayer).order_by(ReferenceLayer.id.desc())))


def layers_in_force() -> list[ReferenceLayer]:
    return list(db.session.scalars(sa.select(ReferenceLayer).where(ReferenceLayer.retired_at.is_(None))
                                   .order_by(ReferenceLayer.id)))


# ---------------------------------------------------------------- checking plots against the layers
@dataclass(frozen=True)
class Geolocation:
    boundary_id: int | None
    ring: list | None
    latitude: Decimal | None
    longitude: Decimal | None
    area_m2: float  # measured on the boundary, else the declared area

    @property
    def placed(self) -> bool:
        return self.ring is not None or (self.latitude is not None and self.longitude is not None)

    def geometry(self):
        if self.ring is not None:
            return Polygon(self.ring)
        return Point(float(self.longitude), float(self.latitude))

    def matches(self, check: RiskCheck) -> bool:
        if self.ring is not None:
            return check.boundary_id == self.boundary_id
        return (check.boundary_id is None and check.latitude == self.latitude
                and check.longitude == self.longitude)


def geolocations(plots: list[Plot]) -> dict[int, Geolocation]:
    outlines = boundaries.current_for([plot.id for plot in plots])
    found = {}
    for plot in plots:
        outline = outlines.get(plot.id)
        found[plot.id] = Geolocation(outline.id if outline else None, outline.ring if outline else None,
                                     plot.latitude, plot.longitude,
                                     outline.area_m2 if outline else float(plot.area_m2 or 0))
    return found


def _layer_stamp(layers: list[ReferenceLayer]) -> str:
    return ",".join(str(layer.id) for layer in layers)


def ensure_checked(plots: list[Plot], places: dict[int, Geolocation]) -> dict[int, RiskCheck]:
    """Each placed plot's check for its geolocation now against the layers in force, made where missing (a new
    boundary, a layer loaded or retired), in a fixed number of queries. A decision on a flag carries over to the
    same area met by the same geolocation in a later check."""
    layers = layers_in_force()
    stamp = _layer_stamp(layers)
    checks = newest(RiskCheck, [plot.id for plot in plots])
    stale = [plot for plot in plots if places[plot.id].placed and (
        plot.id not in checks or checks[plot.id].layers != stamp or not places[plot.id].matches(checks[plot.id]))]
    if not stale:
        return checks
    shapes = {plot.id: places[plot.id].geometry() for plot in stale}
    areas: list[ReferenceArea] = []
    if layers:
        min_lon = min(g.bounds[0] for g in shapes.values())
        min_lat = min(g.bounds[1] for g in shapes.values())
        max_lon = max(g.bounds[2] for g in shapes.values())
        max_lat = max(g.bounds[3] for g in shapes.values())
        areas = list(db.session.scalars(sa.select(ReferenceArea).where(
            ReferenceArea.layer_id.in_([layer.id for layer in layers]),
            ReferenceArea.max_lon >= min_lon, ReferenceArea.min_lon <= max_lon,
            ReferenceArea.max_lat >= min_lat, ReferenceArea.min_lat <= max_lat)))
    names = {layer.id: layer.name for layer in layers}
    area_shapes = [shape(area.geometry) for area in areas]
    tree = STRtree(area_shapes) if area_shapes else None
    decided = {(f.plot_id, f.area_id, f.check_boundary, f.check_lat, f.check_lon): f for f in _decided_flags(stale)}
    rows, flags = [], []
    for plot in stale:
        place, geometry = places[plot.id], shapes[plot.id]
        key = ((place.boundary_id, None, None) if place.ring is not None else
               (None, place.latitude, place.longitude))
        rows.append({"plot_id": plot.id, "boundary_id": key[0], "latitude": key[1], "longitude": key[2],
                     "layers": stamp, "checked_at": utcnow()})
        for index in (tree.query(geometry, predicate="intersects") if tree is not None else []):
            area, area_shape = areas[int(index)], area_shapes[int(index)]
            overlap = boundaries.geodesic_area_m2(geometry.intersection(area_shape)) if place.ring else 0.0
            if place.ring and overlap <= MIN_OVERLAP_M2:
                continue  # beside the area, not in it
            flag = {"plot_id": plot.id, "area_id": area.id, "layer_name": names[area.layer_id],
                    "area_name": area.name, "overlap_m2": round(overlap, 1), "created_at": utcnow(),
                    "decision": None, "reasons": "", "decided_by_id": None, "decided_at": None}
            earlier = decided.get((plot.id, area.id, *key))
            if earlier is not None:
                flag.update(decision=earlier.decision, reasons=earlier.reasons, decided_by_id=earlier.decided_by_id,
                            decided_at=earlier.decided_at)
            flags.append(flag)
    # In bulk: one statement for the checks, one for their flags, one to read the checks back.
    table = RiskCheck.__table__  # a Core insert: the ORM one runs row by row when it must return ids
    made = dict(db.session.execute(table.insert().returning(table.c.plot_id, table.c.id), rows).all())
    if flags:
        db.session.execute(sa.insert(RiskFlag), [{**flag, "check_id": made[flag["plot_id"]]} for flag in flags])
    checks.update({check.plot_id: check for check in db.session.scalars(
        sa.select(RiskCheck).where(RiskCheck.id.in_(list(made.values()))))})
    return checks


@dataclass(frozen=True)
class _DecidedFlag:
    plot_id: int
    area_id: int | None
    check_boundary: int | None
    check_lat: Decimal | None
    check_lon: Decimal | None
    decision: FlagDecision
    reasons: str
    decided_by_id: int | None
    decided_at: object


def _decided_flags(plots: list[Plot]) -> list[_DecidedFlag]:
    rows = db.session.execute(
        sa.select(RiskFlag.plot_id, RiskFlag.area_id, RiskCheck.boundary_id, RiskCheck.latitude, RiskCheck.longitude,
                  RiskFlag.decision, RiskFlag.reasons, RiskFlag.decided_by_id, RiskFlag.decided_at)
        .join(RiskCheck, RiskCheck.id == RiskFlag.check_id)
        .where(RiskFlag.plot_id.in_([plot.id for plot in plots]), RiskFlag.decision.is_not(None))
        .order_by(RiskFlag.id)).all()
    return [_DecidedFlag(*row) for row in rows]


def flags_of(checks: dict[int, RiskCheck]) -> dict[int, list[RiskFlag]]:
    found: dict[int, list[RiskFlag]] = {plot_id: [] for plot_id in checks}
    ids = [check.id for check in checks.values()]
    if ids:
        for flag in db.session.scalars(sa.select(RiskFlag).where(RiskFlag.check_id.in_(ids)).order_by(RiskFlag.id)):
            found[flag.plot_id].append(flag)
    return found


def decide_flag(acting: User, flag: RiskFlag, decision: FlagDecision, reasons: str) -> None:
    """A coordinator's decision on an open flag of the plot's current check, once: a decision is not overwritten
    (it carries over to later checks of the same geolocation), and a flag of an earlier check is not the one that
    counts."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    newest = db.session.scalar(sa.select(sa.func.max(RiskCheck.id)).where(RiskCheck.plot_id == flag.plot_id))
    if flag.check_id != newest:
        raise EudrError(_l("The plot has been checked again since: decide on its current flag."))
    reasons = reasons.strip()
    if not reasons:
        raise EudrError(_l("Give the reasons for the decision."))
    decided = db.session.execute(
        sa.update(RiskFlag).where(RiskFlag.id == flag.id, RiskFlag.decision.is_(None))
        .values(decision=decision, reasons=reasons[:5000], decided_by_id=acting.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if decided != 1:  # another coordinator decided first
        raise EudrError(_l("This flag has been decided already."))
    db.session.expire(flag)


def open_flags() -> list[RiskFlag]:
    """Flags of plots' current checks that wait for a coordinator."""
    newest = sa.select(sa.func.max(RiskCheck.id)).group_by(RiskCheck.plot_id)
    return list(db.session.scalars(sa.select(RiskFlag).where(RiskFlag.check_id.in_(newest),
                                                             RiskFlag.decision.is_(None)).order_by(RiskFlag.id)))


