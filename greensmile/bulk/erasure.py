"""What erasure keeps of the kitchens' orders: a farm's shares, which its deliveries and the kitchens' invoices are
made of (accounting law), kept pseudonymised."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.bulk.models import Share
from greensmile.extensions import db
from greensmile.privacy import erasure
from greensmile.privacy.models import HoldKind


def keeps(person: User) -> list[HoldKind]:
    shares = db.session.scalar(sa.select(sa.exists().where(Share.farmer_id == person.id)))
    return [HoldKind.ACCOUNTS] if shares else []


def register() -> None:
    erasure.register("bulk", lambda person, pseudonym: erasure.Erased(), keeps)
