"""Jobs and the worker that runs them.

Invariant: `enqueue` writes the job in the caller's session, so a job exists only if the change that asked for it
commits, and a change that rolls back asks for nothing. The worker takes one due job at a time under FOR UPDATE SKIP
LOCKED (PostgreSQL; SQLite has one writer at a time), marks it running (its lease starts) and commits before its
handler runs. Each handler runs in a transaction of its own: on success its writes and the job's "done" commit
together, if the job is still this worker's; on failure they roll back, and the job goes back in the queue after a
back-off, or is dead after its last attempt. A worker that dies leaves its job running; after LEASE it is queued
again, and the late worker, finding it no longer its own, keeps nothing. So a job runs at least once and may run
twice: a handler must be idempotent (a unique row, LINE's retry key).

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
    label: object = None  # what coordinators read on the outbox page (a lazy string); the kind's code without one
    # Called, in the transaction that records the job as dead, when it has failed for the last time: a domain marks
    # what waited on the job (an import's page) as failed.
    on_dead: Callable[[dict, Exception], None] | None = None


HANDLERS: dict[str, Handler] = {}


def register(kind: str, run: Callable[[dict], None], max_attempts: int = 8, *, label=None,
             on_dead: Callable[[dict, Exception], None] | None = None) -> None:
    """A domain's kind of job and the function that does it, given the job's payload."""
    HANDLERS[kind] = Handler(run, max_attempts, label, on_dead)


def label_of(kind: str) -> str:
    handler = HANDLERS.get(kind)
    return str(handler.label) if handler is not None and handler.label is not None else kind


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


def claim(worker: str, now: datetime, kinds: list[str] | None = None, skip: set[int] | None = None) -> int | None:
    """Take the next due job (of these kinds, if given; not those in `skip`) for this worker and commit, so no other
    worker takes it. One at a time: the lease of a job starts when it is about to run, not when a batch was taken."""
    query = sa.select(Job).where(Job.status == JobStatus.QUEUED, Job.run_after <= now)
    if kinds is not None:
        query = query.where(Job.kind.in_(kinds))
    if skip:
        query = query.where(Job.id.not_in(skip))
    job = db.session.scalar(query.order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True))
    if job is None:
        db.session.commit()
        return None
    _move(job, JobStatus.RUNNING)
    job.locked_at, job.locked_by, job.attempts = max(now, utcnow()), worker[:64], job.attempts + 1
    db.session.commit()
    return job.id


def _still_mine(job_id: int, worker: str) -> Job | None:
    """The job, locked, if it is still running under this worker's lease; None if another worker took it over."""
    job = db.session.scalar(sa.select(Job).where(Job.id == job_id).with_for_update())
    if job is None or job.status is not JobStatus.RUNNING or job.locked_by != worker[:64]:
        return None
    return job


def run(job_id: int, worker: str) -> JobStatus | None:
    """Run one claimed job in its own transaction and record how it ended. None: the job was no longer this worker's
    (its lease ran out and another worker took it); nothing of this run is kept."""
    job = db.session.get(Job, job_id)
    kind, payload = job.kind, dict(job.payload)
    handler = HANDLERS.get(kind)
    try:
        if handler is None:
            raise UnknownJob()
        handler.run(payload)
        job = _still_mine(job_id, worker)
        if job is None:
            db.session.rollback()
            log.warning("job %s (%s): its lease ran out while it ran; another worker has it", job_id, kind)
            return None
        _move(job, JobStatus.DONE)
        job.finished_at = utcnow()
        db.session.commit()  # the handler's writes and "done" together
        return JobStatus.DONE
    except KeyboardInterrupt:  # stopped by hand in the middle: its writes go, and it waits for the next worker
        db.session.rollback()
        job = _still_mine(job_id, worker)
        if job is not None:
            _move(job, JobStatus.QUEUED)
            job.locked_at, job.locked_by, job.attempts = None, "", max(job.attempts - 1, 0)
        db.session.commit()
        raise
    except Exception as error:  # any failure of a handler: its writes go, the job is tried again or kept as dead
        db.session.rollback()
        return _failed(job_id, worker, handler, payload, error)


def _failed(job_id: int, worker: str, handler: Handler | None, payload: dict, error: Exception) -> JobStatus | None:
    job = _still_mine(job_id, worker)
    if job is None:
        db.session.rollback()
        return None
    job.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    job.locked_at, job.locked_by = None, ""
    if job.attempts >= job.max_attempts:
        _move(job, JobStatus.DEAD)
        job.finished_at = utcnow()
        if handler is not None and handler.on_dead is not None:
            try:
                with db.session.begin_nested():
                    handler.on_dead(payload, error)
            except Exception:  # the job is dead either way; what waited on it is logged
                log.exception("job %s (%s): its on_dead hook failed", job_id, job.kind)
    else:
        _move(job, JobStatus.QUEUED)
        job.run_after = utcnow() + backoff(job.attempts)
    status = job.status
    db.session.commit()
    log.warning("job %s (%s) failed, attempt %s of %s: %s", job_id, job.kind, job.attempts, job.max_attempts,
                job.last_error.splitlines()[0] if job.last_error else "")
    return status


def run_once(worker: str, limit: int = 50, now: datetime | None = None, *, kinds: list[str] | None = None,
             scheduled: bool = True, stopping: Callable[[], bool] = lambda: False) -> int:
    """One round of the worker: requeue the stalled, ask for the schedules' due ticks, then take and run due jobs one
    at a time, up to `limit`, until none is due or `stopping()` says so. Returns how many jobs ran. `kinds` and
    `scheduled=False` narrow a round (a worker only for imports; a test delivering only mail)."""
    from greensmile.jobs import schedules

    now = now or utcnow()
    requeue_stalled(now)
    db.session.commit()
    if scheduled:
        schedules.ask_due(now)
    ran: set[int] = set()  # a job that failed in this round waits for a later one, however short its back-off
    while len(ran) < limit and not stopping():
        job_id = claim(worker, now, kinds, ran)
        if job_id is None:
            break
        run(job_id, worker)
        ran.add(job_id)
    return len(ran)


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
