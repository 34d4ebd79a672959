"""Retention runs by itself: each night the worker applies every rule (a domain's rule erases what passed its period:
old messages, delivery addresses of finished orders, contacts left with handled concerns; this room's own: the
access log, and the holds of erased people whose period has ended), keeps a report of what it did, and tells the
coordinators when erasure requests are overdue.

Invariant: a run is one transaction with its report: the report says exactly what was erased. Each rule is a sweep
that catches up by itself, so a worker stopped for a week does the week's work on its next run, and a run twice is
harmless (the second finds nothing).

This room imports no domain: domains register their rules at start-up (`rule`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.clock import BANGKOK, today
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.privacy import erasure, export
from greensmile.privacy.models import AccessLog, ErasureRequest, ErasureStatus, RetentionHold, RetentionRun

KIND = "privacy.retention"
KEEP_ACCESS_LOG = timedelta(days=730)


@dataclass(frozen=True)
class Rule:
    label: object
    run: Callable[[datetime], int]  # (now) -> how many records it erased or pseudonymised


RULES: dict[str, Rule] = {}
# Told after each run, with the count of overdue erasure requests (privacy.centre tells the coordinators).
REPORTERS: dict[str, Callable[[RetentionRun, int], None]] = {}


def rule(name: str, label, run: Callable[[datetime], int]) -> None:
    RULES[name] = Rule(label, run)


def reporter(name: str, tell: Callable[[RetentionRun, int], None]) -> None:
    """`tell(run, overdue)` after each run, in its transaction (the notification centre tells the coordinators)."""
    REPORTERS[name] = tell


def _access_log(now: datetime) -> int:
    return db.session.execute(sa.delete(AccessLog).where(AccessLog.created_at < now - KEEP_ACCESS_LOG)
                              .execution_options(synchronize_session=False)).rowcount


def _holds(now: datetime) -> int:
    """Holds whose day has passed (in Thailand) end, and what the domains remove then goes (the EUDR photos, the
    pledge signatures, the transfer slips); returns how many holds ended. The files go once the run commits."""
    ended = 0
    for hold in db.session.scalars(sa.select(RetentionHold).where(
            RetentionHold.ended_at.is_(None), RetentionHold.keep_until < now.astimezone(BANGKOK).date())):
        for end in erasure.HOLD_ENDS.get(hold.kind, []):
            end(hold.user_id)
        hold.ended_at = now
        ended += 1
    return ended


rule("privacy.access_log", _l("Access log lines older than two years"), _access_log)
rule("privacy.holds", _l("Records of erased people whose keeping period has ended"), _holds)
rule("privacy.exports", _l("Data downloads made more than a week ago"), export.forget)


def overdue() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest).where(
        ErasureRequest.status == ErasureStatus.ASKED, ErasureRequest.due_on < today())) or 0


def run(payload: dict | None = None, now: datetime | None = None) -> RetentionRun:
    """Apply every rule once, keep the report; the caller (the worker) commits."""
    now = now or utcnow()
    report = {name: RULES[name].run(now) for name in sorted(RULES)}
    late = overdue()
    report["overdue_erasure_requests"] = late
    done = RetentionRun(ran_at=now, report=report)
    db.session.add(done)
    db.session.flush()
    for tell in REPORTERS.values():
        tell(done, late)
    return done


def recent_runs(limit: int = 10) -> list[RetentionRun]:
    return list(db.session.scalars(sa.select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit)))


def label_of(name: str) -> str:
    if name == "overdue_erasure_requests":
        return str(_l("Erasure requests past their day, still waiting"))
    found = RULES.get(name)
    return str(found.label) if found else name


def register() -> None:
    export.register()
    jobs.register(KIND, run, max_attempts=3, label=_l("Erase what passed its retention period"))
    schedules.daily(KIND, KIND, at=time(2, 30))
