"""`flask --app greensmile trees load-species [FILE]` and `trees load-prices FILE --source "..." --as EMAIL`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from greensmile.accounts import services as accounts
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.trees import catalogue, valuation

trees_cli = AppGroup("trees", help="The tree bank's species catalogue and price tables.")


@trees_cli.command("load-species")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_species_command(file: Path | None) -> None:
    """Add or update species (default: the published collateral list shipped in trees/data/species.csv)."""
    report = catalogue.load_species(file.read_bytes() if file else None)
    if report.errors:
        db.session.rollback()
        raise click.ClickException("nothing loaded:\n  " + "\n  ".join(report.errors))
    db.session.commit()
    click.echo(f"{report.added} species added, {report.updated} updated")


@trees_cli.command("load-prices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Whose prices these are, e.g. the bank's guideline of this year.")
@click.option("--as", "email", required=True, help="The coordinator loading them (recorded with the table).")
def load_prices_command(file: Path, source: str, email: str) -> None:
    """Load a new version of the guideline price table (species, min_girth_cm, baht_per_m3) and make it active."""
    acting = accounts.get_user_by_email(email)
    if acting is None:
        raise click.ClickException(f"no account {email}")
    try:
        report = valuation.load_table(acting, file.read_bytes(), source)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    if report.errors:
        db.session.rollback()
        raise click.ClickException("nothing loaded:\n  " + "\n  ".join(str(e) for e in report.errors))
    db.session.commit()
    click.echo(f"price table version {report.table.version}: {report.rows} prices; {report.revalued} trees valued")
