"""`flask --app greensmile users ...`: account tasks for whoever runs the server."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from greensmile.accounts import services
from greensmile.accounts.errors import AccountError
from greensmile.accounts.models import Role
from greensmile.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]), default=["consumer"])
@click.password_option(help="Asked for when not given.")
def create_user(email: str, display_name: str, roles: tuple[str, ...], password: str) -> None:
    """Create an account, e.g. the first coordinator of a new installation."""
    if len(password) < 8:
        raise click.ClickException("A password must have at least 8 characters.")
    try:
        user = services.create_user(
            email=email, display_name=display_name, password=password, roles=tuple(Role(r) for r in roles)
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created account {user.id} <{user.email}> with roles {', '.join(roles)}.")
