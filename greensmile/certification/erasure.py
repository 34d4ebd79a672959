"""What erasure keeps of certification: a person whose plots were inspected or decided on, or who inspected or
decided, leaves a PGS history the network must keep (IFOAM PGS: every step is kept); it is kept pseudonymised."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.certification.models import Application, Certification, Decision, Inspection
from greensmile.extensions import db
from greensmile.plots.models import Plot
from greensmile.privacy import erasure
from greensmile.privacy.models import HoldKind


def keeps(person: User) -> list[HoldKind]:
    owned = sa.select(Plot.id).where(Plot.owner_id == person.id)
    history = db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Certification.plot_id.in_(owned)),
        sa.exists().where(Application.applicant_id == person.id),
        sa.exists().where(Inspection.inspector_id == person.id),
        sa.exists().where(Decision.decided_by_id == person.id),
    )))
    return [HoldKind.CERTIFICATION] if history else []


def register() -> None:
    erasure.register("certification", lambda person, pseudonym: erasure.Erased(), keeps)
