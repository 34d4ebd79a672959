"""Accounts' work for the worker: each night, devices signed out or idle long ago are forgotten, and sign-ups whose
address was never confirmed are removed once their link has long expired (the address is free for a new sign-up)."""
from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User, UserSession
from greensmile.accounts.services import CONFIRM_MAX_AGE
from greensmile.accounts.sessions import idle_limit
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs

KEEP_SIGNED_OUT = timedelta(days=90)  # a signed-out device stays on the devices page this long
KEEP_UNCONFIRMED = timedelta(seconds=CONFIRM_MAX_AGE) + timedelta(days=7)


def forget(payload: dict | None = None) -> tuple[int, int]:
    """Returns (devices forgotten, unconfirmed sign-ups removed). The caller (the worker) commits."""
    now = utcnow()
    devices = db.session.execute(sa.delete(UserSession).where(sa.or_(
        UserSession.revoked_at < now - KEEP_SIGNED_OUT,
        UserSession.last_seen_at < now - idle_limit() - KEEP_SIGNED_OUT,
    )).execution_options(synchronize_session=False)).rowcount
    removed = 0
    stale = db.session.scalars(sa.select(User).where(
        User.email.is_not(None), User.email_confirmed_at.is_(None), User.created_at < now - KEEP_UNCONFIRMED))
    for user in stale:
        try:
            with db.session.begin_nested():  # an account something else points at stays (and is looked at by hand)
                db.session.delete(user)
            removed += 1
        except sa.exc.IntegrityError:
            continue
    return devices, removed


def register() -> None:
    jobs.register("accounts.forget", forget, max_attempts=3, label=_l("Forget old devices and unconfirmed sign-ups"))
    schedules.daily("accounts.forget", "accounts.forget", at=time(3, 0))
