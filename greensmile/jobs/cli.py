"""`flask --app greensmile worker`: the process that runs jobs (deployment is web plus worker)."""
from __future__ import annotations

import logging
import os
import signal
import socket
import time

import click
from flask.cli import with_appcontext

from greensmile.extensions import db
from greensmile.jobs import services

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option("--kinds", default="", help="Only these kinds of job, comma-separated (e.g. a worker for plots.import).")
@with_appcontext
def worker_command(once: bool, poll: float, kinds: str) -> None:
    """Run jobs as they fall due, until stopped: SIGTERM lets the job in hand finish, then stops."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    only = [kind.strip() for kind in kinds.split(",") if kind.strip()] or None
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"worker {name} started" + (f" for {', '.join(only)}" if only else ""))
    while not stopping:
        try:
            # A worker for some kinds only leaves the timetable to the general workers.
            ran = services.run_once(name, kinds=only, scheduled=only is None, stopping=lambda: bool(stopping))
        except KeyboardInterrupt:
            break
        except Exception:  # the database went away, say: never die of it, try again after a pause
            db.session.rollback()
            log.exception("worker %s: a round failed; trying again", name)
            ran = 0
            time.sleep(poll * 5)
        if once:
            click.echo(f"{ran} job(s) run")
            return
        if not ran:
            time.sleep(poll)
    click.echo(f"worker {name} stopped")
