"""The public impact page and GET /api/v1/impact: the same figures, computed from the data, cached briefly."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from greensmile.caching import public
from greensmile.i18n import format_baht, format_quantity_for
from greensmile.impact import figures
from greensmile.impact.charts import Bar, bar_chart
from greensmile.supporters.models import KIND_LABELS, SupportKind

bp = Blueprint("impact", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/impact", "page", page)
    bp.add_url_rule("/api/v1/impact", "api", api)
    # fmt: on


@public("IMPACT_CACHE_SECONDS")
def page():
    impact = figures.cached()
    locale = str(get_locale())
    qty = lambda value: format_quantity_for(value, locale)  # noqa: E731
    charts = {
        "area": bar_chart(_("Certified area (rai) per standard"), [
            Bar(s.name_en if locale == "en" else s.name_th, float(s.area_rai),
                ngettext("%(rai)s rai · %(num)s plot", "%(rai)s rai · %(num)s plots", s.plots, rai=qty(s.area_rai))) for s in impact.standards]),
        "sales": bar_chart(_("Produce sold this year (baht)"), [
            Bar(_("To consumers"), impact.consumers.satang,
                f"{format_baht(impact.consumers.satang, locale)} · {qty(impact.consumers.kg)} kg"),
            Bar(_("To institutions"), impact.institutions.satang,
                f"{format_baht(impact.institutions.satang, locale)} · {qty(impact.institutions.kg)} kg")]),
        "support": bar_chart(_("Supporters' pledges by kind"), [
            Bar(str(KIND_LABELS[SupportKind(s.kind)]), s.pledges,
                _("%(pledges)s pledged · %(delivered)s delivered", pledges=s.pledges, delivered=s.delivered))
            for s in impact.support]),
    }
    kinds = {kind.value: kind.label for kind in SupportKind}
    return render_template("impact/page.html", impact=impact, charts=charts, kinds=kinds)


@public("IMPACT_CACHE_SECONDS")
def api():
    return jsonify(figures.cached().as_json())


register_routes(bp)
