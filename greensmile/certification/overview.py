"""What people look at: who may see an application, the pipeline, a plot's history and public status."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import Role, User
from greensmile.certification import charter
from greensmile.certification.group_models import CorrectiveAction, GroupCertificate, GroupOutcome, Severity
from greensmile.certification.models import (
    EXPIRES,
    Application,
    ApplicationStatus,
    Assignment,
    Certification,
    CertStatus,
    Decision,
    EventKind,
    ResidueResult,
    ResidueTest,
    Standard,
)
from greensmile.certification.services import BANGKOK, OPEN_APPLICATION, today
from greensmile.extensions import db
from greensmile.plots.models import Plot


def can_view_application(user: User, application: Application) -> bool:
    if user.has_role(Role.COORDINATOR, Role.COMMITTEE) or application.plot.owner_id == user.id:
        return True
    return any(assignment.inspector_id == user.id for assignment in application.assignments)


def plot_certifications(plot: Plot) -> list[Certification]:
    return list(db.session.scalars(
        sa.select(Certification).where(Certification.plot_id == plot.id)
        .options(joinedload(Certification.standard), joinedload(Certification.version))
        .order_by(Certification.standard_id)
    ))


def applications_of_plot(plot: Plot) -> list[Application]:
    return list(db.session.scalars(
        sa.select(Application).join(Certification, Certification.id == Application.certification_id)
        .where(Certification.plot_id == plot.id).order_by(Application.id.desc())
    ))


def open_application(plot: Plot, standard: Standard) -> Application | None:
    return db.session.scalar(
        sa.select(Application).join(Certification, Certification.id == Application.certification_id)
        .where(Certification.plot_id == plot.id, Certification.standard_id == standard.id,
               Application.status.in_(OPEN_APPLICATION))
    )


def assignments_of(inspector: User) -> list[Assignment]:
    """The inspector's assignments still waiting for their visit (or a correction), soonest first."""
    return list(db.session.scalars(
        sa.select(Assignment).join(Application, Application.id == Assignment.application_id)
        .where(Assignment.inspector_id == inspector.id, Application.status.in_(
            (ApplicationStatus.ASSIGNED, ApplicationStatus.INSPECTED)))
        .options(joinedload(Assignment.application).joinedload(Application.certification)
                 .joinedload(Certification.plot).joinedload(Plot.owner))
        .order_by(Assignment.scheduled_on, Assignment.id)
    ).unique())


@dataclass
class Pipeline:
    applied: list[Application]
    awaiting_inspection: list[Application]
    awaiting_decision: list[Application]
    expiring: list[Certification]
    failed_tests: list[ResidueTest]


def pipeline(on: date | None = None, expiring_days: int = 60) -> Pipeline:
    """What the coordinator watches: each step's queue, certificates about to expire, failed tests."""
    on = on or today()
    eager = (joinedload(Application.certification).joinedload(Certification.plot).joinedload(Plot.owner),
             selectinload(Application.assignments).joinedload(Assignment.inspector))
    applications = db.session.scalars(
        sa.select(Application).where(Application.status.in_(OPEN_APPLICATION)).options(*eager)
        .order_by(Application.created_at)
    ).unique().all()
    by_status = {status: [a for a in applications if a.status is status] for status in OPEN_APPLICATION}
    expiring = db.session.scalars(
        sa.select(Certification)
        .where(Certification.status.in_((CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS)),
               Certification.valid_until >= on, Certification.valid_until <= on + timedelta(days=expiring_days))
        .options(joinedload(Certification.plot).joinedload(Plot.owner))
        .order_by(Certification.valid_until)
    ).all()
    failed = db.session.scalars(
        sa.select(ResidueTest).where(ResidueTest.result == ResidueResult.FAILED,
                                     ResidueTest.tested_on >= on - timedelta(days=90))
        .options(joinedload(ResidueTest.plot)).order_by(ResidueTest.tested_on.desc())
    ).all()
    return Pipeline(by_status[ApplicationStatus.SUBMITTED], by_status[ApplicationStatus.ASSIGNED],
                    by_status[ApplicationStatus.INSPECTED], list(expiring), list(failed))


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str  # application, assignment, inspection, decision, event, residue_test
    obj: object


def history(plot: Plot) -> list[HistoryEntry]:
    """The plot's certification history, oldest first: applications, inspections, decisions, status
    changes and residue tests."""
    entries: list[HistoryEntry] = []
    for application in applications_of_plot(plot):
        entries.append(HistoryEntry(application.created_at, "application", application))
        entries += [HistoryEntry(a.created_at, "assignment", a) for a in application.assignments]
        entries += [HistoryEntry(i.submitted_at, "inspection", i) for i in application.inspections]
        entries += [HistoryEntry(d.decided_at, "decision", d) for d in application.decisions]
    for cert in plot_certifications(plot):
        entries += [HistoryEntry(e.created_at, "event", e) for e in cert.events if e.kind is not EventKind.DECISION]
    tests = db.session.scalars(sa.select(ResidueTest).where(ResidueTest.plot_id == plot.id)).all()
    entries += [HistoryEntry(t.created_at, "residue_test", t) for t in tests]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind))


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may know about a plot under one standard: no notes, no reasons."""

    standard: Standard
    status: CertStatus
    valid_from: date | None
    valid_until: date | None
    last_inspected_on: date | None
    version_label: str | None  # the standard's code and version, for the JSON API; pages show version_number
    version_number: int | None = None


def public_statuses(plot: Plot, on: date | None = None) -> list[PublicStatus]:
    """The plot's status under each standard it holds, each on its own (a group-held one only while the group's
    certificate is valid)."""
    on = on or today()
    result = []
    for cert in plot_certifications(plot):
        status = cert.effective_status(on)
        if cert.standard.held_by_group:
            status = _with_group(status, plot.group_id in valid_groups([plot.group_id], cert.standard, on))
            status = _with_requests(status, _major_requests([cert.id]).get(cert.id, []), on)
        result.append(PublicStatus(cert.standard, status, cert.valid_from, cert.valid_until, cert.last_inspected_on,
                                   cert.version.label if cert.version else None,
                                   cert.version.number if cert.version else None))
    return result


def valid_groups(group_ids, standard: Standard, day: date) -> set[int]:
    """The groups whose certificate under `standard` was valid on `day` (see group_valid_on)."""
    ids = {group_id for group_id in group_ids if group_id is not None}
    if not ids:
        return set()
    decisions = db.session.scalars(
        sa.select(GroupCertificate).where(GroupCertificate.organisation_id.in_(ids),
                                          GroupCertificate.standard_id == standard.id,
                                          GroupCertificate.decided_on <= day)
        .order_by(GroupCertificate.decided_on, GroupCertificate.id)
    ).all()
    by_group: dict[int, list[GroupCertificate]] = {}
    for decision in decisions:
        by_group.setdefault(decision.organisation_id, []).append(decision)
    return {group_id for group_id, history in by_group.items() if group_valid_on(history, day)}


def group_valid_on(history: list[GroupCertificate], day: date) -> bool:
    """Was the group certified on `day`? Decisions are read in the order they were taken (on or before that day):
    a suspension or withdrawal voids every certificate decided before it; a certificate decided later covers
    its own dates again (an early renewal does not void the certificate it renews)."""
    covering: list[GroupCertificate] = []
    for decision in sorted((d for d in history if d.decided_on <= day), key=lambda d: (d.decided_on, d.id)):
        if decision.outcome is GroupOutcome.CERTIFIED:
            covering.append(decision)
        else:
            covering = []
    return any(decision.valid_on(day) for decision in covering)


def _with_group(status: CertStatus, group_valid: bool) -> CertStatus:
    # A member's own suspension or revocation says more than the group's lapse; a valid one is void without it.
    return CertStatus.GROUP_LAPSED if status.is_valid_certificate and not group_valid else status


def _major_requests(cert_ids) -> dict[int, list[CorrectiveAction]]:
    found: dict[int, list[CorrectiveAction]] = {}
    if cert_ids:
        for request in db.session.scalars(sa.select(CorrectiveAction).where(
                CorrectiveAction.certification_id.in_(list(cert_ids)), CorrectiveAction.severity == Severity.MAJOR)):
            found.setdefault(request.certification_id, []).append(request)
    return found


def _with_requests(status: CertStatus, requests: list[CorrectiveAction], day: date) -> CertStatus:
    """A major corrective action request still open after its due date suspends the certificate by itself, on
    the day it falls due, before any cron job records it."""
    if not status.is_valid_certificate and status is not CertStatus.IN_CONVERSION:
        return status
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=BANGKOK)
    for request in requests:
        open_then = request.created_at < end_of_day and (request.closed_at is None or request.closed_at >= end_of_day)
        if open_then and request.due_on < day:
            return CertStatus.SUSPENDED
    return status


def _group_of(plot_ids: list[int]) -> dict[int, int | None]:
    return dict(db.session.execute(sa.select(Plot.id, Plot.group_id).where(Plot.id.in_(plot_ids))).all())


def _apply_groups(found: dict[int, CertStatus], standard: Standard, day: date,
                  cert_of: dict[int, int] | None = None) -> dict[int, CertStatus]:
    if standard is None or not standard.held_by_group or not found:
        return found
    groups = _group_of(list(found))
    valid = valid_groups(set(groups.values()), standard, day)
    requests = _major_requests(set((cert_of or {}).values()))
    return {plot_id: _with_requests(_with_group(status, groups.get(plot_id) in valid),
                                    requests.get((cert_of or {}).get(plot_id), []), day)
            for plot_id, status in found.items()}


def statuses(plot_ids: list[int], on: date | None = None, code: str = charter.PGS_ORGANIC) -> dict[int, CertStatus]:
    """Each plot's status under one standard as of `on` (today), in a fixed number of queries for many plots."""
    on = on or today()
    standard = charter.get_standard(code)
    certs = db.session.scalars(
        sa.select(Certification).where(Certification.plot_id.in_(plot_ids), Certification.standard_id == standard.id)
    ).all() if plot_ids and standard else []
    found = _apply_groups({cert.plot_id: cert.effective_status(on) for cert in certs}, standard, on,
                          {cert.plot_id: cert.id for cert in certs})
    return {plot_id: found.get(plot_id, CertStatus.NOT_CERTIFIED) for plot_id in plot_ids}


def pgs_statuses(plot_ids: list[int], on: date | None = None) -> dict[int, CertStatus]:
    """Each plot's organic (PGS) status as of today, in one query for a whole page of plots."""
    return statuses(plot_ids, on, charter.PGS_ORGANIC)


def pgs_statuses_on(plot_ids: list[int], day: date) -> dict[int, CertStatus]:
    return statuses_on(plot_ids, day, charter.PGS_ORGANIC)


def statuses_on(plot_ids: list[int], day: date, code: str = charter.PGS_ORGANIC) -> dict[int, CertStatus]:
    """Each plot's status under one standard as it stood on `day` (see statuses_at)."""
    found = statuses_at([(plot_id, day) for plot_id in plot_ids], code)
    return {plot_id: found[(plot_id, day)] for plot_id in plot_ids}


def statuses_at(pairs, code: str = charter.PGS_ORGANIC,
                group_of: dict[int, int | None] | None = None) -> dict[tuple[int, date], CertStatus]:
    """Each (plot, day)'s status under one standard, in a fixed number of queries however many pairs: from today
    on, as it stands now (expiry by date included); for a past day, from the append-only history, so a later
    suspension or renewal does not rewrite what a delivery or a harvest was on its day. Under a group-held
    standard, a plot counts as certified only on days its group's certificate was valid (the group given in
    `group_of`, e.g. the group selling a lot, else the plot's group now)."""
    pairs = list(dict.fromkeys(pairs))
    standard = charter.get_standard(code)
    plot_ids = sorted({plot_id for plot_id, _day in pairs})
    certs = {cert.plot_id: cert for cert in db.session.scalars(
        sa.select(Certification).where(Certification.plot_id.in_(plot_ids), Certification.standard_id == standard.id)
        .options(selectinload(Certification.events))
    )} if plot_ids and standard else {}
    decision_ids = {e.decision_id for cert in certs.values() for e in cert.events if e.decision_id}
    validity = dict(db.session.execute(sa.select(Decision.id, Decision.valid_until)
                                       .where(Decision.id.in_(decision_ids))).all()) if decision_ids else {}
    decisions, requests = {}, {}
    if standard is not None and standard.held_by_group and certs:
        group_of = {**_group_of(list(certs)), **(group_of or {})}
        requests = _major_requests([cert.id for cert in certs.values()])
        for decision in db.session.scalars(
                sa.select(GroupCertificate).where(GroupCertificate.organisation_id.in_(
                    {g for g in group_of.values() if g is not None}), GroupCertificate.standard_id == standard.id)
                .order_by(GroupCertificate.decided_on, GroupCertificate.id)):
            decisions.setdefault(decision.organisation_id, []).append(decision)
    now = today()
    result = {}
    for plot_id, day in pairs:
        cert = certs.get(plot_id)
        if cert is None:
            result[(plot_id, day)] = CertStatus.NOT_CERTIFIED
            continue
        status = cert.effective_status(day) if day >= now else _status_in_history(cert, day, validity)
        if standard.held_by_group:
            status = _with_group(status, group_valid_on(decisions.get(group_of.get(plot_id), []), day))
            status = _with_requests(status, requests.get(cert.id, []), day)
        result[(plot_id, day)] = status
    return result


def _status_in_history(cert: Certification, day: date, validity: dict[int, date | None]) -> CertStatus:
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=BANGKOK)
    events = [event for event in cert.events if event.created_at < end_of_day]
    if not events:
        return CertStatus.NOT_CERTIFIED
    status = events[-1].to_status
    decided = [event for event in events if event.decision_id]
    # The validity of the decision in force then; a status set without one (a data fix) uses today's dates.
    until = validity.get(decided[-1].decision_id) if decided else cert.valid_until
    if status in EXPIRES and until is not None and until < day:
        return CertStatus.EXPIRED
    return status


def plots_with_status(status: CertStatus, on: date | None = None) -> sa.ColumnElement[bool]:
    """A condition on Plot: its organic (PGS) status as of today is `status` (expiry by date included)."""
    on = on or today()
    pgs = sa.select(Standard.id).where(Standard.code == charter.PGS_ORGANIC).scalar_subquery()
    lapsed = sa.and_(Certification.status.in_(EXPIRES), Certification.valid_until < on)
    if status is CertStatus.EXPIRED:
        condition = sa.or_(Certification.status == CertStatus.EXPIRED, lapsed)
    elif status is CertStatus.NOT_CERTIFIED:
        certified_somehow = sa.select(Certification.plot_id).where(
            Certification.standard_id == pgs, Certification.status != CertStatus.NOT_CERTIFIED)
        return Plot.id.not_in(certified_somehow)
    else:
        condition = sa.and_(Certification.status == status, sa.not_(lapsed) if status in EXPIRES else sa.true())
    return Plot.id.in_(sa.select(Certification.plot_id).where(Certification.standard_id == pgs, condition))


def inspectors() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.roles.any(role=Role.INSPECTOR), User.is_active.is_(True))
        .order_by(User.display_name)
    ))
