"""What erasure keeps of certification: a person whose plots were inspected or decided on, or who inspected or
decided, leaves a PGS history the network must keep (IFOAM PGS: every step is kept); it is kept pseudonymised, the
free text of its steps swept for the person's name. When the hold ends, the signed pledges' images go."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.certification.models import Application, Certification, Decision, Inspection
from greensmile.certification.services import PLEDGE_KIND
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.plots.models import Plot
from greensmile.privacy import erasure
from greensmile.privacy.models import HoldKind

COPIES = [("decisions", "reasons"), ("decisions", "conditions"), ("inspections", "summary"),
          ("inspection_answers", "note"), ("certification_events", "reason"), ("residue_tests", "notes"),
          ("corrective_actions", "finding"), ("corrective_actions", "evidence_note"), ("applications", "message")]


def keeps(person: User) -> list[HoldKind]:
    owned = sa.select(Plot.id).where(Plot.owner_id == person.id)
    history = db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Certification.plot_id.in_(owned)),
        sa.exists().where(Application.applicant_id == person.id),
        sa.exists().where(Inspection.inspector_id == person.id),
        sa.exists().where(Decision.decided_by_id == person.id),
    )))
    return [HoldKind.CERTIFICATION] if history else []


def end(user_id: int) -> int:
    """The hold is over: the images of the pledges the person signed go; the applications say they were made."""
    removed = 0
    for application in db.session.scalars(sa.select(Application).where(
            Application.applicant_id == user_id, Application.pledge_image != "")):
        storage.delete_after_commit(db.session, PLEDGE_KIND, application.pledge_image)
        application.pledge_image = ""
        removed += 1
    return removed


def register() -> None:
    erasure.register("certification", keeps=keeps, copies=COPIES)
    erasure.on_hold_end(HoldKind.CERTIFICATION, end)
