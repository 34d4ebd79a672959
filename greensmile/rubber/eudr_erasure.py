"""What erasure keeps of EUDR records: the cut-off declarations, land documents and evidence of the person's rubber
plots, which an operator must be able to show for five years (Regulation (EU) 2023/1115, Art. 12). They stay private,
pseudonymised; when the hold ends, their photos and signatures are deleted (once the run commits)."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.plots.models import Plot
from greensmile.privacy import erasure
from greensmile.privacy.models import HoldKind
from greensmile.rubber.eudr import PRIVATE_KIND
from greensmile.rubber.eudr_models import CutoffDeclaration, CutoffEvidence, LandDocument

RECORDS = (CutoffDeclaration, LandDocument, CutoffEvidence)


def _owned(user_id: int):
    return sa.select(Plot.id).where(Plot.owner_id == user_id)


def keeps(person: User) -> list[HoldKind]:
    held = db.session.scalar(sa.select(sa.or_(*(sa.exists().where(model.plot_id.in_(_owned(person.id)))
                                                for model in RECORDS))))
    return [HoldKind.EUDR] if held else []


def end(user_id: int) -> int:
    """The hold is over: the photos and signatures go; the records say they were there."""
    removed = 0
    for model in RECORDS:
        for record in db.session.scalars(sa.select(model).where(model.plot_id.in_(_owned(user_id)),
                                                                model.image != "")):
            storage.delete_after_commit(db.session, PRIVATE_KIND, record.image)
            record.image = ""
            removed += 1
    return removed


def register() -> None:
    erasure.register("eudr", keeps=keeps, copies=[("rubber_lots", "note"), ("rubber_harvests", "note")])
    erasure.on_hold_end(HoldKind.EUDR, end)
