from __future__ import annotations

import enum
from datetime import datetime

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

    @property
    def label(self) -> str:
        return str(METHOD_LABELS[self])


METHOD_LABELS = {
    ConsentMethod.ON_SCREEN: _l("on their own screen"),
    ConsentMethod.WITNESSED: _l("told a coordinator, who recorded it"),
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
