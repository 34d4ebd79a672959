"""`flask --app greensmile plots import|export`: the network's central data as CSV."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from greensmile.extensions import db
from greensmile.plots import csvdata, importer

plots_cli = AppGroup("plots", help="Import and export the plot registry as CSV.")


@plots_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@click.option("--create-groups", is_flag=True, help="Create farmer groups the file names that do not exist.")
@click.option("--create-crops", is_flag=True, help="Add crops the file names to the catalogue.")
def import_command(path: Path, dry_run: bool, create_groups: bool, create_crops: bool) -> None:
    """Import plots from a CSV file, all or nothing."""
    report = importer.import_plots(path.read_bytes(), None, create_groups=create_groups, create_crops=create_crops)
    if not report.ok:
        db.session.rollback()
        for message in report.file_errors:
            click.echo(f"error: {message}", err=True)
        for message in _causes(report):  # what to do once for many rows, before the rows
            click.echo(message, err=True)
        for row in report.row_errors:
            click.echo(f"line {row.line}: {'; '.join(row.messages)}", err=True)
        raise click.ClickException(
            f"nothing was imported: {len(report.file_errors)} file errors, {len(report.row_errors)} bad rows"
        )
    summary = (
        f"{report.rows} rows: {report.created} new plots, {report.updated} changed, {report.unchanged} unchanged; "
        f"{report.farmers_created} new farmers"
    )
    if report.groups_created:
        summary += f"; new groups: {', '.join(report.groups_created)}"
    if report.crops_created:
        summary += f"; new crops: {', '.join(report.crops_created)}"
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing changed. {summary}")
    else:
        db.session.commit()
        click.echo(f"imported. {summary}")


def _names(found: dict[str, list[int]]) -> str:
    return ", ".join(f"{name} ({len(lines)} row{'s' if len(lines) != 1 else ''})" for name, lines in found.items())


def _causes(report: csvdata.ImportReport) -> list[str]:
    causes = []
    if groups := report.unknown_groups:
        causes.append(f"{len(groups)} farmer group{'s are' if len(groups) != 1 else ' is'} unknown: {_names(groups)} "
                      "(create them on /groups, or import with --create-groups)")
    if crops := report.unknown_crops:
        causes.append(f"{len(crops)} crop{'s are' if len(crops) != 1 else ' is'} unknown: {_names(crops)} "
                      "(add them on /plots/crops, or import with --create-crops)")
    return causes


@plots_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(path: Path) -> None:
    """Write every plot to a CSV file in the import format."""
    with path.open("w", encoding="utf-8", newline="") as out:
        count = csvdata.export_plots(out)
    click.echo(f"wrote {count} plots to {path}")
