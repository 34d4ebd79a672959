"""Consents: record a person's answer for a purpose, read the one that counts now."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from greensmile.accounts.models import Role, User
from greensmile.db import utcnow
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.privacy.models import (
    AccessKind,
    AccessLog,
    Acknowledgement,
    Consent,
    ConsentMethod,
    Incident,
    Notice,
    Purpose,
)

# Who a purpose concerns: only farmers have plots to show and list; anyone may get notices through LINE.
CONCERNS = {Purpose.PUBLIC_NAME: (Role.FARMER,), Purpose.FARM_DIRECTORY: (Role.FARMER,),
            Purpose.LINE_MESSAGES: tuple(Role), Purpose.PEOPLE_PHOTOS: (Role.FARMER,)}


class NotYours(DomainError):
    message = _l("Only the person, or a coordinator recording what they said, can answer for them.")


def purposes_for(user: User) -> list[Purpose]:
    return [purpose for purpose in Purpose if user.has_role(*CONCERNS[purpose])]


def method_for(person: User, acting: User) -> ConsentMethod:
    """On the person's own screen, or told to a coordinator who records it; nobody else answers for a person."""
    if acting.id == person.id:
        return ConsentMethod.ON_SCREEN
    if acting.has_role(Role.COORDINATOR):
        return ConsentMethod.WITNESSED
    raise NotYours()


def record(person: User, purpose: Purpose, given: bool, acting: User, method: ConsentMethod | None = None) -> Consent:
    """The person's answer, on their own screen or, recorded by a coordinator, as they told it (`method`: how, when
    it is neither, as an erasure ends every consent). Takes effect at once: the public pages read the newest answer."""
    method = method or method_for(person, acting)
    notice = current_notice()
    consent = Consent(user_id=person.id, purpose=purpose, given=given, method=method, recorded_by_id=acting.id,
                      notice_id=notice.id if notice else None)
    db.session.add(consent)
    db.session.flush()
    return consent


def _newest(purpose: Purpose) -> sa.Select:
    """The id of each person's newest answer for `purpose`."""
    return sa.select(sa.func.max(Consent.id)).where(Consent.purpose == purpose).group_by(Consent.user_id)


def given_by(purpose: Purpose) -> sa.Select:
    """The ids of the people whose answer now is yes (no answer is no)."""
    return sa.select(Consent.user_id).where(Consent.id.in_(_newest(purpose)), Consent.given.is_(True))


def given_among(purpose: Purpose, user_ids) -> set[int]:
    """Which of these people's answer now is yes, in one query (a page of plots, a directory)."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return set()
    return set(db.session.scalars(given_by(purpose).where(Consent.user_id.in_(ids))))


def has_given(person: User, purpose: Purpose) -> bool:
    return person.id in given_among(purpose, [person.id])


def current(person: User) -> dict[Purpose, Consent | None]:
    """Each purpose's newest answer of this person (None: never asked)."""
    newer = aliased(Consent)
    found = db.session.scalars(
        sa.select(Consent).where(Consent.user_id == person.id, ~sa.exists().where(
            newer.user_id == Consent.user_id, newer.purpose == Consent.purpose, newer.id > Consent.id))
    ).all()
    by_purpose = {consent.purpose: consent for consent in found}
    return {purpose: by_purpose.get(purpose) for purpose in Purpose}


def agree_with_line_link(person: User) -> None:
    """The person linked their LINE account on their own screen, where the button says that notices will then come
    through LINE: that is their consent to it, unless they had already given it."""
    if not has_given(person, Purpose.LINE_MESSAGES):
        record(person, Purpose.LINE_MESSAGES, True, person)


def history(person: User) -> list[Consent]:
    return list(db.session.scalars(
        sa.select(Consent).where(Consent.user_id == person.id).order_by(Consent.id.desc())))


# ---------------------------------------------------------------- the privacy notice
class NoticeRefused(DomainError):
    message = _l("Write the notice in Thai; the English text may follow.")


def current_notice() -> Notice | None:
    return db.session.scalar(sa.select(Notice).order_by(Notice.version.desc()).limit(1))


def notices() -> list[Notice]:
    return list(db.session.scalars(sa.select(Notice).order_by(Notice.version.desc())))


def publish_notice(acting: User, body_th: str, body_en: str) -> Notice:
    """A new version, in force from now: everyone is asked to acknowledge it."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotYours()
    if not body_th.strip():
        raise NoticeRefused()
    latest = db.session.scalar(sa.select(sa.func.max(Notice.version))) or 0
    notice = Notice(version=latest + 1, body_th=body_th.strip(), body_en=body_en.strip(), published_by_id=acting.id)
    db.session.add(notice)
    db.session.flush()
    return notice


def acknowledgement(person: User, notice: Notice) -> Acknowledgement | None:
    return db.session.scalar(sa.select(Acknowledgement).where(Acknowledgement.user_id == person.id,
                                                              Acknowledgement.notice_id == notice.id))


def needs_acknowledgement(person: User) -> Notice | None:
    """The notice in force if this person has not acknowledged it yet."""
    notice = current_notice()
    if notice is None or acknowledgement(person, notice) is not None:
        return None
    return notice


def acknowledge(person: User, acting: User, notice: Notice | None = None) -> Acknowledgement | None:
    """The person acknowledges the notice in force (on their own screen), or a coordinator records that it was read
    to them. Once per version."""
    notice = notice or current_notice()
    if notice is None:
        return None
    method = method_for(person, acting)
    found = acknowledgement(person, notice)
    if found is None:
        try:
            with db.session.begin_nested():  # a double tap's second request finds the first one's row
                found = Acknowledgement(user_id=person.id, notice_id=notice.id, method=method,
                                        recorded_by_id=acting.id)
                db.session.add(found)
        except sa.exc.IntegrityError:
            found = acknowledgement(person, notice)
    return found


# ---------------------------------------------------------------- the access log
def log_access(actor: User, subject_ids, kind: AccessKind, detail: str = "") -> int:
    """Note that `actor` saw personal data of these people (nobody is logged seeing their own). The caller commits:
    a page that shows the data commits its log line with it."""
    ids = sorted({subject for subject in subject_ids if subject is not None and subject != actor.id})
    if ids:
        db.session.execute(sa.insert(AccessLog), [
            {"subject_id": subject, "actor_id": actor.id, "kind": kind, "detail": detail[:200], "created_at": utcnow()}
            for subject in ids])
    return len(ids)


def accesses(person: User, limit: int = 100) -> list[AccessLog]:
    return list(db.session.scalars(sa.select(AccessLog).where(AccessLog.subject_id == person.id)
                                   .order_by(AccessLog.id.desc()).limit(limit)))


# ---------------------------------------------------------------- the incident register
REGULATOR_HOURS = 72


class IncidentRefused(DomainError):
    message = _l("Say what happened, and when it was discovered (not in the future).")


@dataclass
class IncidentData:
    title: str
    description: str
    data_affected: str
    discovered_at: datetime
    actions: str = ""


def _check(data: IncidentData) -> None:
    if not data.title.strip() or data.discovered_at > utcnow():
        raise IncidentRefused()


def record_incident(acting: User, data: IncidentData) -> Incident:
    if not acting.has_role(Role.COORDINATOR):
        raise NotYours()
    _check(data)
    incident = Incident(title=data.title.strip()[:200], description=data.description.strip(),
                        data_affected=data.data_affected.strip(), discovered_at=data.discovered_at,
                        actions=data.actions.strip(), recorded_by_id=acting.id)
    db.session.add(incident)
    db.session.flush()
    return incident


def update_incident(acting: User, incident: Incident, data: IncidentData, *, regulator_notified: bool,
                    people_notified: bool, closed: bool) -> None:
    """Corrections and what was done since: a notification's time is taken when it is first ticked, and kept."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotYours()
    _check(data)
    incident.title, incident.description = data.title.strip()[:200], data.description.strip()
    incident.data_affected, incident.discovered_at = data.data_affected.strip(), data.discovered_at
    incident.actions = data.actions.strip()
    now = utcnow()
    if regulator_notified and incident.regulator_notified_at is None:
        incident.regulator_notified_at = now
    if people_notified and incident.people_notified_at is None:
        incident.people_notified_at = now
    incident.closed_at = (incident.closed_at or now) if closed else None


def regulator_due(incident: Incident) -> datetime:
    return incident.discovered_at + timedelta(hours=REGULATOR_HOURS)


def hours_left(incident: Incident, now: datetime | None = None) -> float:
    """Hours until the regulator is due notice (negative: overdue)."""
    return (regulator_due(incident) - (now or utcnow())).total_seconds() / 3600


def incidents() -> list[Incident]:
    return list(db.session.scalars(sa.select(Incident).order_by(Incident.closed_at.is_not(None),
                                                                Incident.discovered_at.desc())))
