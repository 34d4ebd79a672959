"""Work that recurs (what cron did): each schedule asks for one job per tick, once, whichever worker sees it first.

A tick is the start of the schedule's current period: every N minutes counted from the epoch, or a time of day in
Bangkok. The worker calls `ask_due` on each round; a tick already asked for is a unique-key clash and is skipped, so
several workers ask once between them. A worker that was stopped for a day asks for the latest tick only: each
scheduled job is a sweep that catches up by itself (expire what is past, make the weeks that are missing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from greensmile.clock import BANGKOK
from greensmile.extensions import db
from greensmile.jobs import services
from greensmile.jobs.models import ScheduleRun

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    name: str
    kind: str
    every: timedelta | None = None  # a period counted from EPOCH
    daily_at: time | None = None  # a time of day in Bangkok

    def tick(self, now: datetime) -> datetime:
        """The start of the period `now` is in."""
        if self.every is not None:
            return EPOCH + (now - EPOCH) // self.every * self.every
        local = now.astimezone(BANGKOK)
        start = datetime.combine(local.date(), self.daily_at, tzinfo=BANGKOK)
        if start > local:
            start -= timedelta(days=1)
        return start.astimezone(UTC)


SCHEDULES: dict[str, Schedule] = {}


def every(name: str, kind: str, period: timedelta) -> None:
    SCHEDULES[name] = Schedule(name, kind, every=period)


def daily(name: str, kind: str, at: time) -> None:
    SCHEDULES[name] = Schedule(name, kind, daily_at=at)


def ask_due(now: datetime) -> int:
    """Ask for each schedule's job of the current tick, unless some worker already did. Commits; returns how many."""
    asked = 0
    for schedule in SCHEDULES.values():
        tick = schedule.tick(now)
        known = db.session.scalar(sa.select(ScheduleRun.id).where(
            ScheduleRun.schedule == schedule.name, ScheduleRun.tick == tick))
        if known:
            continue
        try:
            with db.session.begin_nested():
                job = services.enqueue(schedule.kind, {"tick": tick.isoformat()}, run_after=now)
                db.session.add(ScheduleRun(schedule=schedule.name, tick=tick, job_id=job.id))
            asked += 1
        except sa.exc.IntegrityError:  # another worker asked for this tick between our look and our write
            pass
    db.session.commit()
    return asked
