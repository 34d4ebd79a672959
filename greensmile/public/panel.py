"""The public side of a plot, shown on its private page: its QR codes and how often it is scanned."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Flask

from greensmile.certification.services import today
from greensmile.plots.models import Plot
from greensmile.public import scans, services


@dataclass
class PublicPanel:
    has_qr: bool
    scans_30_days: int
    by_day: list[tuple[date, int]]


def public_panel(plot: Plot) -> PublicPanel:
    counts = scans.recent_counts(plot.id, today())
    return PublicPanel(services.ever_certified(plot), sum(counts.values()), sorted(counts.items(), reverse=True)[:7])


def init_app(app: Flask) -> None:
    app.add_template_global(public_panel)
