"""The worker's own tidying: finished jobs and old schedule ticks are forgotten after a fortnight (the orders sweep
alone makes 1,440 jobs a day). Dead jobs stay until a coordinator sends them again, except a schedule's, which
the later ticks have done again."""
from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import schedules, services
from greensmile.jobs.models import Job, JobStatus, ScheduleRun

KEEP = timedelta(days=14)


def forget(payload: dict | None = None) -> tuple[int, int]:
    """Returns (jobs forgotten, ticks forgotten). The caller (the worker) commits."""
    before = utcnow() - KEEP
    ticks = db.session.execute(sa.delete(ScheduleRun).where(ScheduleRun.tick < before)
                               .execution_options(synchronize_session=False)).rowcount
    done = db.session.execute(sa.delete(Job).where(Job.status == JobStatus.DONE, Job.finished_at < before)
                              .execution_options(synchronize_session=False)).rowcount
    # A scheduled job that died long ago is superseded by every tick since: it would only bury real dead letters.
    swept = {schedule.kind for schedule in schedules.SCHEDULES.values()}
    done += db.session.execute(sa.delete(Job).where(
        Job.status == JobStatus.DEAD, Job.kind.in_(swept), Job.finished_at < before,
    ).execution_options(synchronize_session=False)).rowcount
    return done, ticks


def register() -> None:
    services.register("jobs.forget", forget, max_attempts=3, label=_l("Forget finished jobs"))
    schedules.daily("jobs.forget", "jobs.forget", at=time(3, 30))
