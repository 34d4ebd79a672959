from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import User
from greensmile.db import UTCDateTime, enum_type, utcnow
from greensmile.extensions import db


class Channel(enum.Enum):
    LINE = "line"
    EMAIL = "email"
    NONE = "none"  # not sent at all (the person chose so)

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {Channel.LINE: _l("LINE"), Channel.EMAIL: _l("E-mail"), Channel.NONE: _l("Do not send")}


class Delivery(enum.Enum):
    WAITING = "waiting"  # in the outbox, for the worker
    SENT = "sent"  # by the channel chosen
    FELL_BACK = "fell_back"  # by e-mail instead of LINE (no link, not a friend, the month's LINE quota used up)
    NOT_SENT = "not_sent"  # the person chose not to hear of it, or has neither LINE nor an e-mail address

    @property
    def label(self) -> str:
        return str(DELIVERY_LABELS[self])


DELIVERY_LABELS = {
    Delivery.WAITING: _l("Waiting to be sent"),
    Delivery.SENT: _l("Sent"),
    Delivery.FELL_BACK: _l("Sent by e-mail instead"),
    Delivery.NOT_SENT: _l("Not sent"),
}


def new_retry_key() -> str:
    return str(uuid.uuid4())


class Notification(db.Model):
    """One message to one person, written in their language when the event happened; the worker sends it."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.UniqueConstraint("user_id", "once_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(48))
    # For reminders a daily sweep finds again and again ("certificate 12 expires in 30 days"): said once per person.
    once_key: Mapped[str | None] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    # (label, value) pairs shown as a table in the LINE message: an order's number, total, pickup point.
    facts: Mapped[list] = mapped_column(sa.JSON, default=list)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))  # what the person chose (or the default)
    sent_via: Mapped[Channel | None] = mapped_column(enum_type(Channel))
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery), default=Delivery.WAITING)
    note: Mapped[str] = mapped_column(sa.String(300), default="")  # why it fell back or was not sent
    # Sent with every attempt of a LINE push: LINE delivers a retried push once.
    retry_key: Mapped[str] = mapped_column(sa.String(36), default=new_retry_key, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Choice(db.Model):
    """A person's channel for one kind of notification; without a row, the kind's default."""

    __tablename__ = "notification_choices"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(48))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))


class LineQuota(db.Model):
    """The Official Account's monthly push quota as last read from LINE (by the worker, never by a page)."""

    __tablename__ = "line_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), unique=True)  # "2026-12", Bangkok time
    limit: Mapped[int | None] = mapped_column()  # None: no limit
    used: Mapped[int] = mapped_column(default=0)
    exhausted: Mapped[bool] = mapped_column(default=False)  # LINE answered "monthly limit": e-mail until next month
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineEvent(db.Model):
    """Every LINE webhook event, once: LINE may deliver an event again, and its id makes the second time a no-op."""

    __tablename__ = "line_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(32))
    line_user_id: Mapped[str] = mapped_column(sa.String(64), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
