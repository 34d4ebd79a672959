"""What erasure does to the person's listings: taken off sale (nobody can order from an erased farmer), their text
swept for the person's values. Orders already placed wait for erasure (see orders)."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.db import touched
from greensmile.extensions import db
from greensmile.listings.models import Listing, ListingStatus
from greensmile.privacy import erasure

COPIES = [("listings", "title"), ("listings", "description"), ("listings", "status_reason")]


def erase(person: User, pseudonym: str) -> erasure.Erased:
    withdrawn = db.session.scalars(sa.update(Listing).where(
        Listing.farmer_id == person.id, Listing.status == ListingStatus.ACTIVE).values(status=ListingStatus.WITHDRAWN)
        .returning(Listing.id).execution_options(synchronize_session=False)).all()
    touched(db.session, "listings", withdrawn)  # their plots' pages drop them
    return erasure.Erased({"withdrawn": len(withdrawn)})


def register() -> None:
    erasure.register("listings", erase, copies=COPIES)
