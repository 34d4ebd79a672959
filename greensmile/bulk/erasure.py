"""The kitchens' part in privacy. Erasure waits while a farm still has a share to deliver; it takes the farm's weekly
offers out of the allocation; it keeps the farm's shares, which deliveries and the kitchens' invoices are made of
(accounting law), pseudonymised. A kitchen's contact name and the notes on its orders are swept for the person's
values."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from greensmile.accounts.models import User
from greensmile.bulk.models import FarmCapacity, Share, ShareStatus
from greensmile.extensions import db
from greensmile.privacy import erasure
from greensmile.privacy.models import HoldKind

TO_DELIVER = (ShareStatus.PROPOSED, ShareStatus.CONFIRMED)
COPIES = [("buyer_profiles", "contact_name"), ("bulk_orders", "note"), ("standing_orders", "note"),
          ("bulk_shares", "answer_note"), ("bulk_shares", "received_note"), ("bulk_events", "detail")]


def blocks(person: User) -> str | None:
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Share).where(
        Share.farmer_id == person.id, Share.status.in_(TO_DELIVER)))
    if waiting:
        return _("%(count)s kitchen shares of theirs are still to be answered or delivered: settle them first (withdraw "
                 "them, or cancel the kitchen's order).", count=waiting)
    return None


def erase(person: User, pseudonym: str) -> erasure.Erased:
    offers = db.session.execute(sa.update(FarmCapacity).where(
        FarmCapacity.farmer_id == person.id, FarmCapacity.is_active.is_(True)).values(is_active=False)
        .execution_options(synchronize_session=False)).rowcount
    return erasure.Erased({"weekly_offers": offers})


def keeps(person: User) -> list[HoldKind]:
    shares = db.session.scalar(sa.select(sa.exists().where(Share.farmer_id == person.id)))
    return [HoldKind.ACCOUNTS] if shares else []


def register() -> None:
    erasure.register("bulk", erase, keeps, blocks=blocks, copies=COPIES)
