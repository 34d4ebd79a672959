"""The daily reminders: certificates about to expire, and corrective action requests due soon or overdue.

Invariant: each reminder is said at most once per person (the notification's `once` key), so a sweep run twice in a
day, or one that ran late, says nothing twice; and a sweep that missed days says what is true now, never a stale
threshold. For a certificate that is the nearest threshold it has reached: 60, 30, then 7 days before valid_until.
A certificate first met at 29 days is told of 30 days (once), never also of 60; one first met at 5 days is told of
7 days only. The key carries valid_until, so a renewed certificate is reminded again in its next year. A corrective
action request is told "due" once when its date is a week away or less, and "overdue" once after the date has
passed (a request first met after its date is told "overdue" only).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from greensmile.certification import notify
from greensmile.certification.group_models import CorrectiveAction
from greensmile.certification.models import Certification, CertStatus
from greensmile.clock import today
from greensmile.extensions import db

EXPIRY_THRESHOLDS = (60, 30, 7)  # days before valid_until
CORRECTIVE_NOTICE_DAYS = 7  # "due soon" from this many days before the due date
# Statuses whose holder can still keep the certificate by reapplying; a suspended one is told of its suspension.
REMINDED = (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS, CertStatus.IN_CONVERSION)


def threshold_for(days_left: int) -> int | None:
    """The nearest threshold reached with this many days left (29 -> 30, 5 -> 7, 61 -> None)."""
    reached = [threshold for threshold in EXPIRY_THRESHOLDS if days_left <= threshold]
    return min(reached) if reached else None


def remind_expiring(on: date) -> int:
    """Tell each farmer whose certificate reaches a threshold; returns how many certificates were looked at."""
    certs = db.session.scalars(
        sa.select(Certification).where(Certification.status.in_(REMINDED), Certification.valid_until >= on,
                                       Certification.valid_until <= on + timedelta(days=max(EXPIRY_THRESHOLDS)))
        .options(joinedload(Certification.plot), joinedload(Certification.standard)).order_by(Certification.id)
    ).all()
    for cert in certs:
        days_left = (cert.valid_until - on).days
        notify.certificate_expiring(cert, threshold_for(days_left), days_left)
    return len(certs)


def remind_corrective(on: date) -> int:
    """Tell each farmer of their open requests due within the week or overdue; returns how many were looked at."""
    requests = db.session.scalars(
        sa.select(CorrectiveAction).where(CorrectiveAction.closed_at.is_(None),
                                          CorrectiveAction.due_on <= on + timedelta(days=CORRECTIVE_NOTICE_DAYS))
        .options(joinedload(CorrectiveAction.certification)).order_by(CorrectiveAction.id)
    ).all()
    for request in requests:
        notify.corrective_due(request, on)
    return len(requests)


def remind(on: date | None = None) -> tuple[int, int]:
    """The whole sweep, for one day (default: today in Songkhla). Safe to run any number of times."""
    on = on or today()
    return remind_expiring(on), remind_corrective(on)
