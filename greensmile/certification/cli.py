"""`flask --app greensmile certification expire`: record the certificates that have lapsed (the worker runs it each night)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from greensmile.certification import jobs
from greensmile.extensions import db

certification_cli = AppGroup("certification", help="Certification housekeeping.")


@certification_cli.command("expire")
def expire_command() -> None:
    """Mark every certificate past its valid-until date as expired (pages show it expired even before), and
    suspend those with a major corrective action request open past its due date."""
    count, suspended = jobs.expire()
    db.session.commit()
    click.echo(f"{count} certificates expired, {suspended} suspended for overdue major corrective actions")
