"""Demo consents: the demo farmers agreed, as a coordinator recorded, to be listed in the farm directory."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import Role, User, UserRole
from greensmile.demo import DEMO_DOMAIN, demo_user
from greensmile.extensions import db
from greensmile.privacy import services
from greensmile.privacy.models import Consent, Purpose


def seed_consents() -> None:
    coordinator = demo_user("coordinator")
    if coordinator is None:
        return
    farmers = db.session.scalars(sa.select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.FARMER, User.email.like(f"%@{DEMO_DOMAIN}"))).all()
    answered = set(db.session.scalars(sa.select(Consent.user_id).where(Consent.purpose == Purpose.FARM_DIRECTORY)))
    for farmer in farmers:
        if farmer.id not in answered:
            services.record(farmer, Purpose.FARM_DIRECTORY, True, coordinator)
