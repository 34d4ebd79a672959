"""Command-line entry points: `flask --app greensmile <command>`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from greensmile.accounts.cli import users_cli
from greensmile.bulk.cli import bulk_cli
from greensmile.certification.cli import certification_cli
from greensmile.jobs.cli import worker_command
from greensmile.orders.cli import orders_cli
from greensmile.plots.cli import plots_cli
from greensmile.public.cli import qr_cli
from greensmile.trees.cli import trees_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(plots_cli)
    app.cli.add_command(certification_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(qr_cli)
    app.cli.add_command(bulk_cli)
    app.cli.add_command(trees_cli)
    app.cli.add_command(worker_command)


@click.command("seed-demo")
@with_appcontext
@click.option("--yes-in-production", is_flag=True, help="Allow demo accounts in a production database.")
def seed_demo_command(yes_in_production: bool) -> None:
    """Load idempotent demo data and print the demo accounts."""
    from greensmile.demo import seed_demo
    from greensmile.extensions import db

    if current_app.config["ENV_NAME"] == "production" and not yes_in_production:
        raise click.ClickException(
            "Refusing to create demo accounts with known passwords in production; "
            "pass --yes-in-production if this really is a demonstration server."
        )
    accounts = seed_demo()
    db.session.commit()
    click.echo("Demo data is loaded. Demo accounts (e-mail / password / roles):")
    for account in accounts:
        click.echo(f"  {account.email:38} {account.password:20} {', '.join(account.roles)}")
