"""What cron did, the worker does: each schedule asks for one job per tick, whichever worker sees the tick first, and
the four housekeeping commands are on the timetable."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.jobs.models import Job, JobStatus, ScheduleRun


@pytest.fixture
def timetable():
    """An empty timetable and kinds of job for one test only."""
    handlers, before = dict(jobs.HANDLERS), dict(schedules.SCHEDULES)
    schedules.SCHEDULES.clear()
    yield schedules
    schedules.SCHEDULES.clear()
    schedules.SCHEDULES.update(before)
    jobs.HANDLERS.clear()
    jobs.HANDLERS.update(handlers)


def _jobs(kind: str) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.kind == kind).order_by(Job.id)))


def test_a_schedule_asks_once_per_tick_and_again_at_the_next(app_ctx, timetable):
    ran = []
    jobs.register("sweep", lambda payload: ran.append(payload["tick"]))
    timetable.every("sweep", "sweep", timedelta(minutes=1))
    start = datetime(2026, 12, 3, 8, 0, 10, tzinfo=UTC)
    assert jobs.run_once("w1", now=start) == 1
    assert jobs.run_once("w1", now=start + timedelta(seconds=30)) == 0  # the same minute: nothing new
    assert jobs.run_once("w2", now=start + timedelta(seconds=49)) == 0  # nor for another worker
    assert jobs.run_once("w1", now=start + timedelta(seconds=55)) == 1  # 08:01:05, the next tick
    assert ran == ["2026-12-03T08:00:00+00:00", "2026-12-03T08:01:00+00:00"]


def test_two_workers_asking_for_the_same_tick_make_one_job(app_ctx, timetable):
    jobs.register("sweep", lambda payload: None)
    timetable.every("sweep", "sweep", timedelta(minutes=5))
    now = datetime(2026, 12, 3, 8, 2, tzinfo=UTC)
    # The second worker looked before the first wrote: its write clashes with the unique (schedule, tick).
    db.session.add(ScheduleRun(schedule="sweep", tick=datetime(2026, 12, 3, 8, 0, tzinfo=UTC)))
    db.session.commit()
    assert timetable.ask_due(now) == 0
    assert _jobs("sweep") == []
    assert timetable.ask_due(now + timedelta(minutes=3)) == 1  # 08:05, its own tick


def test_a_daily_schedule_ticks_at_its_bangkok_time(app_ctx, timetable):
    schedule = schedules.Schedule("night", "sweep", daily_at=time(0, 5))
    # 00:04 in Bangkok on 4 December is 17:04 UTC on the 3rd: still the tick of the 3rd's 00:05 (17:05 UTC on the 2nd)
    assert schedule.tick(datetime(2026, 12, 3, 17, 4, tzinfo=UTC)) == datetime(2026, 12, 2, 17, 5, tzinfo=UTC)
    assert schedule.tick(datetime(2026, 12, 3, 17, 5, tzinfo=UTC)) == datetime(2026, 12, 3, 17, 5, tzinfo=UTC)


def test_a_worker_that_was_off_for_days_asks_for_the_latest_tick_only(app_ctx, timetable):
    jobs.register("sweep", lambda payload: None)
    timetable.daily("night", "sweep", time(0, 5))
    assert timetable.ask_due(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == 1
    assert timetable.ask_due(datetime(2026, 12, 5, 0, 0, tzinfo=UTC)) == 1
    assert len(_jobs("sweep")) == 2


def test_the_housekeeping_that_cron_ran_is_on_the_timetable(app):
    by_kind = {schedule.kind: schedule for schedule in schedules.SCHEDULES.values()}
    assert by_kind["orders.expire"].every == timedelta(minutes=1)
    assert by_kind["certification.expire"].daily_at is not None
    assert by_kind["bulk.generate"].daily_at is not None
    assert by_kind["qr.collect-scans"].daily_at is not None
    assert {"orders.expire", "certification.expire", "bulk.generate", "qr.collect-scans"} <= set(jobs.HANDLERS)


def test_a_round_of_the_real_timetable_runs_the_housekeeping(app_ctx):
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    ran = jobs.run_once("w1", now=now)
    kinds = {job.kind: job.status for job in db.session.scalars(sa.select(Job))}
    assert ran >= 4
    for kind in ("orders.expire", "certification.expire", "bulk.generate", "qr.collect-scans"):
        assert kinds[kind] is JobStatus.DONE, (kind, kinds)


def test_finished_jobs_and_old_ticks_are_forgotten_after_a_fortnight_and_the_dead_stay(app_ctx):
    from greensmile.jobs import housekeeping

    long_ago = datetime.now(UTC) - timedelta(days=20)
    old_done = Job(kind="x", status=JobStatus.DONE, finished_at=long_ago, created_at=long_ago)
    new_done = Job(kind="x", status=JobStatus.DONE, finished_at=datetime.now(UTC))
    dead = Job(kind="x", status=JobStatus.DEAD, finished_at=long_ago, created_at=long_ago)
    db.session.add_all([old_done, new_done, dead,
                        ScheduleRun(schedule="s", tick=long_ago), ScheduleRun(schedule="s", tick=datetime.now(UTC))])
    db.session.flush()
    assert housekeeping.forget() == (1, 1)
    assert {job.id for job in db.session.scalars(sa.select(Job))} == {new_done.id, dead.id}
    assert "jobs.forget" in schedules.SCHEDULES
