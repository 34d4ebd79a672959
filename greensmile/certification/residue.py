"""Residue tests: rapid or laboratory results recorded against a plot, public without their notes.

A failed test may suspend the plot's organic certificate (by the committee or a coordinator)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification.errors import CertificationError, NotAllowed
from greensmile.certification.models import (
    Application,
    Assignment,
    Certification,
    CertStatus,
    ResidueMethod,
    ResidueResult,
    ResidueTest,
    Standard,
    StandardKind,
)
from greensmile.certification.services import catch_up_expiry, suspend, today
from greensmile.certification.transitions import CERTIFICATION_MOVES
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation, OrganisationKind
from greensmile.plots.models import Plot


def record_residue_test(plot: Plot, acting: User, *, tested_on: date, sample: str, substance: str,
                        method: ResidueMethod, result: ResidueResult, value: str = "", laboratory: str = "",
                        notes: str = "", suspend_now: bool = False) -> ResidueTest:
    """Record a rapid or laboratory residue test; a failed one may suspend the plot's organic certificate."""
    if not can_record_residue_test(acting, plot):
        raise NotAllowed()
    if tested_on > today():
        raise CertificationError(_l("The test date is in the future."))
    test = ResidueTest(
        plot=plot, tested_on=tested_on, sample=sample.strip(), substance=substance.strip(), method=method,
        result=result, value=value.strip(), laboratory=laboratory.strip(), notes=notes.strip(),
        tested_by_id=acting.id,
    )
    db.session.add(test)
    db.session.flush()
    if suspend_now and result is ResidueResult.FAILED:
        if not acting.has_role(Role.COMMITTEE, Role.COORDINATOR):
            raise NotAllowed()
        reason = str(_l("Failed residue test on %(date)s: %(substance)s in %(sample)s",
                        date=tested_on.isoformat(), substance=test.substance, sample=test.sample))
        organic = db.session.scalars(
            sa.select(Certification).join(Standard, Standard.id == Certification.standard_id)
            .where(Certification.plot_id == plot.id, Standard.kind == StandardKind.PGS_ORGANIC)
        ).all()
        for cert in organic:
            catch_up_expiry(cert, today())
            if CertStatus.SUSPENDED in CERTIFICATION_MOVES[cert.status]:
                suspend(cert, acting, reason)
    return test


def can_record_residue_test(user: User, plot: Plot) -> bool:
    """Coordinators and the committee; an inspector assigned to the plot; a hospital kitchen's staff.
    Never on one's own plot."""
    if plot.owner_id == user.id:
        return False
    if user.has_role(Role.COORDINATOR, Role.COMMITTEE):
        return True
    if user.has_role(Role.INSPECTOR) and db.session.scalar(
        sa.select(sa.exists(
            sa.select(Assignment.id).join(Application, Application.id == Assignment.application_id)
            .join(Certification, Certification.id == Application.certification_id)
            .where(Assignment.inspector_id == user.id, Certification.plot_id == plot.id)
        ))
    ):
        return True
    return user.has_role(Role.BUYER) and db.session.scalar(sa.select(sa.exists(
        sa.select(Membership.user_id).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Organisation.kind == OrganisationKind.HOSPITAL_KITCHEN)
    )))


def public_residue_tests(plot: Plot, limit: int = 10) -> list[ResidueTest]:
    """The latest residue tests of a plot, for everyone to see (their notes are not shown)."""
    return list(db.session.scalars(
        sa.select(ResidueTest).where(ResidueTest.plot_id == plot.id)
        .order_by(ResidueTest.tested_on.desc(), ResidueTest.id.desc()).limit(limit)
    ))
