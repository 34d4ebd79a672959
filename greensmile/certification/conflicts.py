"""Conflicts of interest (IFOAM PGS practice): who may not inspect a plot, and who may not decide on it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification.errors import ConflictOfInterest, NotAllowed
from greensmile.certification.models import Application, Assignment, Certification, Inspection
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.models import Category, Membership, Organisation, OrganisationKind
from greensmile.network.services import is_manager, kinds_of
from greensmile.plots.models import Plot

OWN_PLOT = _l("Nobody inspects their own plot.")
SAME_GROUP = _l("Nobody inspects a plot of their own farmer group.")
SAME_HOUSEHOLD = _l("Nobody inspects a plot of their own household (same phone number or address).")
RECIPROCAL = _l("The plot's farmer inspected this inspector's plot in this cycle: they may not inspect each other.")
DECIDER_OWNS = _l("A committee member may not decide on their own plot.")
MANAGER_OWNS = _l("A group manager may not audit or decide on their own plot: ask a coordinator.")
DECIDER_INSPECTED = _l("A committee member may not decide on a plot they inspected.")
NOT_INSPECTOR = _l("This account does not have the inspector role.")
NOT_COMMITTEE = _l("Only committee members decide.")
NOT_GROUP_MANAGER = _l("Under a group certificate, the group's manager decides on its member plots.")


def cycle_start(validity_months: int) -> datetime:
    """The start of the current certification cycle, counted back from now."""
    return datetime.now(timezone.utc) - timedelta(days=round(validity_months * 30.44))


def _farmer_groups(user_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(Membership.organisation_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id, Organisation.kind.in_(kinds_of(Category.FARMER_GROUP)))
    ))


def _same_household(a: User, b: User) -> bool:
    if a.phone and b.phone and a.phone == b.phone:
        return True
    address_a, address_b = squeeze(a.address).lower(), squeeze(b.address).lower()
    return bool(address_a) and address_a == address_b


def _inspects_plots_of(inspector_id: int, owner_id: int, since: datetime) -> bool:
    """Is `inspector_id` inspecting, or did they inspect, a plot of `owner_id` this cycle?

    Assignments count as well as inspections, so two people cannot be assigned to each other's plots
    before either has visited."""
    inspected = (
        sa.select(Inspection.id)
        .join(Application, Application.id == Inspection.application_id)
        .join(Certification, Certification.id == Application.certification_id)
        .join(Plot, Plot.id == Certification.plot_id)
        .where(Inspection.inspector_id == inspector_id, Plot.owner_id == owner_id, Inspection.submitted_at >= since)
    )
    assigned = (
        sa.select(Assignment.id)
        .join(Application, Application.id == Assignment.application_id)
        .join(Certification, Certification.id == Application.certification_id)
        .join(Plot, Plot.id == Certification.plot_id)
        .where(Assignment.inspector_id == inspector_id, Plot.owner_id == owner_id, Assignment.created_at >= since)
    )
    return db.session.scalar(sa.select(sa.exists(inspected.union_all(assigned).subquery().select())))


def check_inspector(application: Application, inspector: User) -> None:
    """Raise ConflictOfInterest if `inspector` may not inspect this application's plot."""
    if not inspector.has_role(Role.INSPECTOR):
        raise NotAllowed(NOT_INSPECTOR)
    plot = application.plot
    owner = plot.owner
    if inspector.id == owner.id:
        raise ConflictOfInterest(OWN_PLOT)
    if application.certification.standard.held_by_group:
        # An internal audit: the group's own manager and internal inspectors audit its member plots, so the
        # same-group and reciprocal rules of peer review do not apply; one's own plot and household still do.
        if _same_household(inspector, owner):
            raise ConflictOfInterest(SAME_HOUSEHOLD)
        return
    inspector_groups = _farmer_groups(inspector.id)
    if (plot.group_id is not None and plot.group_id in inspector_groups) or inspector_groups & _farmer_groups(owner.id):
        raise ConflictOfInterest(SAME_GROUP)
    if _same_household(inspector, owner):
        raise ConflictOfInterest(SAME_HOUSEHOLD)
    since = cycle_start(application.certification.standard.validity_months)
    if _inspects_plots_of(owner.id, inspector.id, since):
        raise ConflictOfInterest(RECIPROCAL)


def check_no_stake(cert: Certification, member: User) -> None:
    """Nobody decides on (certifies, suspends, reinstates, revokes) a plot they own or inspect(ed) this cycle."""
    if cert.plot.owner_id == member.id:
        raise ConflictOfInterest(DECIDER_OWNS)
    since = cycle_start(cert.standard.validity_months)
    involved = sa.union_all(
        sa.select(Assignment.id).join(Application, Application.id == Assignment.application_id)
        .where(Application.certification_id == cert.id, Assignment.inspector_id == member.id,
               Assignment.created_at >= since),
        sa.select(Inspection.id).join(Application, Application.id == Inspection.application_id)
        .where(Application.certification_id == cert.id, Inspection.inspector_id == member.id,
               Inspection.submitted_at >= since),
    )
    if db.session.scalar(sa.select(sa.exists(involved.subquery().select()))):
        raise ConflictOfInterest(DECIDER_INSPECTED)


def manages_group_of(user: User, plot: Plot) -> bool:
    """The manager of the plot's FSC group (the holder of a group certificate)."""
    group = db.session.get(Organisation, plot.group_id) if plot.group_id else None
    return group is not None and group.kind is OrganisationKind.FSC_GROUP and is_manager(group, user)


def check_group_stake(cert: Certification, member: User) -> None:
    """Under a group certificate the manager audits and decides on members' plots (and lifts suspensions):
    a coordinator or the plot's group manager, never on their own plot or their own household's."""
    if not (member.has_role(Role.COORDINATOR) or manages_group_of(member, cert.plot)):
        raise NotAllowed(NOT_GROUP_MANAGER)
    if cert.plot.owner_id == member.id:
        raise ConflictOfInterest(MANAGER_OWNS)
    if _same_household(member, cert.plot.owner):
        raise ConflictOfInterest(SAME_HOUSEHOLD)


def check_decider(application: Application, member: User) -> None:
    """Raise if `member` may not decide on this application: the committee for peer-reviewed standards; for a
    group-held one, the group's manager (who also runs its internal audits) or a coordinator."""
    cert = application.certification
    if cert.standard.held_by_group:
        check_group_stake(cert, member)
        return
    if not member.has_role(Role.COMMITTEE):
        raise NotAllowed(NOT_COMMITTEE)
    check_no_stake(cert, member)
