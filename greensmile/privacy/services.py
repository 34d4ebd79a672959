"""Consents: record a person's answer for a purpose, read the one that counts now."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from greensmile.accounts.models import Role, User
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.privacy.models import Consent, ConsentMethod, Purpose

# Who a purpose concerns: only farmers have plots to list.
CONCERNS = {Purpose.FARM_DIRECTORY: (Role.FARMER,)}


class NotYours(DomainError):
    message = _l("Only the person, or a coordinator recording what they said, can answer for them.")


def purposes_for(user: User) -> list[Purpose]:
    return [purpose for purpose in Purpose if user.has_role(*CONCERNS[purpose])]


def record(person: User, purpose: Purpose, given: bool, acting: User) -> Consent:
    """The person's answer, on their own screen or, recorded by a coordinator, as they told it. Takes effect at
    once: the public pages read the newest answer."""
    if acting.id == person.id:
        method = ConsentMethod.ON_SCREEN
    elif acting.has_role(Role.COORDINATOR):
        method = ConsentMethod.WITNESSED
    else:
        raise NotYours()
    consent = Consent(user_id=person.id, purpose=purpose, given=given, method=method, recorded_by_id=acting.id)
    db.session.add(consent)
    db.session.flush()
    return consent


def _newest(purpose: Purpose) -> sa.Select:
    """The id of each person's newest answer for `purpose`."""
    return sa.select(sa.func.max(Consent.id)).where(Consent.purpose == purpose).group_by(Consent.user_id)


def given_by(purpose: Purpose) -> sa.Select:
    """The ids of the people whose answer now is yes (no answer is no)."""
    return sa.select(Consent.user_id).where(Consent.id.in_(_newest(purpose)), Consent.given.is_(True))


def current(person: User) -> dict[Purpose, Consent | None]:
    """Each purpose's newest answer of this person (None: never asked)."""
    newer = aliased(Consent)
    found = db.session.scalars(
        sa.select(Consent).where(Consent.user_id == person.id, ~sa.exists().where(
            newer.user_id == Consent.user_id, newer.purpose == Consent.purpose, newer.id > Consent.id))
    ).all()
    by_purpose = {consent.purpose: consent for consent in found}
    return {purpose: by_purpose.get(purpose) for purpose in Purpose}


def history(person: User) -> list[Consent]:
    return list(db.session.scalars(
        sa.select(Consent).where(Consent.user_id == person.id).order_by(Consent.id.desc())))
