"""EUDR due diligence for rubber lots (Regulation (EU) 2023/1115 as amended by 2025/2650).

A plot's record is complete when it has
- geolocation: a point, or its boundary when it is over 4 ha;
- cut-off evidence: the planting year by 2020 (from the rubber details) or, planted later, a further photo or
  document, and the farmer's declaration that the land was not forest on 31 December 2020;
- legality: a land document with its number and photo;
and no open flag: its geolocation is checked against the reference layers in force, and a plot meeting an area is
"needs review" until a coordinator decides (eudr_risk). A lot is ready when every contributing plot is; what goes to
the EU for it, the geolocation file and the statement, is eudr_export's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from shapely.geometry import Polygon
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import User
from greensmile.certification.models import PledgeKind
from greensmile.extensions import db
from greensmile.geo import boundaries
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.plots.models import Plot, PlotType
from greensmile.rubber.errors import EudrError, NotAllowed
from greensmile.rubber.eudr_models import (
    CutoffDeclaration,
    CutoffEvidence,
    FlagDecision,
    LandDocument,
    LandDocumentType,
    RiskFlag,
)
from greensmile.rubber.eudr_risk import Geolocation, ensure_checked, flags_of, geolocations, newest
from greensmile.rubber.models import Harvest, Lot, LotHarvest, RubberProfile
from greensmile.rubber.services import may_record_for

CUTOFF_YEAR = 2020  # land not deforested after 31 December 2020
POLYGON_OVER_M2 = 40_000  # over 4 hectares, a point is not enough: the plot's polygon
PRIVATE_KIND = "eudr"  # photos of declarations and land documents: never served to the public


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
    declarations, documents = newest(CutoffDeclaration, ids), newest(LandDocument, ids)
    evidence = newest(CutoffEvidence, ids)
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


# ---------------------------------------------------------------- the group manager's desk
def group_plots(group_id: int) -> list[Plot]:
    """The group's member rubber plots."""
    return list(db.session.scalars(sa.select(Plot).where(Plot.group_id == group_id, Plot.plot_type == PlotType.RUBBER)
                                   .order_by(Plot.code)))

