"""The network map: coordinators see every plot, inspectors their groups' plots and their planned visits, a farmer
their own; with the plot list's filters, coloured by status under the chosen standard."""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.certification import charter, overview
from greensmile.certification.models import CertStatus
from greensmile.geo import network_map
from greensmile.i18n import format_date
from greensmile.plots import services as plots
from greensmile.plots.models import Plot
from greensmile.plots.routes import FILTER_ARGS, plot_search

bp = Blueprint("maps", __name__)
# The plot list's filters, the standard and the visits switch: what the page passes on to its data.
KEPT = (*FILTER_ARGS, "standard", "visits")


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/plots/map", "network", network)
    bp.add_url_rule("/plots/map.geojson", "data", data)


def _standard():
    standards = charter.all_standards()
    chosen = request.args.get("standard", "")
    found = next((s for s in standards if s.code == chosen), None)
    return found or next((s for s in standards if s.code == charter.PGS_ORGANIC), None), standards


def _visits() -> dict[int, dict]:
    """The inspector's planned visits, by plot: the day and the assignment (its form opens from the map)."""
    if not current_user.has_role(Role.INSPECTOR):
        return {}
    visits: dict[int, dict] = {}
    for a in overview.assignments_of(current_user):  # soonest first: a plot's soonest visit is the one shown
        visits.setdefault(a.application.certification.plot_id, {
            "visit": a.scheduled_on.isoformat(), "visit_label": format_date(a.scheduled_on), "assignment": a.id})
    return visits


def _selection():
    """The plots the person may see matching the filters; an inspector also sees the plots they are to visit
    (often another group's: an inspector does not inspect their own group)."""
    search, filters = plot_search()
    standard, standards = _standard()
    visits = _visits()
    selected = plots.search_plots(current_user, filters).with_only_columns(Plot.id).order_by(None)
    only_visits = bool(visits) and request.args.get("visits") == "1"
    if visits:
        assigned = plots.search_plots(None, filters).with_only_columns(Plot.id).order_by(None).where(
            Plot.id.in_(list(visits)))
        selected = assigned if only_visits else sa.select(Plot.id).where(sa.or_(Plot.id.in_(selected),
                                                                                Plot.id.in_(assigned)))
    return search, standard, standards, visits, selected, only_visits


@login_required
def network():
    search, standard, standards, visits, _selected, only_visits = _selection()
    kept = {key: request.args[key] for key in KEPT if request.args.get(key)}
    return render_template("geo/network_map.html", search=search, standard=standard, standards=standards,
                           statuses=[s for s in CertStatus], visits=visits, only_visits=only_visits,
                           data_url=url_for("maps.data", **kept), list_url=url_for(
                               "plots.index", **{k: v for k, v in kept.items() if k not in ("standard", "visits")}),
                           locale=str(get_locale()))


@login_required
def data():
    _search, standard, _standards, visits, selected, _only = _selection()
    collection = network_map.features(selected, standard, visits)  # the visit's day and form on its plot
    return current_app.response_class(json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
                                      mimetype="application/geo+json")


register_routes(bp)
