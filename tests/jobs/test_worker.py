"""The worker: a job exists only if the change asking for it commits; it runs once when it succeeds, again after a
back-off when it fails (its writes rolled back), is kept as dead after its last attempt and sent again by a
coordinator; a lost worker's jobs are taken again once its lease has run out."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.jobs.errors import NotAllowed, UnknownJob
from greensmile.jobs.models import Job, JobStatus
from greensmile.network.models import Organisation, OrganisationKind
from tests.factories import make_user


@pytest.fixture
def handlers():
    """Kinds of job registered for one test only, and no schedules (they would add their own jobs to the rounds)."""
    before, timetable = dict(jobs.HANDLERS), dict(schedules.SCHEDULES)
    schedules.SCHEDULES.clear()
    yield jobs.register
    jobs.HANDLERS.clear()
    jobs.HANDLERS.update(before)
    schedules.SCHEDULES.update(timetable)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _organisation(name: str) -> None:
    db.session.add(Organisation(name=name, kind=OrganisationKind.FOUNDATION))


def test_a_job_asked_for_by_a_change_that_rolls_back_is_never_run(app_ctx, handlers):
    ran = []
    handlers("note", lambda payload: ran.append(payload["n"]))
    jobs.enqueue("note", {"n": 1})
    db.session.rollback()
    assert _count(Job) == 0 and jobs.run_once("w1") == 0 and ran == []
    jobs.enqueue("note", {"n": 2})
    db.session.commit()
    assert jobs.run_once("w1") == 1 and ran == [2]
    assert jobs.run_once("w1") == 0 and ran == [2]  # done: not run again
    (job,) = db.session.scalars(sa.select(Job))
    assert (job.status, job.attempts, job.finished_at is not None) == (JobStatus.DONE, 1, True)


def test_a_kind_nobody_registered_is_refused_when_asked_for(app_ctx):
    with pytest.raises(UnknownJob):
        jobs.enqueue("no-such-kind")


def test_a_failing_job_loses_its_writes_and_is_tried_again_after_a_back_off_then_kept_as_dead(app_ctx, handlers):
    calls = []

    def flaky(payload):
        calls.append(1)
        _organisation(f"มูลนิธิ {len(calls)}")
        db.session.flush()
        if len(calls) < 3:
            raise ConnectionError("LINE answered 500")

    handlers("flaky", flaky, max_attempts=5)
    job_id = jobs.enqueue("flaky").id
    db.session.commit()
    assert jobs.run_once("w1") == 1
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.QUEUED and "LINE answered 500" in job.last_error
    assert _count(Organisation) == 0  # the failed attempt's write went with it
    wait = job.run_after - utcnow()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=37)
    assert jobs.run_once("w1") == 0  # not before its time
    assert jobs.run_once("w1", now=job.run_after) == 1  # second failure: about a minute now
    job = db.session.get(Job, job_id)
    assert job.attempts == 2 and job.run_after - utcnow() > timedelta(seconds=45)
    assert jobs.run_once("w1", now=job.run_after) == 1
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, len(calls)) == (JobStatus.DONE, 3, 3)
    assert _count(Organisation) == 1  # the successful attempt's write, with "done"

    handlers("broken", lambda payload: 1 / 0, max_attempts=2)
    broken_id = jobs.enqueue("broken", {"why": "test"}).id
    db.session.commit()
    jobs.run_once("w1")
    jobs.run_once("w1", now=db.session.get(Job, broken_id).run_after)
    dead = db.session.get(Job, broken_id)
    assert dead.status is JobStatus.DEAD and "ZeroDivisionError" in dead.last_error
    assert [j.id for j in jobs.dead_jobs()] == [broken_id]
    assert jobs.run_once("w1", now=utcnow() + timedelta(days=1)) == 0  # the dead stay dead


def test_only_a_coordinator_sends_a_dead_job_again(app_ctx, handlers):
    state = {"fail": True}

    def once_fixed(payload):
        if state["fail"]:
            raise RuntimeError("down")

    handlers("fixable", once_fixed, max_attempts=1)
    job_id = jobs.enqueue("fixable").id
    db.session.commit()
    jobs.run_once("w1")
    job = db.session.get(Job, job_id)
    assert job.status is JobStatus.DEAD
    with pytest.raises(NotAllowed):
        jobs.send_again(make_user(Role.FARMER), job)
    jobs.send_again(make_user(Role.COORDINATOR, email="c@example.com"), job)
    db.session.commit()
    state["fail"] = False
    assert jobs.run_once("w1") == 1 and db.session.get(Job, job_id).status is JobStatus.DONE


def test_a_dead_workers_jobs_are_taken_again_once_its_lease_runs_out(app_ctx, handlers):
    ran = []
    handlers("note", lambda payload: ran.append(payload["n"]))
    job_id = jobs.enqueue("note", {"n": 7}).id
    db.session.commit()
    assert jobs.claim("lost-worker", utcnow()) == job_id  # taken, then the worker dies
    assert jobs.run_once("w2") == 0 and ran == []  # still leased
    later = utcnow() + jobs.LEASE + timedelta(seconds=1)
    assert jobs.run_once("w2", now=later) == 1 and ran == [7]
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, job.locked_by) == (JobStatus.DONE, 2, "w2")


def test_back_off_doubles_from_half_a_minute_up_to_six_hours_with_jitter():
    assert jobs.backoff(1, lambda: 0.5) == timedelta(seconds=30)
    assert jobs.backoff(2, lambda: 0.5) == timedelta(seconds=60)
    assert jobs.backoff(30, lambda: 0.5) == timedelta(hours=6)
    assert jobs.backoff(1, lambda: 0.0) == timedelta(seconds=24) and jobs.backoff(1, lambda: 1.0) == timedelta(seconds=36)


def test_the_worker_command_runs_what_is_due_once(app, handlers):
    ran = []
    handlers("note", lambda payload: ran.append(payload["n"]))
    with app.app_context():
        jobs.enqueue("note", {"n": 3})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "1 job(s) run" in result.output and ran == [3]


def test_a_late_worker_whose_lease_ran_out_keeps_nothing_and_does_not_crash(app_ctx, handlers):
    """The slow worker finishes after its lease ran out and another worker ran the job: the job stays the other's."""
    runs = []

    def note(payload):
        runs.append(payload["n"])
        _organisation(f"ร้านที่ {len(runs)}")  # what the run writes

    handlers("note", note)
    job_id = jobs.enqueue("note", {"n": 1}).id
    db.session.commit()
    assert jobs.claim("slow", utcnow()) == job_id
    later = utcnow() + jobs.LEASE + timedelta(seconds=1)
    assert jobs.run_once("quick", now=later) == 1  # took it over and ran it
    assert jobs.run(job_id, "slow") is None  # the slow one ends: not its job any more
    job = db.session.get(Job, job_id)
    assert (job.status, job.locked_by) == (JobStatus.DONE, "quick") and runs == [1, 1]
    assert _count(Organisation) == 1  # the late run's writes were not kept


def test_a_failure_after_the_lease_ran_out_does_not_touch_the_job(app_ctx, handlers):
    def boom(payload):
        raise RuntimeError("late and broken")

    handlers("boom", boom, max_attempts=1)
    job_id = jobs.enqueue("boom").id
    db.session.commit()
    jobs.claim("slow", utcnow())
    db.session.get(Job, job_id).locked_by = "someone-else"  # requeued and taken by another worker meanwhile
    db.session.commit()
    assert jobs.run(job_id, "slow") is None
    assert db.session.get(Job, job_id).status is JobStatus.RUNNING  # the other worker's, untouched


def test_a_round_stops_between_jobs_when_asked_and_leaves_the_rest_queued(app_ctx, handlers):
    ran = []
    handlers("note", lambda payload: ran.append(payload["n"]))
    for n in range(3):
        jobs.enqueue("note", {"n": n})
    db.session.commit()
    assert jobs.run_once("w1", stopping=lambda: len(ran) >= 1) == 1
    statuses = [job.status for job in db.session.scalars(sa.select(Job).order_by(Job.id))]
    assert statuses == [JobStatus.DONE, JobStatus.QUEUED, JobStatus.QUEUED]


def test_a_dead_jobs_hook_marks_what_waited_on_it_in_the_same_transaction(app_ctx, handlers):
    told = []

    def boom(payload):
        _organisation("เขียนแล้วหาย")
        raise RuntimeError("broken")

    handlers("boom", boom, max_attempts=1, on_dead=lambda payload, error: (
        told.append((payload["n"], str(error))), _organisation("บันทึกความล้มเหลว")))
    jobs.enqueue("boom", {"n": 5})
    db.session.commit()
    assert jobs.run_once("w1") == 1
    assert told == [(5, "broken")]
    names = set(db.session.scalars(sa.select(Organisation.name)))
    assert "บันทึกความล้มเหลว" in names and "เขียนแล้วหาย" not in names
