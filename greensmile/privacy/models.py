from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import UTCDateTime, enum_type, utcnow
from greensmile.extensions import db


class Purpose(enum.Enum):
    """What a person may agree to, one purpose at a time (consent is the lawful basis for these, PDPA §19, §24)."""

    PUBLIC_NAME = "public_name"  # the farmer's name on the public QR pages, the read API and the farm directory
    FARM_DIRECTORY = "farm_directory"  # the farmer's plots in the public directory and map of certified farms
    LINE_MESSAGES = "line_messages"  # notices through LINE, whose servers are abroad (PDPA §28)
    PEOPLE_PHOTOS = "people_photos"  # photos of their plots in which people can be recognised, on the public pages

    @property
    def label(self) -> str:
        return str(PURPOSE_LABELS[self])


PURPOSE_LABELS = {
    Purpose.PUBLIC_NAME: _l("Show my name on the public pages of my plots (the QR code pages)"),
    Purpose.FARM_DIRECTORY: _l("List my certified plots in the public farm directory and map"),
    Purpose.LINE_MESSAGES: _l("Send my notices through LINE"),
    Purpose.PEOPLE_PHOTOS: _l("Show the photos of my plots in which people can be recognised on the public pages"),
}


class ConsentMethod(enum.Enum):
    ON_SCREEN = "on_screen"  # the person chose it on their own screen
    WITNESSED = "witnessed"  # the person told a coordinator, who recorded it
    ERASED = "erased"  # the account was erased: every consent ended with it

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self])


METHOD_LABELS = {
    ConsentMethod.ON_SCREEN: _l("on their own screen"),
    ConsentMethod.WITNESSED: _l("told a coordinator, who recorded it"),
    ConsentMethod.ERASED: _l("ended when the account was erased"),
}


class Consent(db.Model):
    """One answer of a person for one purpose. Never changed: a new answer is added, and the newest one counts, so
    the history says who agreed or withdrew, when and how."""

    __tablename__ = "consents"
    __table_args__ = (sa.Index("ix_consents_user_purpose", "user_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose))
    given: Mapped[bool]
    method: Mapped[ConsentMethod] = mapped_column(enum_type(ConsentMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The privacy notice in force when the answer was given (none before the first was published).
    notice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("privacy_notices.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    notice: Mapped[Notice | None] = relationship()


class Notice(db.Model):
    """A version of the privacy notice (PDPA §23), in Thai and English. Published versions never change; the newest
    published one is in force, and everyone is asked to acknowledge it."""

    __tablename__ = "privacy_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body_th: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    published_by: Mapped[User | None] = relationship()

    def body(self, locale: str) -> str:
        return self.body_en if locale == "en" and self.body_en else self.body_th


class Acknowledgement(db.Model):
    """A person acknowledged a notice version: read it on their own screen, or had it read to them by a
    coordinator, who records it (as the PGS pledge is witnessed)."""

    __tablename__ = "privacy_acknowledgements"
    __table_args__ = (sa.UniqueConstraint("user_id", "notice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("privacy_notices.id", ondelete="RESTRICT"), index=True)
    method: Mapped[ConsentMethod] = mapped_column(enum_type(ConsentMethod))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[Notice] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class AccessKind(enum.Enum):
    PHONE = "phone"  # a page showed the person's phone number
    EXPORT = "export"  # a file with the person's phone number was downloaded
    LAND_DOCUMENT = "land_document"  # the photo of the person's land document was opened

    @property
    def label(self) -> str:
        return str(ACCESS_KIND_LABELS[self])


ACCESS_KIND_LABELS = {
    AccessKind.PHONE: _l("saw your phone number"),
    AccessKind.EXPORT: _l("downloaded a file with your phone number"),
    AccessKind.LAND_DOCUMENT: _l("opened the photo of your land document"),
}


class AccessLog(db.Model):
    """Someone other than the person saw their personal data: who, what, where, when. The person sees it."""

    __tablename__ = "privacy_access_log"
    __table_args__ = (sa.Index("ix_privacy_access_log_subject", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[AccessKind] = mapped_column(enum_type(AccessKind))
    detail: Mapped[str] = mapped_column(sa.String(200), default="")  # the page or file, e.g. "plot SK001R"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class Incident(db.Model):
    """A suspected personal data breach (PDPA §37(4)): when it was discovered, what it touched, and when the
    regulator and the people were told; the regulator is due notice within 72 hours of discovery where feasible."""

    __tablename__ = "privacy_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    data_affected: Mapped[str] = mapped_column(sa.Text, default="")  # which data, whose, about how many people
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    regulator_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    people_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actions: Mapped[str] = mapped_column(sa.Text, default="")  # what was done to contain it and why
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by: Mapped[User | None] = relationship()


class ErasureStatus(enum.Enum):
    ASKED = "asked"  # the person asked; a coordinator decides by the due day
    ERASED = "erased"  # carried out: what could go is gone, what must be kept is pseudonymised under holds
    REFUSED = "refused"  # refused, with the reason the person is told

    @property
    def label(self) -> str:
        return str(ERASURE_STATUS_LABELS[self])


ERASURE_STATUS_LABELS = {
    ErasureStatus.ASKED: _l("Waiting for a decision"),
    ErasureStatus.ERASED: _l("Erased"),
    ErasureStatus.REFUSED: _l("Refused"),
}
ERASURE_MOVES = {ErasureStatus.ASKED: {ErasureStatus.ERASED, ErasureStatus.REFUSED},
                 ErasureStatus.ERASED: set(), ErasureStatus.REFUSED: set()}


def check_erasure_move(current: ErasureStatus, target: ErasureStatus) -> None:
    if target not in ERASURE_MOVES[current]:
        raise ValueError(f"erasure request {current.value} -> {target.value}")


class ErasureRequest(db.Model):
    """A person's request to be erased (PDPA §33), decided by a coordinator by `due_on`. Once carried out it keeps
    only the pseudonym and what was done: the person's own words are blanked with the rest."""

    __tablename__ = "privacy_erasure_requests"
    __table_args__ = (sa.Index("ix_privacy_erasure_requests_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    method: Mapped[ConsentMethod] = mapped_column(enum_type(ConsentMethod))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date]
    status: Mapped[ErasureStatus] = mapped_column(enum_type(ErasureStatus), default=ErasureStatus.ASKED)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")
    pseudonym: Mapped[str] = mapped_column(sa.String(32), default="")
    # What was erased (counts per kind) and what was kept, with the hold's end: {"erased": {...}, "kept": [...]}
    report: Mapped[dict | None] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class HoldKind(enum.Enum):
    """A kind of record the network must keep after an erasure, and why (written on the hold and its page)."""

    CERTIFICATION = "certification"  # the plots' PGS history: inspections, decisions, pledges
    ACCOUNTS = "accounts"  # orders, payments, kitchens' shares and invoices
    EUDR = "eudr"  # rubber plots' cut-off declarations, land documents and evidence

    @property
    def reason(self) -> str:
        return str(HOLD_REASONS[self])

    @property
    def default_years(self) -> int:
        return {HoldKind.CERTIFICATION: 10, HoldKind.ACCOUNTS: 5, HoldKind.EUDR: 5}[self]


HOLD_REASONS = {
    HoldKind.CERTIFICATION: _l("The plots' PGS history (inspections, decisions, pledges): the network's certification "
                               "must be traceable, as IFOAM's PGS practice and the charter require."),
    HoldKind.ACCOUNTS: _l("Orders, payments, shares and invoices: accounting law (Accounting Act B.E. 2543, §14; "
                          "Revenue Code, §87/3) requires them to be kept for five years."),
    HoldKind.EUDR: _l("EUDR due diligence for rubber lots (Regulation (EU) 2023/1115, Art. 12): kept for five years "
                      "after the lots were placed on the market."),
}


class RetentionHold(db.Model):
    """Records of an erased person that the network keeps, pseudonymised, until `keep_until`, and why. The retention
    run ends the hold when the day has passed, removing what the domain says goes then."""

    __tablename__ = "privacy_retention_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    erasure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("privacy_erasure_requests.id", ondelete="SET NULL"))
    kind: Mapped[HoldKind] = mapped_column(enum_type(HoldKind))
    keep_until: Mapped[date] = mapped_column(index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionRun(db.Model):
    """One run of the retention job: what it erased or pseudonymised, per rule (shown to coordinators)."""

    __tablename__ = "privacy_retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {rule: count}


class ExportStatus(enum.Enum):
    QUEUED = "queued"  # too large to make during the page's request: the worker makes it
    READY = "ready"  # made; downloadable until expires_at
    FAILED = "failed"  # the worker could not make it (the technical team sees the dead job)

    @property
    def label(self) -> str:
        return str(EXPORT_STATUS_LABELS[self])


EXPORT_STATUS_LABELS = {
    ExportStatus.QUEUED: _l("Being made"),
    ExportStatus.READY: _l("Ready"),
    ExportStatus.FAILED: _l("Failed"),
}


class DataExport(db.Model):
    """A person's data made by the worker because it was large: the ZIP, kept a few days for the person (or the
    coordinator who asked for it on their behalf) to download."""

    __tablename__ = "privacy_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ExportStatus] = mapped_column(enum_type(ExportStatus), default=ExportStatus.QUEUED)
    rows: Mapped[int] = mapped_column(default=0)
    size: Mapped[int] = mapped_column(default=0)  # bytes of the ZIP
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"", deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
