"""`flask --app greensmile orders expire`: free the stock of unpaid online orders (the worker runs it every minute)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from greensmile.extensions import db
from greensmile.orders import jobs

orders_cli = AppGroup("orders", help="Order housekeeping.")


@orders_cli.command("expire")
def expire_command() -> None:
    """Expire unpaid online orders past their time, and withdraw listings whose certificate has lapsed."""
    expired, lapsed = jobs.expire()
    db.session.commit()
    click.echo(f"{expired} orders expired, {lapsed} listings withdrawn")
