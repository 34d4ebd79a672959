"""Certification data. A standard is a row; certification is keyed by (plot, standard).

Submitted inspections, decisions, status events and residue tests are append-only: corrections are
new rows that supersede old ones. Published charter versions are frozen (see guards.py).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db
from greensmile.plots.models import Crop, Plot


class StandardKind(enum.Enum):
    PGS_ORGANIC = "pgs_organic"  # the network's participatory organic charter
    FSC_GROUP = "fsc_group"  # FSC group forest management (rubber), later


class Standard(TimestampMixin, db.Model):
    __tablename__ = "standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_th: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[StandardKind] = mapped_column(enum_type(StandardKind))
    validity_months: Mapped[int] = mapped_column(default=12)
    # FSC group certification: one certificate held by a group for its members' plots. A member plot counts as
    # certified only while its group's certificate is valid (GroupCertificate).
    held_by_group: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    versions: Mapped[list[StandardVersion]] = relationship(
        back_populates="standard", order_by="StandardVersion.number"
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_th


class VersionStatus(enum.Enum):
    DRAFT = "draft"  # being written by a coordinator; not used by inspections
    PUBLISHED = "published"  # frozen; the newest published version is the one in force


class StandardVersion(TimestampMixin, db.Model):
    __tablename__ = "standard_versions"
    __table_args__ = (sa.UniqueConstraint("standard_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(enum_type(VersionStatus), default=VersionStatus.DRAFT)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    is_demo_default: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    standard: Mapped[Standard] = relationship(back_populates="versions")
    sections: Mapped[list[ChecklistSection]] = relationship(
        back_populates="version", order_by="ChecklistSection.position", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.standard.code} v{self.number}"

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]


class ChecklistSection(db.Model):
    __tablename__ = "checklist_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("standard_versions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title_th: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))

    version: Mapped[StandardVersion] = relationship(back_populates="sections")
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="section", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_th


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_sections.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    ref: Mapped[str] = mapped_column(sa.String(12))
    text_th: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    critical: Mapped[bool] = mapped_column(default=False)

    section: Mapped[ChecklistSection] = relationship(back_populates="items")

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" and self.text_en else self.text_th


class CertStatus(enum.Enum):
    NOT_CERTIFIED = "not_certified"  # never certified under this standard
    IN_CONVERSION = "in_conversion"  # follows the charter, conversion period not over: not sold as organic
    CERTIFIED = "certified"  # certified, valid until valid_until
    CERTIFIED_WITH_CONDITIONS = "certified_with_conditions"  # certified, with conditions to meet
    SUSPENDED = "suspended"  # certificate paused with a reason, pending a fix or an investigation
    REVOKED = "revoked"  # certificate withdrawn with a reason; conversion starts again
    EXPIRED = "expired"  # valid_until has passed without renewal
    GROUP_LAPSED = "group_lapsed"  # computed, never stored: the group's certificate is not valid that day

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_valid_certificate(self) -> bool:
        return self in (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS)


STATUS_LABELS = {
    CertStatus.NOT_CERTIFIED: _l("Not certified"),
    CertStatus.IN_CONVERSION: _l("In conversion"),
    CertStatus.CERTIFIED: _l("Certified"),
    CertStatus.CERTIFIED_WITH_CONDITIONS: _l("Certified with conditions"),
    CertStatus.SUSPENDED: _l("Suspended"),
    CertStatus.REVOKED: _l("Revoked"),
    CertStatus.EXPIRED: _l("Expired"),
    CertStatus.GROUP_LAPSED: _l("Not certified: the group's certificate is not valid"),
}


class Certification(db.Model):
    """The standing of one plot under one standard; its history is in CertificationEvent."""

    __tablename__ = "certifications"
    __table_args__ = (sa.UniqueConstraint("plot_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"), index=True)
    status: Mapped[CertStatus] = mapped_column(enum_type(CertStatus), default=CertStatus.NOT_CERTIFIED)
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None] = mapped_column(index=True)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("standard_versions.id"))
    last_inspected_on: Mapped[date | None]
    # The status to return to when a suspension is lifted.
    status_before_suspension: Mapped[CertStatus | None] = mapped_column(enum_type(CertStatus))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    plot: Mapped[Plot] = relationship()
    standard: Mapped[Standard] = relationship()
    version: Mapped[StandardVersion | None] = relationship()
    events: Mapped[list[CertificationEvent]] = relationship(
        back_populates="certification", order_by="CertificationEvent.id"
    )

    def effective_status(self, today: date) -> CertStatus:
        """The status as of today: a certificate whose date has passed has expired, cron or no cron."""
        if self.valid_until is not None and self.valid_until < today and self.status in EXPIRES:
            return CertStatus.EXPIRED
        return self.status


# Statuses that lapse by themselves once valid_until has passed.
EXPIRES = {
    CertStatus.IN_CONVERSION,
    CertStatus.CERTIFIED,
    CertStatus.CERTIFIED_WITH_CONDITIONS,
    CertStatus.SUSPENDED,
}


class EventKind(enum.Enum):
    DECISION = "decision"  # the committee decided on an application
    SUSPENSION = "suspension"  # suspended, with a reason
    REINSTATEMENT = "reinstatement"  # a suspension lifted
    REVOCATION = "revocation"  # revoked, with a reason
    EXPIRY = "expiry"  # the validity date passed


class CertificationEvent(db.Model):
    """One status change: who, when, from what to what, why. Append-only."""

    __tablename__ = "certification_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    from_status: Mapped[CertStatus] = mapped_column(enum_type(CertStatus))
    to_status: Mapped[CertStatus] = mapped_column(enum_type(CertStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certification: Mapped[Certification] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ApplicationStatus(enum.Enum):
    SUBMITTED = "submitted"  # the farmer applied; waiting for a coordinator to assign inspectors
    ASSIGNED = "assigned"  # inspectors and a date are set; waiting for the visit
    INSPECTED = "inspected"  # at least one inspection arrived; waiting for the committee
    DECIDED = "decided"  # the committee decided
    WITHDRAWN = "withdrawn"  # withdrawn by the farmer or a coordinator before a decision

    @property
    def label(self) -> str:
        return str(APPLICATION_STATUS_LABELS[self])


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: _l("Waiting for inspectors to be assigned"),
    ApplicationStatus.ASSIGNED: _l("Waiting for the inspection visit"),
    ApplicationStatus.INSPECTED: _l("Waiting for the committee's decision"),
    ApplicationStatus.DECIDED: _l("Decided"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


class PledgeKind(enum.Enum):
    SIGNATURE = "signature"  # signed on screen
    WITNESSED = "witnessed"  # pledged aloud before a witness; a photo of the moment

    @property
    def label(self) -> str:
        return str(PLEDGE_KIND_LABELS[self])


PLEDGE_KIND_LABELS = {
    PledgeKind.SIGNATURE: _l("signed on the screen"),
    PledgeKind.WITNESSED: _l("said aloud before a witness, who took a photo"),
}


OPEN_STATUSES_SQL = "status IN ('submitted', 'assigned', 'inspected')"


class Application(TimestampMixin, db.Model):
    __tablename__ = "applications"
    # At most one open application per (plot, standard), however many taps arrive at once.
    __table_args__ = (
        sa.Index("uq_applications_open_per_certification", "certification_id", unique=True,
                 sqlite_where=sa.text(OPEN_STATUSES_SQL), postgresql_where=sa.text(OPEN_STATUSES_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey("certifications.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("standard_versions.id"))
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus), default=ApplicationStatus.SUBMITTED, index=True
    )
    pledge_kind: Mapped[PledgeKind] = mapped_column(enum_type(PledgeKind))
    pledge_image: Mapped[str] = mapped_column(sa.String(64))
    witness_name: Mapped[str] = mapped_column(sa.String(120), default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")

    certification: Mapped[Certification] = relationship()
    version: Mapped[StandardVersion] = relationship()
    applicant: Mapped[User] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="application", order_by="Assignment.id")
    inspections: Mapped[list[Inspection]] = relationship(back_populates="application", order_by="Inspection.id")
    decisions: Mapped[list[Decision]] = relationship(back_populates="application", order_by="Decision.id")

    @property
    def plot(self) -> Plot:
        return self.certification.plot


class Assignment(TimestampMixin, db.Model):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("application_id", "inspector_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    scheduled_on: Mapped[date]
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    application: Mapped[Application] = relationship(back_populates="assignments")
    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])


class Outcome(enum.Enum):
    CERTIFY = "certify"  # meets the charter
    CERTIFY_WITH_CONDITIONS = "certify_with_conditions"  # meets it, with conditions to fix by a date
    IN_CONVERSION = "in_conversion"  # follows the charter, conversion period not yet over
    REJECT = "reject"  # does not meet the charter

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    Outcome.CERTIFY: _l("Certify"),
    Outcome.CERTIFY_WITH_CONDITIONS: _l("Certify with conditions"),
    Outcome.IN_CONVERSION: _l("In conversion"),
    Outcome.REJECT: _l("Reject"),
}


class Answer(enum.Enum):
    COMPLIANT = "compliant"  # meets the item
    NON_COMPLIANT = "non_compliant"  # does not meet it
    NOT_APPLICABLE = "not_applicable"  # does not apply to this plot

    @property
    def label(self) -> str:
        return str(ANSWER_LABELS[self])


ANSWER_LABELS = {
    Answer.COMPLIANT: _l("Compliant"),
    Answer.NON_COMPLIANT: _l("Not compliant"),
    Answer.NOT_APPLICABLE: _l("Not applicable"),
}


# The crops registered on the plot when an inspection was recorded: what the inspector saw. Written once.
inspection_crops = sa.Table(
    "inspection_crops",
    db.metadata,
    sa.Column("inspection_id", sa.ForeignKey("inspections.id"), primary_key=True),
    sa.Column("crop_id", sa.ForeignKey("crops.id", ondelete="RESTRICT"), primary_key=True),
)


class Inspection(db.Model):
    """One visit's record, made on the inspector's phone. Never edited; a correction supersedes it."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("standard_versions.id"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    accuracy_m: Mapped[int | None]
    recommendation: Mapped[Outcome] = mapped_column(enum_type(Outcome))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="inspections")
    inspector: Mapped[User] = relationship()
    version: Mapped[StandardVersion] = relationship()
    answers: Mapped[list[InspectionAnswer]] = relationship(back_populates="inspection", order_by="InspectionAnswer.id")
    crops: Mapped[list[Crop]] = relationship(secondary=inspection_crops, order_by=Crop.name_th)
    photos: Mapped[list[InspectionPhoto]] = relationship(back_populates="inspection", order_by="InspectionPhoto.id")
    supersedes: Mapped[Inspection | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])


class InspectionAnswer(db.Model):
    __tablename__ = "inspection_answers"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_items.id"))
    answer: Mapped[Answer] = mapped_column(enum_type(Answer))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    inspection: Mapped[Inspection] = relationship(back_populates="answers")
    item: Mapped[ChecklistItem] = relationship()


class InspectionPhoto(TimestampMixin, db.Model):
    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checklist_items.id"))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]

    inspection: Mapped[Inspection] = relationship(back_populates="photos")


# The crops a decision covers: those registered on the plot when the committee decided. Written once with the
# decision, never edited; a crop added to the plot later is "not yet inspected" until a later decision covers it.
decision_crops = sa.Table(
    "decision_crops",
    db.metadata,
    sa.Column("decision_id", sa.ForeignKey("decisions.id"), primary_key=True),
    sa.Column("crop_id", sa.ForeignKey("crops.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Decision(db.Model):
    """The committee's decision on an application. Append-only."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome))
    reasons: Mapped[str] = mapped_column(sa.Text)
    conditions: Mapped[str] = mapped_column(sa.Text, default="")
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    # The plot's area when it was decided on: what the certificate covers, whatever is typed in later.
    area_m2: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="decisions")
    decided_by: Mapped[User] = relationship()
    crops: Mapped[list[Crop]] = relationship(secondary=decision_crops, order_by=Crop.name_th)


class ResidueMethod(enum.Enum):
    RAPID = "rapid"  # a rapid test kit (e.g. GT-test) on site
    LAB = "lab"  # a laboratory analysis

    @property
    def label(self) -> str:
        return str(RESIDUE_METHOD_LABELS[self])


RESIDUE_METHOD_LABELS = {ResidueMethod.RAPID: _l("Rapid test"), ResidueMethod.LAB: _l("Laboratory")}


class ResidueResult(enum.Enum):
    PASSED = "passed"  # nothing found, or below the limit
    FAILED = "failed"  # found above the limit: unsafe
    INCONCLUSIVE = "inconclusive"  # needs a new or laboratory test

    @property
    def label(self) -> str:
        return str(RESIDUE_RESULT_LABELS[self])


RESIDUE_RESULT_LABELS = {
    ResidueResult.PASSED: _l("Passed"),
    ResidueResult.FAILED: _l("Failed"),
    ResidueResult.INCONCLUSIVE: _l("Inconclusive"),
}


class ResidueTest(TimestampMixin, db.Model):
    __tablename__ = "residue_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(sa.ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    tested_on: Mapped[date]
    sample: Mapped[str] = mapped_column(sa.String(200))
    substance: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[ResidueMethod] = mapped_column(enum_type(ResidueMethod))
    result: Mapped[ResidueResult] = mapped_column(enum_type(ResidueResult))
    value: Mapped[str] = mapped_column(sa.String(100), default="")
    laboratory: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    tested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    plot: Mapped[Plot] = relationship()
    tested_by: Mapped[User | None] = relationship()

