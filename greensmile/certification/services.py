"""The certification cycle: apply, assign, inspect, decide; suspend, revoke, reinstate, expire; residue tests.

Services flush, never commit. Every status change goes through transitions.py and leaves a
CertificationEvent; nothing submitted is ever edited.
"""
from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.certification import charter, conflicts, notify, signals
from greensmile.certification.errors import (
    AlreadyApplied,
    AlreadyDecided,
    BadSubmission,
    CertificationError,
    DuplicateSubmission,
    IllegalTransition,
    NotAllowed,
)
from greensmile.certification.group_models import CorrectiveAction, Severity
from greensmile.certification.models import (
    EXPIRES,
    Answer,
    Application,
    ApplicationStatus,
    Assignment,
    Certification,
    CertificationEvent,
    CertStatus,
    Decision,
    EventKind,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    Outcome,
    PledgeKind,
    Standard,
)
from greensmile.certification.transitions import (
    check_application_move,
    check_certification_move,
)
from greensmile.clock import BANGKOK, today
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.network.models import Membership
from greensmile.plots.models import Plot

log = logging.getLogger(__name__)
PLEDGE_KIND = "pledges"
INSPECTION_PHOTO_KIND = "inspections"
OPEN_APPLICATION = (ApplicationStatus.SUBMITTED, ApplicationStatus.ASSIGNED, ApplicationStatus.INSPECTED)
OUTCOME_STATUS = {
    Outcome.CERTIFY: CertStatus.CERTIFIED,
    Outcome.CERTIFY_WITH_CONDITIONS: CertStatus.CERTIFIED_WITH_CONDITIONS,
    Outcome.IN_CONVERSION: CertStatus.IN_CONVERSION,
}
REASON_REQUIRED = _l("Give the reason: it is kept in the plot's history.")
CONDITIONS_REQUIRED = _l("Write the conditions the farmer must meet.")
WITNESS_REQUIRED = _l("Write the name of the witness to the spoken pledge.")
PLEDGE_NEEDED = _l("The pledge is needed: sign on the screen, or add a photo of the pledge made before a witness.")
AGREEMENT_NEEDED = _l("No membership agreement is on file for this plot: attach a photo of the signed agreement, or "
                      "ask the member to sign it on the screen on their plot's page.")
# A certificate starts on the day of the decision, or on the committee's meeting day up to two months before.
MAX_BACKDATE_DAYS = 60
BAD_START = _l("A certificate starts today or on a day in the last 60 days, never in the future.")


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------- certifications and their status
def certification_for(plot: Plot, standard: Standard) -> Certification:
    """The (plot, standard) record, made on first use with status 'not certified'."""
    found = db.session.scalar(
        sa.select(Certification).where(Certification.plot_id == plot.id, Certification.standard_id == standard.id)
    )
    if found is None:
        found = Certification(plot=plot, standard=standard, status=CertStatus.NOT_CERTIFIED)
        db.session.add(found)
        db.session.flush()
    return found


def _move(cert: Certification, target: CertStatus, kind: EventKind, actor: User | None, reason: str,
          decision: Decision | None = None) -> CertificationEvent:
    check_certification_move(cert.status, target)
    event = CertificationEvent(
        certification=cert, kind=kind, from_status=cert.status, to_status=target,
        actor_id=actor.id if actor else None, reason=reason, decision_id=decision.id if decision else None,
    )
    db.session.add(event)
    before = cert.status
    cert.status = target
    signals.status_changed.send(cert, before=before, after=target, reason=reason)
    return event


def catch_up_expiry(cert: Certification, on: date) -> None:
    """Record an expiry that happened by date before making another move."""
    if cert.effective_status(on) is CertStatus.EXPIRED and cert.status is not CertStatus.EXPIRED:
        _move(cert, CertStatus.EXPIRED, EventKind.EXPIRY, None, "")


def expire_due(on: date | None = None) -> int:
    """Mark every certificate whose validity has passed as expired; returns how many. Safe to run often."""
    on = on or today()
    due = db.session.scalars(
        sa.select(Certification).where(Certification.status.in_(EXPIRES), Certification.valid_until < on)
    ).all()
    for cert in due:
        _move(cert, CertStatus.EXPIRED, EventKind.EXPIRY, None, "")
    db.session.flush()
    return len(due)


def _need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificationError(REASON_REQUIRED)
    return reason


def _sanction(cert: Certification, actor: User, reason: str, roles: tuple[Role, ...], kind: EventKind,
              target_of) -> CertificationEvent:
    """The shared steps of suspending, reinstating and revoking: who, why, expiry first, one move."""
    if not actor.has_role(*roles):
        raise NotAllowed()
    conflicts.check_no_stake(cert, actor)
    reason = _need_reason(reason)
    catch_up_expiry(cert, today())
    before = cert.status
    event = _move(cert, target_of(cert), kind, actor, reason)
    cert.status_before_suspension = before if kind is EventKind.SUSPENSION else None
    db.session.flush()
    notify.sanctioned(cert, kind, reason)
    return event


def _suspended_from(cert: Certification) -> CertStatus:
    if cert.status is not CertStatus.SUSPENDED or cert.status_before_suspension is None:
        raise IllegalTransition()  # nothing to lift
    return cert.status_before_suspension


def suspend(cert: Certification, actor: User, reason: str) -> CertificationEvent:
    """Pause a certificate with a reason (committee or coordinator); reinstating returns it to its status."""
    return _sanction(cert, actor, reason, (Role.COMMITTEE, Role.COORDINATOR), EventKind.SUSPENSION,
                     lambda _cert: CertStatus.SUSPENDED)


def has_open_major_request(cert: Certification) -> bool:
    """A major corrective action request still open: while there is one, nothing lifts the plot's suspension."""
    return db.session.scalar(sa.select(sa.exists().where(
        CorrectiveAction.certification_id == cert.id, CorrectiveAction.closed_at.is_(None),
        CorrectiveAction.severity == Severity.MAJOR))) if cert.id else False


OPEN_MAJOR = _l("Close the plot's major corrective action requests first.")


def reinstate(cert: Certification, actor: User, reason: str) -> CertificationEvent:
    """Lift a suspension (committee only)."""
    if cert.standard.held_by_group and has_open_major_request(cert):
        raise CertificationError(OPEN_MAJOR)
    return _sanction(cert, actor, reason, (Role.COMMITTEE,), EventKind.REINSTATEMENT, _suspended_from)


def revoke(cert: Certification, actor: User, reason: str) -> CertificationEvent:
    """Withdraw a certificate for good (committee only); the plot starts conversion again if it reapplies."""
    return _sanction(cert, actor, reason, (Role.COMMITTEE,), EventKind.REVOCATION, lambda _cert: CertStatus.REVOKED)


# ---------------------------------------------------------------- applying
def _store_private_image(kind: str, data: bytes) -> str:
    image = process_photo(data, current_app.config["PHOTO_MAX_BYTES"])
    return storage.save_image(kind, image)


def apply(plot: Plot, standard: Standard, acting: User, *, pledge_kind: PledgeKind, pledge_image: bytes,
          witness_name: str = "", message: str = "") -> Application:
    """The farmer applies for certification of a plot, with their pledge to follow the charter. Under a group-held
    standard the pledge is the membership agreement; the group's manager may open a member's next internal audit,
    and an agreement already on file is kept (no new pledge is needed)."""
    manages = standard.held_by_group and conflicts.manages_group_of(acting, plot)
    if acting.id != plot.owner_id and not acting.has_role(Role.COORDINATOR) and not manages:
        raise NotAllowed()
    if standard.held_by_group and plot.group_id is None:
        raise CertificationError(_l("Only a member plot of a group can be certified under the group's certificate."))
    version = charter.require_in_force(standard)
    cert = certification_for(plot, standard)
    open_one = db.session.scalar(
        sa.select(Application.id).where(Application.certification_id == cert.id,
                                        Application.status.in_(OPEN_APPLICATION))
    )
    if open_one is not None:
        raise AlreadyApplied()
    witness_name = " ".join(witness_name.split())
    on_file = _agreement_on_file(cert) if standard.held_by_group and not pledge_image else None
    if on_file is not None:
        pledge_kind, witness_name = on_file.pledge_kind, on_file.witness_name
    elif not pledge_image:  # nothing to keep: say what is missing, not that an empty file is no image
        raise CertificationError(AGREEMENT_NEEDED if standard.held_by_group else PLEDGE_NEEDED)
    elif pledge_kind is PledgeKind.WITNESSED and not witness_name:
        raise CertificationError(WITNESS_REQUIRED)
    stored = on_file.pledge_image if on_file is not None else _store_private_image(PLEDGE_KIND, pledge_image)
    application = Application(
        certification=cert, version=version, applicant_id=acting.id, status=ApplicationStatus.SUBMITTED,
        pledge_kind=pledge_kind, pledge_image=stored, witness_name=witness_name, message=message.strip(),
    )
    try:
        with db.session.begin_nested():  # a double tap's second request loses here, cleanly
            db.session.add(application)
    except sa.exc.IntegrityError:
        if on_file is None:
            storage.delete_image(PLEDGE_KIND, stored)
        raise AlreadyApplied() from None
    return application


def _member_of_group(user: User, plot: Plot) -> bool:
    return plot.group_id is not None and db.session.get(Membership, (plot.group_id, user.id)) is not None


def _agreement_on_file(cert: Certification) -> Application | None:
    """The member's signed (or witnessed) agreement from an earlier application under this standard."""
    return db.session.scalar(sa.select(Application).where(Application.certification_id == cert.id)
                             .order_by(Application.id.desc()).limit(1))


def withdraw(application: Application, acting: User) -> None:
    if acting.id != application.plot.owner_id and not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    check_application_move(application.status, ApplicationStatus.WITHDRAWN)
    application.status = ApplicationStatus.WITHDRAWN
    db.session.flush()


def assign(application: Application, inspector: User, scheduled_on: date, acting: User) -> Assignment:
    """A coordinator assigns an inspector and a date; conflicts of interest are refused. Under a group-held
    standard the group's manager assigns the internal audit (to themselves or another member of the group),
    and the internal auditor is given the inspector role for it."""
    group_standard = application.certification.standard.held_by_group
    if not acting.has_role(Role.COORDINATOR) and not (group_standard and conflicts.manages_group_of(acting, application.plot)):
        raise NotAllowed()
    if application.status not in OPEN_APPLICATION:
        check_application_move(application.status, ApplicationStatus.ASSIGNED)  # raises
    if group_standard and not inspector.has_role(Role.INSPECTOR) and _member_of_group(inspector, application.plot):
        accounts.grant_role(inspector, Role.INSPECTOR, acting)
    conflicts.check_inspector(application, inspector)
    existing = db.session.scalar(sa.select(Assignment).where(
        Assignment.application_id == application.id, Assignment.inspector_id == inspector.id))
    moved = existing is not None and existing.scheduled_on != scheduled_on
    if existing is not None:
        existing.scheduled_on = scheduled_on
        assignment = existing
    else:
        assignment = Assignment(application=application, inspector=inspector, scheduled_on=scheduled_on,
                                assigned_by_id=acting.id)
        db.session.add(assignment)
    if application.status is not ApplicationStatus.ASSIGNED:
        check_application_move(application.status, ApplicationStatus.ASSIGNED)
        application.status = ApplicationStatus.ASSIGNED
    db.session.flush()
    # A group manager who opens an audit for themselves needs no message; the same day again is no news.
    if inspector.id != acting.id and (existing is None or moved):
        notify.inspection_assigned(assignment, rescheduled=moved)
    return assignment


# ---------------------------------------------------------------- inspections (made offline, sent later)
@dataclass
class SubmittedPhoto:
    data: bytes
    item_id: int | None = None


@dataclass
class InspectionSubmission:
    """What the phone sends: made offline, identified by the id the phone gave it."""

    client_uuid: str
    assignment_id: int
    visited_at: datetime
    recommendation: Outcome
    answers: dict[int, tuple[Answer, str]]
    summary: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: int | None = None
    supersedes_id: int | None = None
    photos: list[SubmittedPhoto] = field(default_factory=list)
    requests: list[SubmittedRequest] = field(default_factory=list)


@dataclass
class SubmittedRequest:
    """A corrective action request raised during an internal audit (group-held standards)."""

    severity: str  # "major" or "minor"
    finding: str
    due_on: date


def submit_inspection(submission: InspectionSubmission, inspector: User) -> tuple[Inspection, bool]:
    """Store an inspection once: sending the same one again returns the stored one (created=False)."""
    existing = db.session.scalar(sa.select(Inspection).where(Inspection.client_uuid == submission.client_uuid))
    if existing is not None:
        if existing.inspector_id != inspector.id:
            raise NotAllowed()
        sent_for = db.session.scalar(sa.select(Assignment.id).where(
            Assignment.application_id == existing.application_id, Assignment.inspector_id == inspector.id))
        if sent_for != submission.assignment_id:
            raise DuplicateSubmission()
        return existing, False
    assignment = db.session.get(Assignment, submission.assignment_id)
    if assignment is None or assignment.inspector_id != inspector.id:
        raise NotAllowed()
    application = assignment.application
    if application.status not in (ApplicationStatus.ASSIGNED, ApplicationStatus.INSPECTED):
        raise CertificationError(_l("This application is no longer waiting for an inspection."))
    # Circumstances change between assignment and visit (a new group, a new household): check again.
    conflicts.check_inspector(application, inspector)
    items = {item.id for item in application.version.items}
    if set(submission.answers) != items:
        raise BadSubmission()
    if submission.visited_at > utcnow() + timedelta(days=1):
        raise BadSubmission(_l("The visit time is in the future: check the phone's clock."))
    supersedes = None
    if submission.supersedes_id is not None:
        supersedes = db.session.get(Inspection, submission.supersedes_id)
        already = db.session.scalar(sa.select(Inspection.id).where(Inspection.supersedes_id == submission.supersedes_id))
        if (supersedes is None or supersedes.inspector_id != inspector.id
                or supersedes.application_id != application.id or already is not None):
            raise BadSubmission(_l("Only your own latest inspection of this plot can be corrected."))
    inspection = Inspection(
        client_uuid=submission.client_uuid, application=application, inspector_id=inspector.id,
        version_id=application.version_id, visited_at=submission.visited_at, latitude=submission.latitude,
        longitude=submission.longitude, accuracy_m=submission.accuracy_m, recommendation=submission.recommendation,
        summary=submission.summary.strip(), supersedes=supersedes,
        crops=list(application.certification.plot.crops),  # what was there to see: the decision covers no more
    )
    db.session.add(inspection)
    for item_id, (answer, note) in sorted(submission.answers.items()):
        inspection.answers.append(InspectionAnswer(item_id=item_id, answer=answer, note=note.strip()))
    for photo in submission.photos:
        if photo.item_id is not None and photo.item_id not in items:
            raise BadSubmission()
        image = process_photo(photo.data, current_app.config["PHOTO_MAX_BYTES"])
        inspection.photos.append(InspectionPhoto(
            item_id=photo.item_id, stored_name=storage.save_image(INSPECTION_PHOTO_KIND, image),
            width=image.width, height=image.height,
        ))
    _raise_requests(inspection, application, submission.requests, inspector)
    if application.status is ApplicationStatus.ASSIGNED:
        check_application_move(application.status, ApplicationStatus.INSPECTED)
        application.status = ApplicationStatus.INSPECTED
    visited_on = submission.visited_at.astimezone(BANGKOK).date()
    cert = application.certification
    if cert.last_inspected_on is None or visited_on > cert.last_inspected_on:
        cert.last_inspected_on = visited_on
    db.session.flush()
    return inspection, True


def _raise_requests(inspection: Inspection, application: Application, requests: list[SubmittedRequest],
                    inspector: User) -> None:
    """Corrective action requests the internal auditor raised in the field, stored with the inspection (so an
    inspection sent twice raises them once)."""
    if not requests:
        return
    if not application.certification.standard.held_by_group:
        raise BadSubmission(_l("Corrective action requests are raised in internal audits of a group."))
    if len(requests) > 50:
        raise BadSubmission(_l("At most 50 corrective action requests in one audit."))
    visited_on = inspection.visited_at.astimezone(BANGKOK).date()  # an audit synced days later is judged by its day
    for request in requests:
        finding = " ".join((request.finding or "").split())
        if not finding or request.severity not in ("major", "minor"):
            raise BadSubmission(_l("Each corrective action request needs what must be put right and its severity."))
        if not visited_on <= request.due_on <= visited_on + timedelta(days=366):
            raise BadSubmission(_l("A corrective action request is due between the audit's day and a year after it."))
        db.session.add(CorrectiveAction(
            certification_id=application.certification_id, inspection=inspection, severity=Severity(request.severity),
            finding=finding, due_on=request.due_on, raised_by_id=inspector.id))


def current_inspections(application: Application) -> list[Inspection]:
    """The inspections that count: those no later inspection has superseded."""
    superseded = {inspection.supersedes_id for inspection in application.inspections if inspection.supersedes_id}
    return [inspection for inspection in application.inspections if inspection.id not in superseded]


# ---------------------------------------------------------------- deciding
def crops_to_cover(application: Application) -> list:
    """The plot's crops that its inspections saw: a crop added after the visit waits for the next inspection.
    Inspections recorded before crops were kept say nothing; then the plot's crops count, as the migration assumed."""
    plot_crops = list(application.certification.plot.crops)
    seen = {crop.id for inspection in application.inspections for crop in inspection.crops}
    return [crop for crop in plot_crops if crop.id in seen] if seen else plot_crops


def decide(application: Application, member: User, outcome: Outcome, reasons: str, conditions: str = "",
           valid_from: date | None = None) -> Decision:
    """The committee decides; the certificate's status and dates follow from the outcome."""
    # Members deciding at the same moment queue on the application's row; each reads it as the one before left it,
    # so the first decides and the others are told, instead of all reaching the one-decision unique constraint.
    db.session.execute(sa.select(Application.id).where(Application.id == application.id).with_for_update())
    db.session.refresh(application)
    if application.status is ApplicationStatus.DECIDED:
        raise AlreadyDecided()
    conflicts.check_decider(application, member)
    check_application_move(application.status, ApplicationStatus.DECIDED)
    reasons = _need_reason(reasons)
    conditions = conditions.strip()
    if outcome is Outcome.CERTIFY_WITH_CONDITIONS and not conditions:
        raise CertificationError(CONDITIONS_REQUIRED)
    start = valid_from or today()
    if not (today() - timedelta(days=MAX_BACKDATE_DAYS) <= start <= today()):
        raise CertificationError(BAD_START)
    cert = application.certification
    catch_up_expiry(cert, today())
    target = OUTCOME_STATUS.get(outcome)
    if (target is not None and cert.status is CertStatus.SUSPENDED and cert.standard.held_by_group
            and has_open_major_request(cert)):
        raise CertificationError(OPEN_MAJOR)
    if target is not None:
        check_certification_move(cert.status, target)  # before anything is written
    months = current_app.config.get("CERTIFICATE_VALIDITY_MONTHS") or cert.standard.validity_months
    until = add_months(start, months) - timedelta(days=1) if target else None
    decision = Decision(
        application=application, decided_by_id=member.id, outcome=outcome, reasons=reasons, conditions=conditions,
        valid_from=start if target else None, valid_until=until, area_m2=cert.plot.area_m2,
        crops=crops_to_cover(application),  # what the certificate covers (scope.py)
    )
    db.session.add(decision)
    db.session.flush()
    if target is not None:
        _move(cert, target, EventKind.DECISION, member, reasons, decision)
        cert.valid_from, cert.valid_until, cert.version_id = start, until, application.version_id
        cert.status_before_suspension = None
    application.status = ApplicationStatus.DECIDED
    db.session.flush()
    notify.decided(decision)
    return decision
