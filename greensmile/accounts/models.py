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
    # Part of the log-in cookie: rotating it signs the account out everywhere (password change/reset).
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

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
