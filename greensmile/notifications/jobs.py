"""The notification centre's work for the worker: deliveries, replies to texts, and reading LINE's quota."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.notifications import line, services, webhook


def reply(payload: dict) -> None:
    """Answer a text sent to the Official Account: a plot code gets the plot's status, anything else a hint."""
    locale = payload.get("locale") or "th"
    with force_locale(locale):
        text = webhook.answer(payload["text"], locale) or _(
            "Send a plot code (the six characters printed under the QR code) to see whether the plot is certified.")
    line.reply(payload["reply_token"], text)


def register() -> None:
    jobs.register(services.DELIVER, services.deliver, max_attempts=10, label=_l("Send a notification"))  # back-off reaches hours: a long outage
    jobs.register(webhook.REPLY, reply, max_attempts=2, label=_l("Answer a LINE message"))  # a reply token lives about a minute
    jobs.register("line.quota", services.refresh_quota, max_attempts=1, label=_l("Read the LINE quota"))
    schedules.every("line.quota", "line.quota", timedelta(minutes=30))
