"""What a group holds and what an audit asks of a member: the external decisions on a group's certificate, and
corrective action requests raised by audits (a major one left open past its due date suspends the certificate)."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.certification.models import Certification, Inspection, Standard
from greensmile.db import TimestampMixin, UTCDateTime, enum_type
from greensmile.extensions import db


class GroupOutcome(enum.Enum):
    CERTIFIED = "certified"  # the certification body certified the group, from valid_from to valid_until
    SUSPENDED = "suspended"  # the body suspended the group's certificate
    WITHDRAWN = "withdrawn"  # the body withdrew (terminated) the group's certificate

    @property
    def label(self) -> str:
        return str(GROUP_OUTCOME_LABELS[self])


GROUP_OUTCOME_LABELS = {
    GroupOutcome.CERTIFIED: _l("Certified"),
    GroupOutcome.SUSPENDED: _l("Suspended"),
    GroupOutcome.WITHDRAWN: _l("Withdrawn"),
}


class GroupCertificate(TimestampMixin, db.Model):
    """One external audit's decision on a group's certificate, as recorded. Append-only: a later decision
    supersedes; the one in force on a day is the newest decided on or before it."""

    __tablename__ = "group_certificates"
    __table_args__ = (
        sa.CheckConstraint("valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from",
                           name="valid_range"),
        sa.Index("ix_group_certificates_organisation_id_standard_id", "organisation_id", "standard_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("standards.id"))
    outcome: Mapped[GroupOutcome] = mapped_column(enum_type(GroupOutcome))
    certificate_number: Mapped[str] = mapped_column(sa.String(60))
    certification_body: Mapped[str] = mapped_column(sa.String(200))
    decided_on: Mapped[date]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    standard: Mapped[Standard] = relationship()

    def valid_on(self, day: date) -> bool:
        return (self.outcome is GroupOutcome.CERTIFIED and self.valid_from is not None
                and self.valid_until is not None and self.valid_from <= day <= self.valid_until)



class Severity(enum.Enum):
    MAJOR = "major"  # left open past its due date, it suspends the plot's certificate under that standard
    MINOR = "minor"  # to be put right; it does not suspend by itself

    @property
    def label(self) -> str:
        return str(SEVERITY_LABELS[self])


SEVERITY_LABELS = {Severity.MAJOR: _l("Major"), Severity.MINOR: _l("Minor")}


class CorrectiveAction(TimestampMixin, db.Model):
    """A corrective action request: what an audit found wrong, by when it must be put right, and the evidence."""

    __tablename__ = "corrective_actions"
    __table_args__ = (sa.Index("ix_corrective_actions_open_due", "closed_at", "severity", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certification_id: Mapped[int] = mapped_column(sa.ForeignKey("certifications.id", ondelete="CASCADE"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inspections.id"))
    severity: Mapped[Severity] = mapped_column(enum_type(Severity))
    finding: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date]
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    evidence_note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_photo: Mapped[str] = mapped_column(sa.String(64), default="")
    # Set when this request, open past its due date, suspended the certificate.
    suspended_on: Mapped[date | None]

    certification: Mapped[Certification] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
