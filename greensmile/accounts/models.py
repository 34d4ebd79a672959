from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from greensmile.extensions import db


class Role(enum.Enum):
    CONSUMER = "consumer"  # browses, scans QR codes, pre-orders, pays, picks up
    FARMER = "farmer"  # registers plots, applies for certification, lists produce, fills orders
    INSPECTOR = "inspector"  # peer inspector: visits plots and records inspections
    COMMITTEE = "committee"  # reviews inspection reports and decides on certification
    COORDINATOR = "coordinator"  # runs the network: groups, standards, assignments, imports
    BUYER = "buyer"  # member of a buying organisation (hospital kitchen, school, exporter)
    SUPPORTER = "supporter"  # member of a supporting organisation (local government, bank, ...)

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.CONSUMER: _l("Consumer"),
    Role.FARMER: _l("Farmer"),
    Role.INSPECTOR: _l("Inspector"),
    Role.COMMITTEE: _l("Committee"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.BUYER: _l("Buyer"),
    Role.SUPPORTER: _l("Supporter"),
}


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Farmers recorded by a coordinator may have no e-mail and no password until they claim the account.
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    # Home address: with the phone, how a household is recognised (no one inspects their own household).
    address: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(5), default="th")
    is_active: Mapped[bool] = mapped_column(default=True)
    # Rotated with every new password: part of a reset link's fingerprint, so a link stops working once used.
    # (Signed-in devices are UserSession rows, each revoked on its own.)
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner of `email` proved it by opening the link we mailed. A self sign-up cannot sign in before:
    # otherwise signing up would show who already has an account. Accounts made by a coordinator count as confirmed.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="UserRole.user_id",
        lazy="selectin",
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    # The device this request is signed in on, and the secret its cookies carry: set by accounts.sessions when it
    # signs someone in or loads them from a cookie. Not columns; only a hash of the secret is stored.
    device = None  # UserSession | None
    device_secret = None  # str | None

    def get_id(self) -> str:
        # What Flask-Login puts in the session and the remember cookie: it names one UserSession row.
        if self.device_secret is None:
            raise RuntimeError("sign in through greensmile.accounts.sessions, which makes the device record")
        return self.device_secret

    @property
    def can_sign_in(self) -> bool:
        return self.is_active and (self.email is None or self.email_confirmed_at is not None)

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_type(Role), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])


class UserSession(db.Model):
    """One signed-in device (a browser): the session and remember cookies name it; signing out revokes it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # sha256 of the random secret in the cookies: a copy of this table opens no account.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved forward at most every few minutes, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class LineLink(db.Model):
    """A person's LINE account, linked by LINE Login. The Login and Messaging channels sit under one provider, so
    `line_user_id` is the id pushes go to. `friend`: whether they follow the network's Official Account (a push
    needs the friendship); set by LINE Login's friendship flag and by the webhook's follow and unfollow events."""

    __tablename__ = "line_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    line_user_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    friend: Mapped[bool] = mapped_column(default=False)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    friend_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(backref=sa.orm.backref("line_link", uselist=False, passive_deletes=True))
