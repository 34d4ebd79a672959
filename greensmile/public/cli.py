"""`flask --app greensmile qr export|collect-scans`."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.models import Plot
from greensmile.public import jobs, qr, services
from greensmile.urls import public_base

qr_cli = AppGroup("qr", help="QR codes and scan counts.")


@qr_cli.command("export")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--group", "group_name", help="Only the plots of this farmer group (its name).")
def export_command(out_dir: Path, group_name: str | None) -> None:
    """Write CODE.png and CODE.svg for every plot that has held a certificate."""
    query = sa.select(Plot).order_by(Plot.code)
    if group_name:
        group = db.session.scalar(sa.select(Organisation).where(Organisation.name == group_name))
        if group is None:
            raise click.ClickException(f"no farmer group called {group_name!r}")
        query = query.where(Plot.group_id == group.id)
    chosen = list(db.session.scalars(query))
    with_qr = services.ever_certified_ids([plot.id for plot in chosen])
    printable = [plot for plot in chosen if plot.id in with_qr]
    out_dir.mkdir(parents=True, exist_ok=True)
    base_url = public_base()
    with click.progressbar(printable, label="QR codes", show_pos=True) as bar:
        for plot in bar:
            payload = qr.qr_payload(base_url, plot.code)
            (out_dir / f"{plot.code}.png").write_bytes(qr.render_png(payload))
            (out_dir / f"{plot.code}.svg").write_bytes(qr.render_svg(payload))
    click.echo(f"wrote {len(printable)} QR codes to {out_dir} ({len(chosen) - len(printable)} plots never certified)")


@qr_cli.command("collect-scans")
def collect_scans_command() -> None:
    """Move the finished days' scan counts from Redis into the database (the worker runs it each night; nothing to do without Redis)."""
    moved = jobs.collect_scans()
    db.session.commit()
    click.echo(f"{moved} scans collected")
