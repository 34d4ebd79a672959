"""`flask --app greensmile bulk generate`: make the coming weeks of every standing order (the worker runs it each night)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from greensmile.bulk import jobs, services
from greensmile.extensions import db

bulk_cli = AppGroup("bulk", help="Kitchens' bulk and standing orders.")


@bulk_cli.command("generate")
@click.option("--weeks", default=services.GENERATE_WEEKS, show_default=True, type=click.IntRange(1, 8),
              help="How many weeks ahead to make.")
def generate_command(weeks: int) -> None:
    """Make each active standing order's orders for the coming weeks; weeks made before are left as they are."""
    made = jobs.generate({"weeks": weeks})
    db.session.commit()
    click.echo(f"{made} bulk orders made")
