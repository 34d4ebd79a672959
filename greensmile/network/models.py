from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from greensmile.accounts.models import Role, User
from greensmile.db import TimestampMixin, enum_type
from greensmile.extensions import db
from greensmile.places.models import District


class Category(enum.Enum):
    FARMER_GROUP = "farmer_group"  # farmers who certify, sell or bank trees together
    BUYER = "buyer"  # buys in bulk: kitchens, schools, exporters
    SUPPORTER = "supporter"  # backs the network with money, inputs, training or purchase guarantees


class OrganisationKind(enum.Enum):
    PGS_GROUP = "pgs_group"  # PGS organic farmer group
    FSC_GROUP = "fsc_group"  # FSC group forest management (rubber) group, the certificate holder
    TREE_BANK_GROUP = "tree_bank_group"  # community tree-bank group
    HOSPITAL_KITCHEN = "hospital_kitchen"  # a hospital's kitchen buying for patients and staff
    COMMUNITY_KITCHEN = "community_kitchen"  # community or temple kitchen
    SCHOOL = "school"  # school lunch kitchen
    RUBBER_EXPORTER = "rubber_exporter"  # buys certified rubber lots
    LOCAL_GOVERNMENT = "local_government"  # อบต./เทศบาล/อบจ.
    FOUNDATION = "foundation"  # charitable foundation or NGO
    BANK = "bank"  # e.g. the farmers' bank running the tree bank
    COMPANY = "company"  # private company (CSR, purchase guarantees)

    @property
    def category(self) -> Category:
        return KIND_CATEGORY[self]

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_CATEGORY = {
    OrganisationKind.PGS_GROUP: Category.FARMER_GROUP,
    OrganisationKind.FSC_GROUP: Category.FARMER_GROUP,
    OrganisationKind.TREE_BANK_GROUP: Category.FARMER_GROUP,
    OrganisationKind.HOSPITAL_KITCHEN: Category.BUYER,
    OrganisationKind.COMMUNITY_KITCHEN: Category.BUYER,
    OrganisationKind.SCHOOL: Category.BUYER,
    OrganisationKind.RUBBER_EXPORTER: Category.BUYER,
    OrganisationKind.LOCAL_GOVERNMENT: Category.SUPPORTER,
    OrganisationKind.FOUNDATION: Category.SUPPORTER,
    OrganisationKind.BANK: Category.SUPPORTER,
    OrganisationKind.COMPANY: Category.SUPPORTER,
}

# Joining a body gives the member the role that goes with it.
CATEGORY_ROLE = {
    Category.FARMER_GROUP: Role.FARMER,
    Category.BUYER: Role.BUYER,
    Category.SUPPORTER: Role.SUPPORTER,
}

KIND_LABELS = {
    OrganisationKind.PGS_GROUP: _l("PGS organic group"),
    OrganisationKind.FSC_GROUP: _l("FSC rubber group"),
    OrganisationKind.TREE_BANK_GROUP: _l("Tree-bank group"),
    OrganisationKind.HOSPITAL_KITCHEN: _l("Hospital kitchen"),
    OrganisationKind.COMMUNITY_KITCHEN: _l("Community kitchen"),
    OrganisationKind.SCHOOL: _l("School"),
    OrganisationKind.RUBBER_EXPORTER: _l("Rubber exporter"),
    OrganisationKind.LOCAL_GOVERNMENT: _l("Local government"),
    OrganisationKind.FOUNDATION: _l("Foundation"),
    OrganisationKind.BANK: _l("Bank"),
    OrganisationKind.COMPANY: _l("Company"),
}


class Position(enum.Enum):
    MEMBER = "member"  # an ordinary member
    MANAGER = "manager"  # runs the group or organisation's business in the app
    COMMITTEE = "committee"  # sits on the group's own committee (e.g. a tree-bank committee)

    @property
    def label(self) -> str:
        return str(POSITION_LABELS[self])


POSITION_LABELS = {
    Position.MEMBER: _l("Member"),
    Position.MANAGER: _l("Manager"),
    Position.COMMITTEE: _l("Committee member"),
}


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))

    district: Mapped[District | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.created_at"
    )

    @property
    def category(self) -> Category:
        return self.kind.category

    def display_name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[Position] = mapped_column(enum_type(Position), default=Position.MEMBER)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
