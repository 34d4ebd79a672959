"""EUDR due diligence for rubber (Regulation (EU) 2023/1115): per plot, the cut-off declaration, the land document and
further evidence, each kept with who recorded it and when, the newest counting; the reference layers a coordinator
loads (forest reserves, protected areas, forest cover in 2020), each plot's check against them and the flags a
coordinator decides; per lot, the reference and verification numbers the EU system returned."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.certification.models import PledgeKind
from greensmile.db import UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.plots.models import Plot
from greensmile.rubber.models import Lot


class LandDocumentType(enum.Enum):
    CHANOTE = "chanote"  # โฉนดที่ดิน / น.ส.4: full title
    NS3 = "ns3"  # น.ส.3 / น.ส.3ก: certificate of use
    SPK = "spk_401"  # ส.ป.ก. 4-01: land reform
    PBT5 = "pbt5"  # ภ.บ.ท.5: land tax receipt
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(LAND_DOCUMENT_LABELS[self])


LAND_DOCUMENT_LABELS = {
    LandDocumentType.CHANOTE: _l("Title deed (โฉนด / น.ส.4)"),
    LandDocumentType.NS3: _l("Certificate of use (น.ส.3 / น.ส.3ก)"),
    LandDocumentType.SPK: _l("Land reform (ส.ป.ก. 4-01)"),
    LandDocumentType.PBT5: _l("Land tax receipt (ภ.บ.ท.5)"),
    LandDocumentType.OTHER: _l("Another document"),
}


class CutoffDeclaration(db.Model):
    """The farmer's declaration that the plot's land was not forest on 31 December 2020: signed on the screen, or
    made aloud before a witness who photographs it (as the PGS pledge)."""

    __tablename__ = "eudr_declarations"
    __table_args__ = (sa.Index("ix_eudr_declarations_plot", "plot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    kind: Mapped[PledgeKind] = mapped_column(enum_type(PledgeKind))
    image: Mapped[str] = mapped_column(sa.String(64))  # private: the signature or the photo
    witness_name: Mapped[str] = mapped_column(sa.String(120), default="")
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))  # the farmer
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plot: Mapped[Plot] = relationship()
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class LandDocument(db.Model):
    """The right to use the land: the document's type and number, the Rubber Authority of Thailand registration
    where there is one, and a photo of the document, kept private."""

    __tablename__ = "eudr_land_documents"
    __table_args__ = (sa.Index("ix_eudr_land_documents_plot", "plot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    doc_type: Mapped[LandDocumentType] = mapped_column(enum_type(LandDocumentType))
    other_type: Mapped[str] = mapped_column(sa.String(80), default="")
    number: Mapped[str] = mapped_column(sa.String(60))
    raot_number: Mapped[str] = mapped_column(sa.String(40), default="")
    image: Mapped[str] = mapped_column(sa.String(64))  # private
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plot: Mapped[Plot] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def type_label(self) -> str:
        return self.other_type if self.doc_type is LandDocumentType.OTHER and self.other_type else self.doc_type.label


class CutoffEvidence(db.Model):
    """A further photo or document for the cut-off (an old aerial photo, a planting record); needed when the rubber
    was planted after 2020."""

    __tablename__ = "eudr_evidence"
    __table_args__ = (sa.Index("ix_eudr_evidence_plot", "plot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    image: Mapped[str] = mapped_column(sa.String(64))  # private
    caption: Mapped[str] = mapped_column(sa.String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class LayerKind(enum.Enum):
    FOREST_RESERVE = "forest_reserve"
    PROTECTED_AREA = "protected_area"
    FOREST_COVER_2020 = "forest_cover_2020"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(LAYER_KIND_LABELS[self])


LAYER_KIND_LABELS = {
    LayerKind.FOREST_RESERVE: _l("National forest reserves"),
    LayerKind.PROTECTED_AREA: _l("Protected areas"),
    LayerKind.FOREST_COVER_2020: _l("Forest cover in 2020"),
    LayerKind.OTHER: _l("Another layer"),
}


class ReferenceLayer(db.Model):
    """A layer of areas a coordinator loaded from GeoJSON; in force until retired."""

    __tablename__ = "eudr_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[LayerKind] = mapped_column(enum_type(LayerKind))
    source: Mapped[str] = mapped_column(sa.String(300), default="")  # where the coordinator obtained it
    areas_count: Mapped[int] = mapped_column(default=0)
    loaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    loaded_by: Mapped[User | None] = relationship()


class ReferenceArea(db.Model):
    """One area of a layer (a reserve, a park), its GeoJSON geometry and bounding box (to find candidates fast)."""

    __tablename__ = "eudr_layer_areas"
    __table_args__ = (sa.Index("ix_eudr_layer_areas_layer", "layer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer_id: Mapped[int] = mapped_column(sa.ForeignKey("eudr_layers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    geometry: Mapped[dict] = mapped_column(sa.JSON)  # a GeoJSON Polygon or MultiPolygon, [longitude, latitude]
    min_lon: Mapped[float] = mapped_column(sa.Float)
    min_lat: Mapped[float] = mapped_column(sa.Float)
    max_lon: Mapped[float] = mapped_column(sa.Float)
    max_lat: Mapped[float] = mapped_column(sa.Float)

    layer: Mapped[ReferenceLayer] = relationship()


class RiskCheck(db.Model):
    """One plot's geolocation (its boundary, or its point) checked against the layers in force then. A new boundary
    or another set of layers needs a new check."""

    __tablename__ = "eudr_checks"
    __table_args__ = (sa.Index("ix_eudr_checks_plot", "plot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    boundary_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plot_boundaries.id", ondelete="SET NULL"))
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    layers: Mapped[str] = mapped_column(sa.Text)  # the ids of the layers in force, e.g. "1,4"
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FlagDecision(enum.Enum):
    CLEARED = "cleared"  # no deforestation risk after all (the land use predates the reserve, the map is wrong)
    EXCLUDED = "excluded"  # the risk stands: the plot's rubber cannot go into a ready lot

    @property
    def label(self) -> str:
        return str(FLAG_DECISION_LABELS[self])


FLAG_DECISION_LABELS = {
    FlagDecision.CLEARED: _l("Cleared: no deforestation risk"),
    FlagDecision.EXCLUDED: _l("Excluded: the risk stands"),
}


class RiskFlag(db.Model):
    """A plot whose geolocation meets an area of a reference layer: "needs review" until a coordinator decides."""

    __tablename__ = "eudr_flags"
    __table_args__ = (sa.Index("ix_eudr_flags_check", "check_id"), sa.Index("ix_eudr_flags_plot", "plot_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("eudr_checks.id", ondelete="CASCADE"))
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("eudr_layer_areas.id", ondelete="SET NULL"))
    layer_name: Mapped[str] = mapped_column(sa.String(200))
    area_name: Mapped[str] = mapped_column(sa.String(200), default="")
    overlap_m2: Mapped[float] = mapped_column(sa.Float, default=0.0)  # 0 for a point inside the area
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[FlagDecision | None] = mapped_column(enum_type(FlagDecision))
    reasons: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plot: Mapped[Plot] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def open(self) -> bool:
        return self.decision is None


class LotStatement(db.Model):
    """The due diligence statement the exporter submitted for a lot: the reference and verification numbers the EU
    system returned. The newest counts; a correction keeps the earlier one."""

    __tablename__ = "eudr_statements"
    __table_args__ = (sa.Index("ix_eudr_statements_lot", "lot_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("rubber_lots.id", ondelete="CASCADE"))
    reference_number: Mapped[str] = mapped_column(sa.String(60))
    verification_number: Mapped[str] = mapped_column(sa.String(60))
    # SHA-256 of the geolocation file as it was when the statement was recorded (the lot was ready then).
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lot: Mapped[Lot] = relationship()
    recorded_by: Mapped[User | None] = relationship()
