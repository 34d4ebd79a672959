"""The notification centre.

Invariant: `notify` writes the notification and its delivery job in the caller's transaction, so a change that rolls
back announces nothing, and a change that commits is announced at least once, whatever happens to LINE or the mail
server meanwhile. The worker delivers (`deliver`): by LINE when the person chose it and can get it (linked, a friend
of the Official Account, quota left), else by e-mail; LINE's retry key makes a retried push one message.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from greensmile.accounts.models import LineLink, Role, User
from greensmile.clock import BANGKOK
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.mail import send_mail
from greensmile.notifications import line
from greensmile.notifications.kinds import KINDS, SECRET, for_user
from greensmile.notifications.models import Channel, Choice, Delivery, LineQuota, Notification

log = logging.getLogger(__name__)

DELIVER = "notifications.deliver"
_QUIET = "greensmile.notifications.quiet"
KEEP_MESSAGES = timedelta(days=365)
# Checks a LINE push must pass besides the link, the friendship and the quota, filled at start-up by the rooms that
# own them (privacy: the person's consent, LINE being abroad): each returns why not, or None. The centre imports
# none of them.
LINE_GATES: dict[str, Callable[[User], str | None]] = {}


@dataclass
class Message:
    """What a notification says, rendered in its reader's language."""

    title: str
    body: str
    url: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)


class MailDown(Exception):
    """The mail server did not take the message: the job tries again later."""


# ---------------------------------------------------------------- writing
def notify(user: User | None, kind: str, render: Callable[[], Message], *, once: str | None = None
           ) -> Notification | None:
    """Tell `user` about something, in the caller's transaction. `render` is called in the reader's language.
    `once`: a key the person is told about at most once (a reminder a daily sweep meets again)."""
    if user is None or not user.is_active:
        return None
    if db.session.info.get(_QUIET):
        return None
    if once is not None and db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == user.id, Notification.once_key == once)):
        return None
    spec = KINDS[kind]
    with force_locale(user.locale or "th"):
        message = render()
    channel = Channel.EMAIL if spec.mandatory else channel_for(user, kind)
    notification = Notification(
        user=user, kind=kind, once_key=once, title=message.title[:200], body=message.body, url=message.url[:500],
        facts=[[str(label), str(value)] for label, value in message.facts], channel=channel,
        delivery=Delivery.NOT_SENT if channel is Channel.NONE else Delivery.WAITING,
    )
    db.session.add(notification)
    db.session.flush()
    if channel is not Channel.NONE:
        jobs.enqueue(DELIVER, {"id": notification.id})
    return notification


def notify_coordinators(kind: str, render: Callable[[], Message]) -> None:
    for coordinator in db.session.scalars(
        sa.select(User).where(User.roles.any(role=Role.COORDINATOR), User.is_active.is_(True)).order_by(User.id)
    ):
        notify(coordinator, kind, render)


@contextmanager
def quiet():
    """Nothing is announced inside the block: for records of what happened before today (the demo's last month)."""
    before = db.session.info.get(_QUIET)
    db.session.info[_QUIET] = True
    try:
        yield
    finally:
        db.session.info[_QUIET] = before


# ---------------------------------------------------------------- choices
def default_channel(user: User) -> Channel:
    return Channel.LINE if user.line_link is not None else Channel.EMAIL


def channel_for(user: User, kind: str) -> Channel:
    """The person's choice for this kind, else the default: one query for both (a checkout tells two people)."""
    chosen, linked = db.session.execute(sa.select(
        sa.select(Choice.channel).where(Choice.user_id == user.id, Choice.kind == kind).scalar_subquery(),
        sa.exists().where(LineLink.user_id == user.id),
    )).one()
    return chosen or (Channel.LINE if linked else Channel.EMAIL)


def choices(user: User) -> dict[str, Channel]:
    """Each kind the person may choose about, with their channel for it."""
    stored = dict(db.session.execute(sa.select(Choice.kind, Choice.channel).where(Choice.user_id == user.id)).all())
    default = default_channel(user)
    return {kind.code: stored.get(kind.code, default) for kind in for_user(user)}


def set_choices(user: User, chosen: dict[str, Channel]) -> None:
    allowed = {kind.code for kind in for_user(user)}
    existing = {c.kind: c for c in db.session.scalars(sa.select(Choice).where(Choice.user_id == user.id))}
    for kind, channel in chosen.items():
        if kind not in allowed:
            continue
        if kind in existing:
            existing[kind].channel = channel
        else:
            db.session.add(Choice(user_id=user.id, kind=kind, channel=channel))
    db.session.flush()


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def forget_person(user_id: int) -> int:
    """The messages sent to a person and their choices of channel (their account is erased); how many messages."""
    messages = db.session.execute(sa.delete(Notification).where(Notification.user_id == user_id)
                                  .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.delete(Choice).where(Choice.user_id == user_id).execution_options(synchronize_session=False))
    return messages


def forget_older_than(now: datetime) -> int:
    """Messages older than KEEP_MESSAGES, except one still waiting to be delivered."""
    return db.session.execute(sa.delete(Notification).where(
        Notification.created_at < now - KEEP_MESSAGES, Notification.delivery != Delivery.WAITING,
    ).execution_options(synchronize_session=False)).rowcount


# ---------------------------------------------------------------- the quota
def _month() -> str:
    return utcnow().astimezone(BANGKOK).strftime("%Y-%m")


def quota() -> LineQuota | None:
    """This month's quota as last read, if it has been."""
    return db.session.scalar(sa.select(LineQuota).where(LineQuota.month == _month()))


def _quota_row() -> LineQuota:
    row = quota()
    if row is None:
        row = LineQuota(month=_month())
        db.session.add(row)
    return row


def refresh_quota(payload: dict | None = None) -> None:
    """The worker reads the quota from LINE now and then, so the coordinators' page never has to. A reading that
    fails is logged and skipped: the next one comes in 30 minutes. A fresh reading decides whether pushes go on
    (a plan raised in the middle of the month opens LINE again)."""
    if not line.enabled():
        return
    try:
        limit, used = line.read_quota()
    except Exception as error:  # LINE down or refusing: the page shows the last reading and its time
        log.warning("could not read LINE's quota: %s", error)
        return
    row = _quota_row()
    row.limit, row.used, row.read_at = limit, used, utcnow()
    row.exhausted = limit is not None and used >= limit
    db.session.flush()


# ---------------------------------------------------------------- delivering
def _line_unreachable(user: User) -> str | None:
    """Why a LINE push cannot go to this person now (kept with the notification), or None if it can."""
    link: LineLink | None = user.line_link
    if not line.enabled():
        return _("LINE is not set up on this site.")
    if link is None:
        return _("No LINE account is linked.")
    if not link.friend:
        return _("The Green Smile LINE account is not your friend (blocked or not added).")
    for gate in LINE_GATES.values():
        reason = gate(user)
        if reason is not None:
            return reason
    row = quota()
    if row is not None and row.exhausted:
        return _("This month's LINE messages are used up.")
    return None


def deliver(payload: dict) -> None:
    """The worker's handler: send one notification, once it is sure how."""
    notification = db.session.get(Notification, payload["id"])
    if notification is None or notification.delivery is not Delivery.WAITING:
        return  # done by an earlier attempt
    with force_locale(notification.user.locale or "th"):  # notes and the mail's subject in the reader's language
        _deliver(notification)


def _deliver(notification: Notification) -> None:
    user = notification.user
    note = ""
    if notification.channel is Channel.LINE:
        reason = _line_unreachable(user)
        if reason is None:
            outcome = line.push(user.line_link.line_user_id, notification)  # LineDown: tried again later
            if outcome is line.Outcome.SENT:
                _sent(notification, Channel.LINE, Delivery.SENT)
                return
            if outcome is line.Outcome.QUOTA:
                _quota_row().exhausted = True
            reason = (_("This month's LINE messages are used up.") if outcome is line.Outcome.QUOTA
                      else _("LINE refused the message."))
        note = reason
    if not user.email:
        notification.delivery = Delivery.NOT_SENT
        notification.note = (note + " " + _("No e-mail address to send it to instead.")).strip()[:300]
        return
    subject = _("Green Smile: %(title)s", title=notification.title)
    body = notification.body + (f"\n\n{notification.url}" if notification.url else "")
    if not send_mail(user.email, subject, body):
        raise MailDown("the mail server did not take the message")
    _sent(notification, Channel.EMAIL, Delivery.FELL_BACK if note else Delivery.SENT)
    notification.note = note[:300]
    if notification.kind in SECRET:  # the link opens the account: it lives in the mailbox only
        notification.body, notification.url = "", ""


def _sent(notification: Notification, via: Channel, delivery: Delivery) -> None:
    notification.sent_via, notification.delivery, notification.sent_at = via, delivery, utcnow()


def set_friend(line_user_id: str, friend: bool, at: datetime) -> None:
    """A follow (friend) or unfollow (blocked: no more pushes, notices by e-mail) that happened at `at`. An event
    older than what we know already (a redelivery arriving after a newer event) changes nothing."""
    link = db.session.scalar(sa.select(LineLink).where(LineLink.line_user_id == line_user_id))
    if link is None or (link.friend_changed_at is not None and at <= link.friend_changed_at):
        return
    link.friend, link.friend_changed_at = friend, at
