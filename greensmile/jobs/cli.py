"""`flask --app greensmile worker`: the process that runs jobs (deployment is web plus worker)."""
from __future__ import annotations

import os
import signal
import socket
import time

import click
from flask.cli import with_appcontext

from greensmile.jobs import services


@click.command("worker")
@click.option("--once", is_flag=True, help="Run what is due now, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
@with_appcontext
def worker_command(once: bool, poll: float) -> None:
    """Run jobs as they fall due, until stopped (SIGTERM or Ctrl-C finishes the job in hand first)."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"worker {name} started")
    while not stopping:
        try:
            ran = services.run_once(name)
        except KeyboardInterrupt:
            break
        if once:
            click.echo(f"{ran} job(s) run")
            return
        if not ran:
            time.sleep(poll)
    click.echo(f"worker {name} stopped")
