"""A plot's boundary, shown on its private page: the measured area beside the declared one, and where to change it."""
from __future__ import annotations

from flask import Flask

from greensmile.geo import boundaries
from greensmile.geo.models import PlotBoundary
from greensmile.plots.models import Plot


def boundary_panel(plot: Plot) -> tuple[PlotBoundary | None, boundaries.Area | None]:
    boundary = boundaries.current(plot)
    return boundary, boundaries.Area(boundary.area_m2) if boundary else None


def init_app(app: Flask) -> None:
    app.add_template_global(boundary_panel)
