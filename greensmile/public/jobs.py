"""The QR pages' work for the worker: each night, the finished days' scan counts move from Redis to the database."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l

from greensmile.clock import today
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.notifications import webhook
from greensmile.public import line_answers, scans


def collect_scans(payload: dict | None = None) -> int:
    """Returns how many scans were moved (none without Redis). The caller (the worker or the command) commits."""
    return scans.collect(today())


def register() -> None:
    jobs.register("qr.collect-scans", collect_scans, max_attempts=3, label=_l("Collect QR scan counts"))
    schedules.daily("qr.collect-scans", "qr.collect-scans", at=time(0, 15))
    if line_answers.answer not in webhook.ANSWERS:
        webhook.ANSWERS.append(line_answers.answer)
