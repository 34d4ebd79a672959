"""Demo consents: the owners of the demo plots agreed, as a coordinator recorded, to be listed in the farm
directory (so /farms shows the demo's certified and in-conversion plots)."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.plots.demo import DEMO_PLOTS, demo_code
from greensmile.plots.models import Plot
from greensmile.privacy import services
from greensmile.privacy.models import Consent, Purpose


def seed_consents() -> None:
    coordinator = demo_user("coordinator")
    if coordinator is None:
        return
    codes = [demo_code(row[0]) for row in DEMO_PLOTS]
    owners = db.session.scalars(sa.select(User).where(User.id.in_(
        sa.select(Plot.owner_id).where(Plot.code.in_(codes)))).order_by(User.id)).all()
    answered = set(db.session.scalars(sa.select(Consent.user_id).where(Consent.purpose == Purpose.FARM_DIRECTORY)))
    for owner in owners:
        if owner.id not in answered:
            services.record(owner, Purpose.FARM_DIRECTORY, True, coordinator)
