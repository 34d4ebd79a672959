"""Corrective action requests: raised by an audit, closed with evidence; a major one open past its due date
suspends the plot's certificate under that standard (and only that one), and once it is closed the group's
manager may reinstate it."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import Role, User
from greensmile.certification import conflicts, notify
from greensmile.certification.errors import CertificationError, IllegalTransition, NotAllowed
from greensmile.certification.group_models import CorrectiveAction, Severity
from greensmile.certification.models import Certification, CertStatus, EventKind
from greensmile.certification.services import (
    OPEN_MAJOR,
    _move,
    _suspended_from,
    catch_up_expiry,
    has_open_major_request,
    today,
)
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.i18n import for_the_record
from greensmile.media import storage
from greensmile.media.images import process_photo

EVIDENCE_KIND = "evidence"
# What an overdue major request interrupts; a certificate already suspended, revoked or lapsed is left alone.
SUSPENDABLE = (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS, CertStatus.IN_CONVERSION)


def may_act_on(user: User, cert: Certification) -> bool:
    """Corrective action requests belong to group certificates: the plot's group manager, or a coordinator."""
    if not cert.standard.held_by_group:
        return False
    return user.has_role(Role.COORDINATOR) or conflicts.manages_group_of(user, cert.plot)


def raise_request(acting: User, cert: Certification, severity: Severity, finding: str, due_on: date,
                  inspection_id: int | None = None) -> CorrectiveAction:
    """What must be put right, how serious it is, and by when."""
    if not may_act_on(acting, cert):
        raise NotAllowed()
    finding = squeeze(finding)
    if not finding:
        raise CertificationError(_l("Describe what must be put right."))
    if due_on < today() or due_on > today() + timedelta(days=366):
        raise CertificationError(_l("The due date must be between today and a year from now."))
    request = CorrectiveAction(certification_id=cert.id, inspection_id=inspection_id, severity=severity,
                               finding=finding, due_on=due_on, raised_by_id=acting.id)
    db.session.add(request)
    db.session.flush()
    return request


def close_request(acting: User, request: CorrectiveAction, note: str, photo: bytes) -> None:
    """Closed with evidence: what was done, and a photo of it."""
    if not may_act_on(acting, request.certification):
        raise NotAllowed()
    if not request.is_open:
        raise CertificationError(_l("This request is closed already."))
    note = squeeze(note)
    if not note or not photo:
        raise CertificationError(_l("Close a request with its evidence: a note of what was done and a photo."))
    image = process_photo(photo, current_app.config["PHOTO_MAX_BYTES"])
    request.evidence_photo = storage.save_image(EVIDENCE_KIND, image)
    request.evidence_note, request.closed_at, request.closed_by_id = note, utcnow(), acting.id
    db.session.flush()


def open_requests(cert_ids: list[int]) -> list[CorrectiveAction]:
    return list(db.session.scalars(
        sa.select(CorrectiveAction).where(CorrectiveAction.certification_id.in_(cert_ids),
                                          CorrectiveAction.closed_at.is_(None))
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
    )) if cert_ids else []


def suspend_overdue(on: date | None = None) -> int:
    """Suspend every certificate with a major request open past its due date; returns how many. Safe to run
    often (daily from cron, with `certification expire`)."""
    on = on or today()
    overdue = db.session.scalars(
        sa.select(CorrectiveAction).where(CorrectiveAction.closed_at.is_(None),
                                          CorrectiveAction.severity == Severity.MAJOR,
                                          CorrectiveAction.due_on < on, CorrectiveAction.suspended_on.is_(None))
        .options(joinedload(CorrectiveAction.certification)).order_by(CorrectiveAction.id)
    ).all()
    suspended = 0
    for request in overdue:
        cert = request.certification
        catch_up_expiry(cert, on)
        if cert.status not in SUSPENDABLE:
            continue  # not certified now: the request suspends it if it is certified again while still open
        request.suspended_on = on
        before = cert.status
        _move(cert, CertStatus.SUSPENDED, EventKind.SUSPENSION, None, for_the_record(_l(
            "A major corrective action request was still open on its due date: %(finding)s",
            finding=request.finding)))
        cert.status_before_suspension = before
        suspended += 1
    db.session.flush()
    return suspended


def reinstate_member(acting: User, cert: Certification, reason: str) -> None:
    """Lift a suspension under a group-held standard, once no major request of the plot is still open."""
    if not cert.standard.held_by_group:
        raise NotAllowed(_l("Under this standard the committee lifts suspensions."))
    conflicts.check_group_stake(cert, acting)
    reason = squeeze(reason)
    if not reason:
        raise CertificationError(_l("Give the reason: it is kept in the plot's history."))
    if has_open_major_request(cert):
        raise CertificationError(OPEN_MAJOR)
    if cert.status is not CertStatus.SUSPENDED:
        raise IllegalTransition()
    target = _suspended_from(cert)
    _move(cert, target, EventKind.REINSTATEMENT, acting, reason)
    cert.status_before_suspension = None
    db.session.flush()
    notify.sanctioned(cert, EventKind.REINSTATEMENT, reason)
