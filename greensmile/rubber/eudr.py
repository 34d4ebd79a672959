"""EUDR due diligence for rubber lots (Regulation (EU) 2023/1115 as amended by 2025/2650).

A plot's record is complete when it has
- geolocation: a point, or its boundary when it is over 4 ha;
- cut-off evidence: the planting year by 2020 (from the rubber details) or, planted later, a further photo or
  document, and the farmer's declaration that the land was not forest on 31 December 2020;
- legality: a land document with its number and photo;
and no open flag: its geolocation is checked against the reference layers in force, and a plot meeting an area is
"needs review" until a coordinator decides. A lot is ready when every contributing plot is. The exporter gets the
lot's geolocation file as the EU's "EUDR GeoJSON File Description" (v1.2) asks.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from shapely import STRtree
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import Role, User
from greensmile.certification.models import PledgeKind
from greensmile.db import utcnow
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.input_hygiene import UnreadableJSON, read_json
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.network.models import Membership
from greensmile.plots.models import Plot, PlotType
from greensmile.rubber.errors import NotAllowed
from greensmile.rubber.eudr_models import (
    CutoffDeclaration,
    CutoffEvidence,
    FlagDecision,
    LandDocument,
    LandDocumentType,
    LayerKind,
    LotStatement,
    ReferenceArea,
    ReferenceLayer,
    RiskCheck,
    RiskFlag,
)
from greensmile.rubber.models import Harvest, Lot, LotHarvest, RubberProfile
from greensmile.rubber.services import may_record_for

CUTOFF_YEAR = 2020  # land not deforested after 31 December 2020
POLYGON_OVER_M2 = 40_000  # over 4 hectares, a point is not enough: the plot's polygon
PRIVATE_KIND = "eudr"  # photos of declarations and land documents: never served to the public
COUNTRY = "TH"
MAX_LAYER_AREAS = 20_000
# A boundary that only touches an area (a plot whose edge runs along a reserve's line) meets it with no area: only an
# overlap larger than this flags it. A point on the line flags: a point says nothing of the plot's extent.
MIN_OVERLAP_M2 = 1.0


class EudrError(DomainError):
    message = _l("This due diligence record could not be saved.")


# ---------------------------------------------------------------- recording a plot's evidence
def _guard(acting: User, plot: Plot) -> None:
    if not may_record_for(acting, plot):
        raise NotAllowed()


def _store(data: bytes) -> str:
    return storage.save_image(PRIVATE_KIND, process_photo(data, current_app.config["PHOTO_MAX_BYTES"]))


def declare(acting: User, plot: Plot, kind: PledgeKind, image: bytes, witness_name: str = "") -> CutoffDeclaration:
    """The farmer declares the land was not forest on 31 December 2020: a signature, or a photo of the declaration
    made aloud before a named witness."""
    _guard(acting, plot)
    witness_name = " ".join(witness_name.split())[:120]
    if kind is PledgeKind.WITNESSED and not witness_name:
        raise EudrError(_l("Write the name of the witness to the spoken declaration."))
    if not image:
        raise EudrError(_l("Sign in the box, or add the photo of the declaration."))
    declaration = CutoffDeclaration(plot_id=plot.id, kind=kind, image=_store(image), witness_name=witness_name,
                                    declared_by_id=plot.owner_id, recorded_by_id=acting.id)
    db.session.add(declaration)
    db.session.flush()
    return declaration


@dataclass
class LandDocumentData:
    doc_type: LandDocumentType
    number: str
    raot_number: str = ""
    other_type: str = ""


def record_land_document(acting: User, plot: Plot, data: LandDocumentData, image: bytes) -> LandDocument:
    _guard(acting, plot)
    number = " ".join(data.number.split())
    if not number:
        raise EudrError(_l("Write the document's number."))
    if data.doc_type is LandDocumentType.OTHER and not data.other_type.strip():
        raise EudrError(_l("Say which document it is."))
    if not image:
        raise EudrError(_l("Add a photo of the document."))
    document = LandDocument(plot_id=plot.id, doc_type=data.doc_type, other_type=" ".join(data.other_type.split())[:80],
                            number=number[:60], raot_number=" ".join(data.raot_number.split())[:40],
                            image=_store(image), recorded_by_id=acting.id)
    db.session.add(document)
    db.session.flush()
    return document


def add_evidence(acting: User, plot: Plot, image: bytes, caption: str = "") -> CutoffEvidence:
    _guard(acting, plot)
    if not image:
        raise EudrError(_l("Add a photo of the evidence."))
    evidence = CutoffEvidence(plot_id=plot.id, image=_store(image), caption=" ".join(caption.split())[:300],
                              recorded_by_id=acting.id)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def _newest(model, plot_ids: list[int]) -> dict[int, object]:
    """Each plot's newest row of `model`, in one query."""
    if not plot_ids:
        return {}
    newest = sa.select(sa.func.max(model.id)).where(model.plot_id.in_(plot_ids)).group_by(model.plot_id)
    return {row.plot_id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(newest)))}


def history(plot: Plot) -> dict[str, list]:
    """Everything recorded for the plot, newest first."""
    def rows(model):
        return list(db.session.scalars(sa.select(model).where(model.plot_id == plot.id).order_by(model.id.desc())))

    return {"declarations": rows(CutoffDeclaration), "documents": rows(LandDocument), "evidence": rows(CutoffEvidence),
            "flags": rows(RiskFlag)}


def private_image(kind: str, row_id: int, user: User) -> tuple[str, int] | None:
    """(stored name, the plot's farmer) of a declaration's, document's or evidence's photo, for those who may record
    for its plot."""
    model = {"declaration": CutoffDeclaration, "document": LandDocument, "evidence": CutoffEvidence}.get(kind)
    row = db.session.get(model, row_id) if model else None
    if row is None:
        return None
    plot = db.session.get(Plot, row.plot_id)
    return (row.image, plot.owner_id) if plot is not None and may_record_for(user, plot) else None


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
    checks = _newest(RiskCheck, [plot.id for plot in plots])
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


# ---------------------------------------------------------------- readiness
@dataclass(frozen=True)
class Gap:
    code: str  # geolocation, polygon, planting_year, evidence, declaration, land_document, flag, excluded
    message: str


@dataclass
class Readiness:
    plot: Plot
    place: Geolocation
    planting_year: int | None
    declaration: CutoffDeclaration | None
    document: LandDocument | None
    evidence: CutoffEvidence | None
    flags: list[RiskFlag] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.gaps

    @property
    def missing(self) -> list[str]:
        return [gap.message for gap in self.gaps]

    @property
    def open_flags(self) -> list[RiskFlag]:
        return [flag for flag in self.flags if flag.open]

    @property
    def hectares(self) -> float:
        return self.place.area_m2 / 10_000

    @property
    def public_position(self) -> tuple[float, float] | None:
        """(longitude, latitude) rounded to about a kilometre: what the public trace page may show."""
        place = self.place
        if place.ring is not None:
            inside = Polygon(place.ring).representative_point()
            return boundaries.rounded(inside.x, inside.y)
        if place.placed:
            return boundaries.rounded(float(place.longitude), float(place.latitude))
        return None


def readiness(plots: list[Plot]) -> dict[int, Readiness]:
    """Each plot's record and what it lacks, in a fixed number of queries however many plots (checks against the
    layers are made where missing: the caller commits)."""
    ids = [plot.id for plot in plots]
    places = geolocations(plots)
    years = dict(db.session.execute(sa.select(RubberProfile.plot_id, RubberProfile.planting_year)
                                    .where(RubberProfile.plot_id.in_(ids))).all()) if ids else {}
    declarations, documents = _newest(CutoffDeclaration, ids), _newest(LandDocument, ids)
    evidence = _newest(CutoffEvidence, ids)
    flags = flags_of(ensure_checked(plots, places))
    found = {}
    for plot in plots:
        entry = Readiness(plot, places[plot.id], years.get(plot.id), declarations.get(plot.id),
                          documents.get(plot.id), evidence.get(plot.id), flags.get(plot.id, []))
        entry.gaps = _gaps(entry)
        found[plot.id] = entry
    return found


def _gaps(entry: Readiness) -> list[Gap]:
    gaps = []
    place = entry.place
    if not place.placed:
        gaps.append(Gap("geolocation", _("Missing geolocation: no position and no boundary.")))
    elif place.ring is None and place.area_m2 > POLYGON_OVER_M2:
        gaps.append(Gap("polygon", _("Missing geolocation: over 4 ha (%(ha)s ha), the plot needs its boundary, not "
                                     "a point.", ha=f"{place.area_m2 / 10_000:.2f}")))
    if entry.planting_year is None:
        gaps.append(Gap("planting_year", _("No planting year in the rubber details.")))
    elif entry.planting_year > CUTOFF_YEAR and entry.evidence is None:
        gaps.append(Gap("evidence", _("Planted in %(year)s, after 2020: add a photo or document showing the land "
                                      "was not forest on 31 December 2020.", year=entry.planting_year)))
    if entry.declaration is None:
        gaps.append(Gap("declaration", _("No declaration that the land was not forest on 31 December 2020.")))
    if entry.document is None:
        gaps.append(Gap("land_document", _("No land document.")))
    for flag in entry.flags:
        if flag.open:
            gaps.append(Gap("flag", _("Needs review: meets %(area)s (%(layer)s), overlap %(m2)s m².",
                                      area=flag.area_name or "—", layer=flag.layer_name, m2=f"{flag.overlap_m2:,.0f}")))
        elif flag.decision is FlagDecision.EXCLUDED:
            gaps.append(Gap("excluded", _("Excluded by a coordinator: %(reasons)s", reasons=flag.reasons)))
    return gaps


# ---------------------------------------------------------------- lots
@dataclass
class LotEudr:
    lot: Lot
    plots: list[Readiness]

    @property
    def ready(self) -> bool:
        return bool(self.plots) and all(entry.ready for entry in self.plots)

    @property
    def not_ready(self) -> list[Readiness]:
        return [entry for entry in self.plots if not entry.ready]


def lot_plots(lot: Lot) -> list[Plot]:
    """The plots the lot's rubber came from, with their farmers and districts, in one query."""
    in_lot = (sa.select(Harvest.plot_id).join(LotHarvest, LotHarvest.harvest_id == Harvest.id)
              .where(LotHarvest.lot_id == lot.id))
    return list(db.session.scalars(sa.select(Plot).where(Plot.id.in_(in_lot))
                                   .options(joinedload(Plot.owner), joinedload(Plot.district)).order_by(Plot.code)))


def lot_status(lot: Lot) -> LotEudr:
    plots = lot_plots(lot)
    found = readiness(plots)
    return LotEudr(lot, [found[plot.id] for plot in plots])


def is_exporter(user: User, lot: Lot) -> bool:
    return db.session.get(Membership, (lot.buyer_id, user.id)) is not None


def record_statement(acting: User, lot: Lot, reference: str, verification: str) -> LotStatement:
    """The numbers of the statement the exporter submitted, for a ready lot; with the fingerprint of the geolocation
    file as it is now, so a later change (a new boundary, a plot added) shows as a file that differs."""
    if not is_exporter(acting, lot):
        raise NotAllowed()
    reference, verification = " ".join(reference.split()), " ".join(verification.split())
    if not reference or not verification:
        raise EudrError(_l("Write both numbers the EU system returned."))
    status = lot_status(lot)
    if not status.ready:
        raise EudrError(_l("The lot is not ready: a statement needs every plot's record complete."))
    statement = LotStatement(lot_id=lot.id, reference_number=reference[:60], verification_number=verification[:60],
                             file_sha256=files_fingerprint(geolocation_files(lot, status)), recorded_by_id=acting.id)
    db.session.add(statement)
    db.session.flush()
    return statement


def statement_of(lot: Lot) -> LotStatement | None:
    return db.session.scalar(sa.select(LotStatement).where(LotStatement.lot_id == lot.id)
                             .order_by(LotStatement.id.desc()).limit(1))


# ---------------------------------------------------------------- the geolocation file
SIX = "{:.6f}"


def production_place(plot: Plot, locale: str = "th") -> str:
    parts = [plot.name or "", plot.village, plot.subdistrict, plot.district.name(locale),
             plot.district.province(locale)]
    return f"{plot.code} · " + ", ".join(part for part in parts if part)


def _feature(entry: Readiness) -> tuple[dict, list]:
    """A Feature with its geometry's coordinates held apart (written with six decimals afterwards)."""
    plot, place = entry.plot, entry.place
    properties = {"ProducerName": plot.owner.display_name, "ProducerCountry": COUNTRY,
                  "ProductionPlace": production_place(plot)}
    if place.ring is not None:
        ring = list(orient(Polygon(place.ring), 1.0).exterior.coords)  # RFC 7946: counterclockwise
        return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon"}}, [ring]
    properties["Area"] = round(place.area_m2 / 10_000, 4)  # hectares, for a point
    return ({"type": "Feature", "properties": properties, "geometry": {"type": "Point"}},
            [float(place.longitude), float(place.latitude)])


def _coordinates(value) -> str:
    if isinstance(value, (int, float)):
        return SIX.format(value)
    if value and isinstance(value[0], (int, float)):
        return "[" + ",".join(SIX.format(x) for x in value) + "]"
    return "[" + ",".join(_coordinates(part) for part in value) + "]"


def _dump_feature(feature: dict, coordinates) -> str:
    """One Feature as JSON, its coordinates written with six decimals (json would write 100.5 for 100.500000)."""
    text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
    marker = '"type":"%s"}' % feature["geometry"]["type"]
    at = text.rindex(marker)
    return text[:at] + '"type":"%s","coordinates":%s}' % (feature["geometry"]["type"], _coordinates(coordinates)) + \
        text[at + len(marker):]


def geolocation_files(lot: Lot, status: LotEudr | None = None) -> list[tuple[str, bytes]]:
    """The lot's geolocation as one FeatureCollection per file, one Feature per plot; split into several files when
    one would pass EUDR_FILE_MAX_BYTES."""
    status = status or lot_status(lot)
    limit = current_app.config["EUDR_FILE_MAX_BYTES"]
    head, tail = '{"type":"FeatureCollection","features":[', "]}"
    parts: list[list[str]] = [[]]
    size = len(head) + len(tail)
    for entry in status.plots:
        if not entry.place.placed:
            continue
        text = _dump_feature(*_feature(entry))
        extra = len(text.encode()) + (1 if parts[-1] else 0)
        if parts[-1] and size + extra > limit:
            parts.append([])
            size = len(head) + len(tail)
            extra = len(text.encode())
        parts[-1].append(text)
        size += extra
    files = [(head + ",".join(part) + tail).encode() for part in parts]
    if len(files) == 1:
        return [(f"eudr-lot-{lot.code}.geojson", files[0])]
    return [(f"eudr-lot-{lot.code}-part-{n}-of-{len(files)}.geojson", data) for n, data in enumerate(files, start=1)]


def files_fingerprint(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for _name, data in files:
        digest.update(data)
    return digest.hexdigest()


def zipped(files: list[tuple[str, bytes]], note: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("README.txt", note)
    return buffer.getvalue()


# ---------------------------------------------------------------- the group manager's desk
def group_plots(group_id: int) -> list[Plot]:
    """The group's member rubber plots."""
    return list(db.session.scalars(sa.select(Plot).where(Plot.group_id == group_id, Plot.plot_type == PlotType.RUBBER)
                                   .order_by(Plot.code)))

