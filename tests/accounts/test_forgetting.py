"""Each night the worker forgets devices signed out long ago and removes sign-ups never confirmed; a live device, a
recent sign-up and a confirmed account stay."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from greensmile.accounts import jobs
from greensmile.accounts.models import Role, User, UserSession
from greensmile.db import utcnow
from greensmile.extensions import db
from tests.factories import make_user


def test_old_signed_out_devices_and_stale_sign_ups_go_the_rest_stays(app_ctx):
    now = utcnow()
    kept = make_user(Role.CONSUMER, email="kept@example.com")
    old = UserSession(user=kept, token_hash="a" * 64, revoked_at=now - timedelta(days=120))
    recent = UserSession(user=kept, token_hash="b" * 64, revoked_at=now - timedelta(days=2))
    live = UserSession(user=kept, token_hash="c" * 64, last_seen_at=now - timedelta(hours=1))
    db.session.add_all([old, recent, live])
    stale = make_user(Role.CONSUMER, email="stale@example.com")
    fresh = make_user(Role.CONSUMER, email="fresh@example.com")
    for user, age in ((stale, timedelta(days=30)), (fresh, timedelta(days=1))):
        user.email_confirmed_at, user.created_at = None, now - age
    confirmed_long_ago = make_user(Role.CONSUMER, email="old-friend@example.com")
    confirmed_long_ago.created_at = now - timedelta(days=900)
    db.session.flush()

    assert jobs.forget() == (1, 1)
    emails = set(db.session.scalars(sa.select(User.email)))
    assert {"kept@example.com", "fresh@example.com", "old-friend@example.com"} <= emails
    assert "stale@example.com" not in emails
    assert set(db.session.scalars(sa.select(UserSession.token_hash))) == {"b" * 64, "c" * 64}
    assert jobs.forget() == (0, 0)  # nothing more the next night
