"""Groups and organisations: creating them and managing their members. Services flush, never commit."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts import services as accounts
from greensmile.accounts.models import User
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.errors import AlreadyMember, MemberChanged, NameTaken, SharedPhone, UnknownMember, UnknownPhone
from greensmile.network.models import (
    CATEGORY_ROLE,
    KIND_CATEGORY,
    Category,
    Membership,
    Organisation,
    OrganisationKind,
    Position,
)


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    stmt = sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == squeeze(name).lower())
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    return db.session.scalar(stmt) is not None


def save_organisation(
    organisation: Organisation | None,
    *,
    name: str,
    name_en: str | None,
    kind: OrganisationKind,
    district_id: int | None,
    description: str = "",
    contact_phone: str | None = None,
) -> Organisation:
    """Create (organisation=None) or update a group or organisation."""
    if _name_taken(name, organisation.id if organisation else None):
        raise NameTaken()
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name = squeeze(name)
    organisation.name_en = squeeze(name_en) or None
    organisation.kind = kind
    organisation.district_id = district_id
    organisation.description = description.strip()
    organisation.contact_phone = accounts.normalise_phone(contact_phone)
    db.session.flush()
    return organisation


def member_to_add(organisation: Organisation, identifier: str) -> User:
    """The one active account an e-mail or a phone number names, not yet a member: refused with the reason."""
    found = accounts.accounts_named(identifier)
    if not found:
        raise UnknownMember() if "@" in identifier else UnknownPhone()
    if len(found) > 1:
        raise SharedPhone()
    (user,) = found
    if db.session.get(Membership, (organisation.id, user.id)) is not None:
        raise AlreadyMember()
    return user


def add_member(organisation: Organisation, identifier: str, position: Position, acting: User,
               confirmed_user_id: int | None = None) -> Membership:
    """Add an existing account, named by its e-mail or its phone number (farmers often have no e-mail), as a member
    and give it the role that goes with the body. A phone number is nobody's proof of identity: the coordinator is
    shown whose account it names and confirms that person (`confirmed_user_id`), which must still be the one."""
    user = member_to_add(organisation, identifier)
    if confirmed_user_id is not None and user.id != confirmed_user_id:
        raise MemberChanged()
    membership = Membership(organisation=organisation, user=user, position=position)
    db.session.add(membership)
    accounts.grant_role(user, CATEGORY_ROLE[organisation.category], acting)
    db.session.flush()
    return membership


def remove_member(organisation: Organisation, user_id: int) -> None:
    """Remove a member; the role they hold stays, as they may belong elsewhere."""
    membership = db.session.get(Membership, (organisation.id, user_id))
    if membership is not None:
        db.session.delete(membership)
        db.session.flush()


def kinds_of(category: Category) -> list[OrganisationKind]:
    return [kind for kind, cat in KIND_CATEGORY.items() if cat is category]


def list_organisations(categories: tuple[Category, ...]) -> sa.Select:
    """A select of the groups or organisations in these categories, by name, for pagination."""
    kinds = [kind for category in categories for kind in kinds_of(category)]
    return (
        sa.select(Organisation)
        .where(Organisation.kind.in_(kinds))
        .options(sa.orm.selectinload(Organisation.district))
        .order_by(Organisation.name)
    )


def member_counts(organisation_ids: list[int]) -> dict[int, int]:
    """Members per organisation, in one query for a whole page."""
    rows = db.session.execute(
        sa.select(Membership.organisation_id, sa.func.count())
        .where(Membership.organisation_id.in_(organisation_ids))
        .group_by(Membership.organisation_id)
    )
    return {organisation_id: count for organisation_id, count in rows}


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.user_id == user.id)
            .options(sa.orm.joinedload(Membership.organisation))
            .order_by(Membership.created_at)
        )
    )


def members_of(organisation_id: int, position: Position | None = None) -> list[User]:
    """The people of an organisation (only those in `position`, if given), in the order they were made."""
    query = (sa.select(User).join(Membership, Membership.user_id == User.id)
             .where(Membership.organisation_id == organisation_id).order_by(User.id))
    if position is not None:
        query = query.where(Membership.position == position)
    return list(db.session.scalars(query))


def is_member(organisation: Organisation, user: User) -> bool:
    return db.session.get(Membership, (organisation.id, user.id)) is not None


def is_manager(organisation: Organisation, user: User) -> bool:
    """The group's (or organisation's) manager: for an FSC group, the group manager who runs it in the app."""
    membership = db.session.get(Membership, (organisation.id, user.id))
    return membership is not None and membership.position is Position.MANAGER
