"""Signed-in devices: every sign-in makes one UserSession row, and the session cookie and the remember cookie carry its
random secret (the row keeps only the secret's sha256). Only a live row (not revoked, not idle longer than the
remember cookie lives) of an account that may sign in opens the account, so signing out, a new password, a device
signed out from the list, or a coordinator closing the account also ends every copy of those cookies.

Functions here flush, never commit; `load_user` is the one exception, explained there."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from greensmile.accounts.models import User, UserSession
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.input_hygiene import CONTROL

SECRET_BYTES = 32
TOUCH_EVERY = timedelta(minutes=5)  # how stale `last_seen_at` may get: a write every few minutes, not per request
AGENT_LENGTH = 200
_LONGEST_SECRET = 100  # token_urlsafe(32) is 43 characters; anything much longer is not ours


def hash_secret(secret: str) -> str:
    # A random 32-byte secret needs no slow hash: nobody can guess it, and the table alone opens nothing.
    return hashlib.sha256(secret.encode()).hexdigest()


def _attach(user: User, record: UserSession, secret: str) -> None:
    user.device, user.device_secret = record, secret


def idle_limit() -> timedelta:
    """A device unused this long is signed out: the lifetime of the remember cookie (a year by default)."""
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION") or timedelta(days=365)
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def _live(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(UserSession.revoked_at.is_(None), UserSession.last_seen_at > now - idle_limit())


def start(user: User, *, user_agent: str | None, ip: str | None) -> UserSession:
    """Record a sign-in on one device; afterwards `user.get_id()` names it for Flask-Login's cookies."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    record = UserSession(
        user=user, token_hash=hash_secret(secret), created_at=now, last_seen_at=now,
        user_agent=CONTROL.sub("", user_agent or "")[:AGENT_LENGTH], ip=(ip or None) and ip[:45],
    )
    db.session.add(record)
    db.session.flush()
    _attach(user, record, secret)
    return record


def load_user(cookie_id: str) -> User | None:
    """Flask-Login's user loader: the account whose live device the session or remember cookie names, or None.

    It also moves the device's `last_seen_at` forward every few minutes. That write commits here, on its own:
    the loader runs when a request first asks for `current_user`, before the page has changed anything; if the
    session already holds work of the request, the touch waits for a later request rather than commit that work."""
    if not cookie_id or len(cookie_id) > _LONGEST_SECRET:
        return None
    session = db.session()  # the session itself: the scoped proxy does not offer in_transaction()
    untouched = not session.in_transaction() and not (session.new or session.dirty or session.deleted)
    now = utcnow()
    record = session.scalar(sa.select(UserSession).where(UserSession.token_hash == hash_secret(cookie_id), _live(now)))
    if record is None or not record.user.can_sign_in:
        return None
    user = record.user
    _attach(user, record, cookie_id)
    if untouched and record.last_seen_at < now - TOUCH_EVERY:
        record.last_seen_at = now
        session.commit()
    return user


def live_devices(user: User) -> list[UserSession]:
    """The devices the account is signed in on now, the most recently used first."""
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id, _live(utcnow()))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def is_live(record: UserSession) -> bool:
    return record.revoked_at is None and record.last_seen_at > utcnow() - idle_limit()


def revoke(record: UserSession) -> None:
    """Sign one device out: its cookies, and every copy of them, stop opening the account."""
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        db.session.flush()


def revoke_all(user: User, keep: UserSession | None = None) -> int:
    """Sign the account out on every device but `keep` (the one asking, if any); returns how many were signed out."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep.id)
    count = db.session.execute(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session="fetch")).rowcount
    db.session.flush()
    return count


# ---------------------------------------------------------------- a browser's name, for the list of devices
_BROWSERS = (  # the first match wins: most browsers also call themselves Chrome and Safari
    ("Line/", "LINE"), ("FBAN", "Facebook"), ("FB_IAB", "Facebook"), ("SamsungBrowser", "Samsung Internet"),
    ("Edg", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"), ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
    ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
)


def _first(agent: str, table) -> str | None:
    return next((name for marker, name in table if marker in agent), None)


def describe_agent(agent: str | None) -> str:
    """'Chrome on Android' from a User-Agent header; what is not recognised is said plainly."""
    agent = agent or ""
    browser, system = _first(agent, _BROWSERS), _first(agent, _SYSTEMS)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown browser")
