"""Certification's work for the worker: each night, certificates past their date expire, and plots with a major
corrective action request open past its due date are suspended; each morning, farmers are reminded of certificates
about to expire and corrective actions due or overdue (reminders.py says how each is said once)."""
from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l

from greensmile.certification import corrective, reminders, services
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs


def expire(payload: dict | None = None) -> tuple[int, int]:
    """Returns (certificates expired, certificates suspended). The caller (the worker or the command) commits."""
    return services.expire_due(), corrective.suspend_overdue()


def remind(payload: dict | None = None) -> tuple[int, int]:
    """Returns (certificates, corrective action requests) looked at. After the night's expiry, so a certificate
    that expired or was suspended overnight is not told it is about to expire."""
    return reminders.remind()


def register() -> None:
    jobs.register("certification.expire", expire, max_attempts=3, label=_l("Expire certificates"))
    schedules.daily("certification.expire", "certification.expire", at=time(0, 5))
    jobs.register("certification.remind", remind, max_attempts=3,
                  label=_l("Remind of expiring certificates and corrective actions"))
    schedules.daily("certification.remind", "certification.remind", at=time(8, 0))
