"""Certificates held by a group (FSC group certification): the external audit's decisions on the group."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification.errors import CertificationError
from greensmile.certification.group_models import GroupCertificate, GroupOutcome
from greensmile.certification.models import Standard
from greensmile.certification.services import today
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.models import Category, Organisation, OrganisationKind
from greensmile.network.services import is_manager


def may_manage(user: User, group: Organisation) -> bool:
    """Coordinators, and the FSC group's own manager."""
    return user.has_role(Role.COORDINATOR) or (group.kind is OrganisationKind.FSC_GROUP and is_manager(group, user))


MAX_BACKDATE_DAYS = 60


@dataclass
class GroupDecisionData:
    outcome: GroupOutcome
    certificate_number: str
    certification_body: str
    decided_on: date
    valid_from: date | None = None
    valid_until: date | None = None
    note: str = ""


def record_decision(acting: User, group: Organisation, standard: Standard, data: GroupDecisionData) -> GroupCertificate:
    """Record what the certification body decided on the group; it supersedes, it never edits."""
    if group.category is not Category.FARMER_GROUP or not standard.held_by_group:
        raise CertificationError(_l("Only a farmer group holds a group certificate, under a group standard."))
    # The certificate decides every member's claim: the network records it, not the group it certifies.
    if not acting.has_role(Role.COORDINATOR):
        raise CertificationError(_l("Only a coordinator records the group's certificate."))
    number, body = squeeze(data.certificate_number), squeeze(data.certification_body)
    if not number or not body:
        raise CertificationError(_l("Enter the certificate number and the certification body."))
    if data.decided_on > today():
        raise CertificationError(_l("A decision is recorded once it is taken, not ahead."))
    if data.decided_on < today() - timedelta(days=MAX_BACKDATE_DAYS):
        raise CertificationError(_l("Record a decision within 60 days of its date: older history is not rewritten."))
    if data.outcome is GroupOutcome.CERTIFIED and not (data.valid_from and data.valid_until
                                                       and data.valid_from <= data.valid_until):
        raise CertificationError(_l("Enter the dates the certificate is valid from and until."))
    decision = GroupCertificate(
        organisation_id=group.id, standard_id=standard.id, outcome=data.outcome, certificate_number=number[:60],
        certification_body=body[:200], decided_on=data.decided_on, valid_from=data.valid_from,
        valid_until=data.valid_until, note=squeeze(data.note), recorded_by_id=acting.id)
    db.session.add(decision)
    db.session.flush()
    return decision


def in_force(group: Organisation, standard: Standard, on: date | None = None) -> GroupCertificate | None:
    """The decision in force on a day (the newest taken on or before it), valid or not."""
    on = on or today()
    return db.session.scalar(
        sa.select(GroupCertificate).where(GroupCertificate.organisation_id == group.id,
                                          GroupCertificate.standard_id == standard.id,
                                          GroupCertificate.decided_on <= on)
        .order_by(GroupCertificate.decided_on.desc(), GroupCertificate.id.desc()).limit(1)
    )
