"""The one table of a job's moves."""
from __future__ import annotations

from greensmile.jobs.models import JobStatus

J = JobStatus
JOB_MOVES: dict[JobStatus, frozenset[JobStatus]] = {
    J.QUEUED: frozenset({J.RUNNING}),
    J.RUNNING: frozenset({J.DONE, J.QUEUED, J.DEAD}),  # QUEUED: a retry after a failure, or a lost worker's lease
    J.DEAD: frozenset({J.QUEUED}),  # a coordinator sends it again
    J.DONE: frozenset(),
}


class IllegalJobMove(ValueError):
    pass


def check_job_move(current: JobStatus, target: JobStatus) -> None:
    if target not in JOB_MOVES[current]:
        raise IllegalJobMove(f"a job cannot go from {current.value} to {target.value}")
