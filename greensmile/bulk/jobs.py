"""Kitchens' work for the worker: each night, every active standing order's coming weeks are made."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l

from greensmile.bulk import services
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs


def generate(payload: dict | None = None) -> int:
    """Returns how many bulk orders were made. The caller (the worker or the command) commits."""
    return services.generate(weeks=(payload or {}).get("weeks", services.GENERATE_WEEKS))


def register() -> None:
    jobs.register("bulk.generate", generate, max_attempts=3, label=_l("Make the weeks of standing orders"))
    schedules.daily("bulk.generate", "bulk.generate", at=time(1, 0))
