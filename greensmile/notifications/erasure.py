"""The notification centre's part in privacy: erasure removes the messages sent to the person and their choices of
channel; the retention run removes messages older than a year; coordinators are told of erasure requests past their
day, and whoever asked for a large data download is told when it is ready."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.notifications import services as centre
from greensmile.notifications.models import Choice, Delivery, Notification
from greensmile.privacy import erasure, export, retention
from greensmile.privacy.models import DataExport, RetentionRun
from greensmile.urls import public_url

KEEP_MESSAGES = timedelta(days=365)


def erase(person: User, pseudonym: str) -> erasure.Erased:
    messages = db.session.execute(sa.delete(Notification).where(Notification.user_id == person.id)
                                  .execution_options(synchronize_session=False)).rowcount
    db.session.execute(sa.delete(Choice).where(Choice.user_id == person.id).execution_options(synchronize_session=False))
    return erasure.Erased({"messages": messages})


def forget_old(now: datetime) -> int:
    """Messages older than a year, except one still waiting to be delivered."""
    return db.session.execute(sa.delete(Notification).where(
        Notification.created_at < now - KEEP_MESSAGES, Notification.delivery != Delivery.WAITING,
    ).execution_options(synchronize_session=False)).rowcount


def tell_overdue(run: RetentionRun, late: int) -> None:
    if late:
        centre.notify_coordinators("privacy.erasure_overdue", lambda: centre.Message(
            _("Erasure requests are overdue"),
            _("%(count)s erasure requests are past their day. Decide them now.", count=late),
            public_url("privacy.erasures")))


def tell_export_ready(made: DataExport) -> None:
    """Whoever asked for a large download: the person, or the coordinator making it for them."""
    asker = db.session.get(User, made.requested_by_id or made.user_id)
    centre.notify(asker, "privacy.export_ready", lambda: centre.Message(
        _("Your data download is ready"),
        _("It can be downloaded for seven days from the page “Download my data”."),
        public_url("privacy.my_data")))


def register() -> None:
    erasure.register("notifications", erase)
    retention.rule("notifications.old", _l("Messages sent more than a year ago"), forget_old)
    retention.reporter("notifications", tell_overdue)
    export.READY_HOOKS["notifications"] = tell_export_ready
