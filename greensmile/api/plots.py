"""Read API for the registry and its certificates: GET /api/v1/plots and /api/v1/plots/<code>.

Anyone may read what is grown where. Personal details (phone, notes, the exact position of a
farmer's land) go only to those who may see the plot itself: its farmer, its group, coordinators.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from greensmile.accounts.models import Role
from greensmile.certification import overview, residue
from greensmile.certification.charter import PGS_ORGANIC
from greensmile.certification.overview import PublicStatus
from greensmile.extensions import db
from greensmile.input_hygiene import whole_number
from greensmile.network.models import Membership
from greensmile.places.models import District
from greensmile.plots import services
from greensmile.plots.models import Plot, PlotType
from greensmile.plots.services import PlotFilters
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose

bp = Blueprint("plots_api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 100
APPROXIMATE = Decimal("0.01")  # about a kilometre: the village, not the field


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/plots", "plots", plot_list)
    bp.add_url_rule("/plots/<code>", "plot", plot_detail)


class _Viewer:
    """Who is asking, worked out once per request so a page of plots costs no extra queries."""

    def __init__(self):
        self.user = current_user if current_user.is_authenticated else None
        self.everything = bool(self.user and self.user.has_role(Role.COORDINATOR))
        self.group_ids: set[int] = set()
        if self.user and not self.everything:
            self.group_ids = set(
                db.session.scalars(sa.select(Membership.organisation_id).where(Membership.user_id == self.user.id))
            )

    def sees_all_of(self, plot: Plot) -> bool:
        if self.user is None:
            return False
        return self.everything or plot.owner_id == self.user.id or plot.group_id in self.group_ids


def _coordinate(value, full: bool):
    if value is None:
        return None
    value = Decimal(value)
    return float(value if full else value.quantize(APPROXIMATE, rounding=ROUND_HALF_EVEN))


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def certification_json(status: PublicStatus) -> dict:
    return {
        "standard": status.standard.code,
        "status": status.status.value,
        "valid_from": _iso(status.valid_from),
        "valid_until": _iso(status.valid_until),
        "last_inspected_on": _iso(status.last_inspected_on),
        "charter_version": status.version_label,
    }


def plot_json(plot: Plot, full: bool, statuses: list[PublicStatus] | None = None, named: bool = False) -> dict:
    """`named`: the farmer agreed to show their name in public (those who see all of the plot see it anyway)."""
    data = {
        "code": plot.code,
        "name": plot.name,
        "farmer": {"name": plot.owner.display_name if full or named else None},
        "group": {"id": plot.group.id, "name": plot.group.name, "name_en": plot.group.name_en} if plot.group else None,
        "location": {
            "province": plot.province,
            "district": {"code": plot.district.code, "name_th": plot.district.name_th, "name_en": plot.district.name_en},
            "subdistrict": plot.subdistrict,
            "village": plot.village,
            "latitude": _coordinate(plot.latitude, full),
            "longitude": _coordinate(plot.longitude, full),
            "coordinates": "exact" if full else "approximate",
        },
        "area_m2": float(plot.area_m2),
        "area_rai": float(Decimal(plot.area_m2) / 1600),
        "plot_type": plot.plot_type.value,
        "crops": [{"id": crop.id, "name_th": crop.name_th, "name_en": crop.name_en} for crop in plot.crops],
        "water_source": plot.water_source,
        "updated_at": plot.updated_at.isoformat(),
    }
    if statuses is not None:
        data["certifications"] = [certification_json(status) for status in statuses]
        organic = next((s for s in statuses if s.standard.code == PGS_ORGANIC), None)
        data["certification"] = certification_json(organic) if organic else {
            "standard": PGS_ORGANIC, "status": "not_certified", "valid_from": None, "valid_until": None,
            "last_inspected_on": None, "charter_version": None,
        }
    if full:
        data["farmer"]["phone"] = plot.owner.phone
        data["neighbour_risks"] = plot.neighbour_risks
        data["notes"] = plot.notes
    return data


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    number = whole_number(raw, low=0)
    if number is None:
        abort(400)
    return number


def _filters() -> PlotFilters:
    district_id = None
    if request.args.get("district"):
        district_id = db.session.scalar(sa.select(District.id).where(District.code == request.args["district"]))
        if district_id is None:
            abort(400)
    plot_type = None
    if request.args.get("plot_type"):
        try:
            plot_type = PlotType(request.args["plot_type"])
        except ValueError:
            abort(400)
    return PlotFilters(
        q=request.args.get("q", "")[:100],
        group_id=_int_arg("group"),
        district_id=district_id,
        crop_id=_int_arg("crop"),
        plot_type=plot_type,
    )


def plot_list():
    page_number = max(_int_arg("page", 1), 1)
    per_page = min(max(_int_arg("per_page", 50), 1), MAX_PER_PAGE)
    page = db.paginate(services.search_plots(None, _filters()), page=page_number, per_page=per_page)
    viewer = _Viewer()
    named = privacy.given_among(Purpose.PUBLIC_NAME, [plot.owner_id for plot in page.items])
    args = {key: value for key, value in request.args.items() if key in {"q", "group", "district", "crop",
                                                                          "plot_type", "per_page"}}
    return {
        "items": [plot_json(plot, viewer.sees_all_of(plot), named=plot.owner_id in named) for plot in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "next": url_for("plots_api.plots", **args, page=page.next_num, _external=True) if page.has_next else None,
    }


def plot_detail(code: str):
    plot = services.find_by_typed_code(code)
    if plot is None:
        abort(404)
    data = plot_json(plot, _Viewer().sees_all_of(plot), overview.public_statuses(plot),
                     named=privacy.has_given(plot.owner, Purpose.PUBLIC_NAME))
    data["residue_tests"] = [
        {"tested_on": test.tested_on.isoformat(), "sample": test.sample, "substance": test.substance,
         "method": test.method.value, "result": test.result.value, "value": test.value}
        for test in residue.public_residue_tests(plot)
    ]
    return data


register_routes(bp)
