"""Jobs and the worker that runs them.

Invariant: `enqueue` writes the job in the caller's session, so a job exists only if the change that asked for it
commits, and a change that rolls back asks for nothing. The worker takes due jobs under FOR UPDATE SKIP LOCKED
(PostgreSQL; SQLite has one writer at a time), marks them running and commits before any handler runs. Each handler
runs in a transaction of its own: on success its writes and the job's "done" commit together; on failure they roll
back, and the job goes back in the queue after a back-off, or is dead after its last attempt. A worker that dies
leaves its jobs running; after LEASE they are queued again. So a job runs at least once and may run twice: a handler
must be idempotent (a unique row, LINE's retry key).

This room imports no domain: a domain registers its kinds of job at start-up (`register`).
"""
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs.errors import NotAllowed, UnknownJob
from greensmile.jobs.models import Job, JobStatus
from greensmile.jobs.transitions import check_job_move

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)
LEASE = timedelta(minutes=15)  # longer than any job runs: the CSV import of 100,000 rows takes a minute or two
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Handler:
    run: Callable[[dict], None]
    max_attempts: int


HANDLERS: dict[str, Handler] = {}


def register(kind: str, run: Callable[[dict], None], max_attempts: int = 8) -> None:
    """A domain's kind of job and the function that does it, given the job's payload."""
    HANDLERS[kind] = Handler(run, max_attempts)


def enqueue(kind: str, payload: dict | None = None, *, run_after: datetime | None = None) -> Job:
    """Ask for a job in the caller's transaction: it is run only if that transaction commits."""
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnknownJob()
    job = Job(kind=kind, payload=payload or {}, run_after=run_after or utcnow(), max_attempts=handler.max_attempts)
    db.session.add(job)
    db.session.flush()
    return job


def backoff(attempts: int, chance: Callable[[], float] = random.random) -> timedelta:
    """30 s after the first failure, then 1 min, 2 min, … up to 6 h, each ±20 %: jobs that failed together (a LINE
    outage) do not all come back in the same second."""
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return delay * (0.8 + 0.4 * chance())


def _move(job: Job, target: JobStatus) -> None:
    check_job_move(job.status, target)
    job.status = target


def requeue_stalled(now: datetime) -> int:
    """Jobs a worker took longer than LEASE ago and never finished (it died): queued again."""
    return db.session.execute(
        sa.update(Job).where(Job.status == JobStatus.RUNNING, Job.locked_at < now - LEASE)
        .values(status=JobStatus.QUEUED, locked_at=None, locked_by="").execution_options(synchronize_session=False)
    ).rowcount


def claim(worker: str, now: datetime, limit: int, kinds: list[str] | None = None) -> list[int]:
    """Take up to `limit` due jobs (of these kinds, if given) for this worker and commit, so no other worker takes
    them."""
    query = sa.select(Job).where(Job.status == JobStatus.QUEUED, Job.run_after <= now)
    if kinds is not None:
        query = query.where(Job.kind.in_(kinds))
    jobs = list(db.session.scalars(
        query.order_by(Job.run_after, Job.id).limit(limit).with_for_update(skip_locked=True)))
    for job in jobs:
        _move(job, JobStatus.RUNNING)
        job.locked_at, job.locked_by, job.attempts = now, worker[:64], job.attempts + 1
    db.session.commit()
    return [job.id for job in jobs]


def run(job_id: int) -> JobStatus:
    """Run one claimed job in its own transaction and record how it ended."""
    job = db.session.get(Job, job_id)
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise UnknownJob()
        handler.run(dict(job.payload))
        _move(job, JobStatus.DONE)
        job.finished_at = utcnow()
        db.session.commit()  # the handler's writes and "done" together
        return JobStatus.DONE
    except Exception as error:  # any failure of a handler: its writes go, the job is tried again or kept as dead
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
        job.locked_at, job.locked_by = None, ""
        if job.attempts >= job.max_attempts:
            _move(job, JobStatus.DEAD)
            job.finished_at = utcnow()
        else:
            _move(job, JobStatus.QUEUED)
            job.run_after = utcnow() + backoff(job.attempts)
        db.session.commit()
        log.warning("job %s (%s) failed, attempt %s of %s: %s", job.id, job.kind, job.attempts, job.max_attempts,
                    job.last_error.splitlines()[0] if job.last_error else "")
        return job.status


def run_once(worker: str, limit: int = 50, now: datetime | None = None, *, kinds: list[str] | None = None,
             scheduled: bool = True) -> int:
    """One round of the worker: requeue the stalled, ask for the schedules' due ticks, take what is due, run it.
    Returns how many jobs ran. `kinds` and `scheduled=False` narrow a round (a test delivering only mail)."""
    from greensmile.jobs import schedules

    now = now or utcnow()
    requeue_stalled(now)
    db.session.commit()
    if scheduled:
        schedules.ask_due(now)
    taken = claim(worker, now, limit, kinds)
    for job_id in taken:
        run(job_id)
    return len(taken)


def dead_jobs(limit: int = 100) -> list[Job]:
    """The dead-letter list, newest first."""
    return list(db.session.scalars(
        sa.select(Job).where(Job.status == JobStatus.DEAD).order_by(Job.finished_at.desc(), Job.id.desc()).limit(limit)
    ))


def send_again(acting: User, job: Job) -> None:
    """A coordinator sends a dead job again, with its attempts counted afresh."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    _move(job, JobStatus.QUEUED)
    job.attempts, job.run_after, job.finished_at = 0, utcnow(), None
    db.session.flush()
