from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from greensmile.db import UTCDateTime, enum_type, utcnow
from greensmile.extensions import db


class JobStatus(enum.Enum):
    QUEUED = "queued"  # waiting for its time (run_after) and a worker
    RUNNING = "running"  # a worker took it at locked_at; back in the queue if that worker dies (the lease runs out)
    DONE = "done"  # its handler finished and committed
    DEAD = "dead"  # failed max_attempts times: kept, with the last error, until a coordinator sends it again


class Job(db.Model):
    """One piece of work for the worker: a kind a domain registered, and the payload its handler reads."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str] = mapped_column(sa.String(64), default="")
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduleRun(db.Model):
    """One tick of a schedule, asked for once: the unique (schedule, tick) keeps two workers from both asking."""

    __tablename__ = "schedule_runs"
    __table_args__ = (sa.UniqueConstraint("schedule", "tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule: Mapped[str] = mapped_column(sa.String(64))
    tick: Mapped[datetime] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
