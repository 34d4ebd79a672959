"""Orders' work for the worker: every minute, unpaid online orders past their time give their stock back, and
listings whose certificate has lapsed are withdrawn."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.listings import services as listings
from greensmile.orders import services


def expire(payload: dict | None = None) -> tuple[int, int]:
    """Returns (orders expired, listings withdrawn). The caller (the worker or the command) commits."""
    return services.expire_due(), listings.lapse_due()


def register() -> None:
    jobs.register("orders.expire", expire, max_attempts=2, label=_l("Expire unpaid orders"))  # the next minute's run catches up anyway
    schedules.every("orders.expire", "orders.expire", timedelta(minutes=1))
