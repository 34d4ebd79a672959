"""The public plot page (/p/<code>), its QR codes, the code look-up, concerns and label sheets."""
from __future__ import annotations

import logging
from pathlib import Path

import limits
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from markupsafe import Markup

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import coordinator_required
from greensmile.caching import public
from greensmile.certification import charter
from greensmile.certification.services import today
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter
from greensmile.input_hygiene import query_id
from greensmile.network.models import Organisation
from greensmile.places.services import all_districts
from greensmile.plots import services as plots
from greensmile.plots.codes import InvalidPlotCode, normalise_code
from greensmile.plots.models import Plot
from greensmile.public import directory, page_cache, qr, scans, services, snapshot
from greensmile.public.forms import ConcernForm, FarmSearchForm
from greensmile.public.models import Concern
from greensmile.urls import public_base

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__)
LABELS_PER_SHEET = 12
FARMS_PER_PAGE = 25
MAX_LABELS = 50 * LABELS_PER_SHEET  # one print job; choose a group or codes for more


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/p", "lookup", lookup)
    bp.add_url_rule("/p/<code>", "plot", plot_page)
    bp.add_url_rule("/p/<code>/qr.png", "qr_png", qr_png)
    bp.add_url_rule("/p/<code>/qr.svg", "qr_svg", qr_svg)
    bp.add_url_rule("/p/<code>/concern", "concern", concern, methods=["GET", "POST"])
    bp.add_url_rule("/farms", "farms", farms)
    bp.add_url_rule("/labels", "labels", labels)
    bp.add_url_rule("/concerns/<int:concern_id>/handled", "concern_handled", concern_handled, methods=["POST"])
    # fmt: on


def render_public(template: str, status: int = 200, **context):
    """Render without the signed-in account or any form token, so the page is the same for everyone
    and may be cached by phones and proxies."""
    html = current_app.jinja_env.get_template(template).render(current_locale=str(get_locale()), **context)
    return current_app.response_class(html, status=status, mimetype="text/html")


def _not_found(typed: str, typo: bool):
    response = render_public("public/not_found.html", 404, typed=typed, typo=typo)
    response.headers["Cache-Control"] = "no-store"
    return response


def _one_miss_more() -> bool:
    """Count a plot code that named no plot for this address; False once it has asked for more than
    QR_MISS_RATE_LIMIT. A real plot's page is never counted nor refused; a limiter whose store is down never
    refuses."""
    identity = (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), "qr-miss", get_remote_address())
    try:
        every = limits.parse_many(current_app.config["QR_MISS_RATE_LIMIT"])  # "120/minute;1000/hour": each counts
        return all([limiter.limiter.hit(limit, *identity) for limit in every])
    except Exception as error:  # the limiter's store down, or a setting it cannot read
        log.warning("QR misses not counted: %s", error)
        return True


def _find(code: str) -> tuple[Plot | None, bool]:
    """(plot, typo): typo when the text is not even a well-formed code."""
    try:
        normalised = normalise_code(code)
    except InvalidPlotCode:
        return None, True
    return db.session.scalar(sa.select(Plot).where(Plot.code == normalised)), False


def lookup():
    typed = (request.args.get("code") or "").strip()[:40]
    if not typed:
        return redirect(url_for("site.home"))
    plot, typo = _find(typed)
    if plot is None:
        return _not_found(typed, typo)
    return redirect(url_for("public.plot", code=plot.code, **_lang_arg()))


def _lang_arg() -> dict:
    lang = request.args.get("lang")
    return {"lang": lang} if lang in current_app.config["LANGUAGES"] else {}


# A status change reaches every phone within a minute (30 s fresh, then up to 30 s stale while a cache asks again);
# a busy market day is served from caches meanwhile. No rate limit on a real plot's page: it costs a Redis read, and
# a limit's own bookkeeping would cost as much again. Codes that name no plot are counted per address instead.
@limiter.exempt
@public(30, stale_while_revalidate=30)
def plot_page(code: str):
    """From the plot's snapshot (one query), or its page kept in Redis (no query): see public/snapshot.py and
    public/page_cache.py."""
    try:
        canonical = normalise_code(code)
    except InvalidPlotCode:
        return _not_found(code, True)
    lang = _lang_arg()
    if code != canonical:  # one address per plot, whatever was typed
        return redirect(url_for("public.plot", code=canonical, **lang), 301)
    day, variant = today(), f"{get_locale()}-{lang.get('lang', '')}"
    held = request.if_none_match.as_set(include_weak=True)  # the pages this phone holds already
    kept = page_cache.cached_page(canonical, variant, day, held) if request.method == "GET" else None
    if kept is not None:  # the scan was counted with the read
        response = current_app.response_class(kept.page, mimetype="text/html")
        response.set_etag(kept.etag)
        return response.make_conditional(request)
    found = snapshot.read(canonical)
    if found is None:
        if not _one_miss_more():  # someone trying codes: a bare answer, not a page, from here on
            return current_app.response_class(_("Too many attempts in a short time. Wait a few minutes and try again."), 429,
                                              {"Cache-Control": "no-store", "Retry-After": "60"}, mimetype="text/plain")
        return _not_found(code, False)
    snapshot.keep(found)  # a snapshot rebuilt here is kept for the views after
    response = render_public("public/plot.html", page=snapshot.page_of(found.data, day), lang_arg=lang)
    response.add_etag()
    page_cache.keep_page(canonical, variant, day, found, response.get_data(), response.get_etag()[0])
    response = response.make_conditional(request)
    if request.method == "GET" and response.status_code == 200:  # not a revalidation, not a HEAD
        scans.count_scan(found.plot_id, day)  # after rendering: a failing count never fails the page
    return response


def farm_search() -> tuple[FarmSearchForm, directory.FarmFilters]:
    """The directory's filters from the query string (the page's and the API's): a bad value is ignored."""
    search = FarmSearchForm(request.args)
    search.set_choices(plots.all_crops(), charter.all_standards(), all_districts(), str(get_locale()))
    search.validate()
    return search, directory.FarmFilters(
        crop_id=search.crop.data if not search.crop.errors and search.crop.data else None,
        standard_id=search.standard.data if not search.standard.errors and search.standard.data else None,
        district_id=search.district.data if not search.district.errors and search.district.data else None,
        near=search.near)


def farms():
    """Certified farms whose farmers agreed to be listed: a map and a list, nearest first with "near me"."""
    search, filters = farm_search()
    found = directory.farms(filters)
    page = directory.ListPage.of(found, query_id("page") or 1, FARMS_PER_PAGE)
    # The map asks for what the list shows: the filters that were read, not a value the page ignored.
    args = {"crop": filters.crop_id, "standard": filters.standard_id, "district": filters.district_id}
    if filters.near:
        args.update(lon=filters.near[0], lat=filters.near[1])
    return render_template("public/farms.html", search=search, page=page, near=filters.near,
                           data_url=url_for("farms_api.farms", **{k: v for k, v in args.items() if v is not None}))


def _qr_plot(code: str) -> Plot:
    plot, _typo = _find(code)
    if plot is None or not services.ever_certified(plot):
        abort(404)  # a QR code only for a plot that has held a certificate
    return plot


def _qr_folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "qr"


def _qr_image(code: str, kind: str, endpoint: str):
    """A plot's QR code as drawn once (public/qr.py): an image drawn before is sent with no query at all, since a
    plot that has held a certificate keeps its code for good; the first asks the database whether it may have one."""
    try:
        canonical = normalise_code(code)
    except InvalidPlotCode:
        abort(404)
    if code != canonical:
        return redirect(url_for(endpoint, code=canonical, **request.args), 301)
    payload = qr.qr_payload(public_base(), canonical)
    path = qr.stored(_qr_folder(), payload, kind)
    if path is None:
        _qr_plot(canonical)  # 404 unless the plot has held a certificate
        path = qr.store(_qr_folder(), payload, kind)
    return send_file(path, mimetype=qr.FORMATS[kind][0], conditional=True, etag=qr.image_key(payload, kind))


@limiter.exempt
@public(3600)  # the code encodes the address only: it never changes
def qr_png(code: str):
    return _qr_image(code, "sign.png" if request.args.get("size") == "sign" else "sticker.png", "public.qr_png")


@limiter.exempt
@public(3600)
def qr_svg(code: str):
    return _qr_image(code, "svg", "public.qr_svg")


@limiter.limit("10 per hour", methods=["POST"])
def concern(code: str):
    plot, typo = _find(code)
    if plot is None:
        return _not_found(code, typo)
    form = ConcernForm()
    if form.validate_on_submit():
        try:
            concern = services.report_concern(plot, form.message.data, form.contact.data or "")
        except DomainError as error:
            db.session.rollback()
            form.message.errors.append(str(error))
        else:
            services.tell_coordinators(concern)  # in the concern's transaction: told if and only if it is stored
            db.session.commit()
            return render_template("public/concern.html", form=None, plot=plot, sent=True)
    return render_template("public/concern.html", form=form, plot=plot, sent=False)


@coordinator_required
def concern_handled(concern_id: int):
    services.mark_handled(db.get_or_404(Concern, concern_id))
    db.session.commit()
    return redirect(url_for("certification.pipeline") + "#concerns")


@login_required
def labels():
    """A printable A4 sheet of labels: a coordinator's by group or codes, a farmer's for their own plots."""
    query = plots.search_plots(current_user, plots.PlotFilters())
    if not current_user.has_role(Role.COORDINATOR):
        query = query.where(Plot.owner_id == current_user.id)
    group_id = query_id("group")
    group = db.session.get(Organisation, group_id) if group_id else None
    if group is not None:
        query = query.where(Plot.group_id == group.id)
    codes = {_normalised(c) for c in (request.args.get("codes") or "").split(",") if c.strip()}
    if codes:
        query = query.where(Plot.code.in_(codes))
    chosen = list(db.session.scalars(query.limit(MAX_LABELS + 1)))
    truncated = len(chosen) > MAX_LABELS
    chosen = chosen[:MAX_LABELS]
    with_qr = services.ever_certified_ids([plot.id for plot in chosen])
    printable = [plot for plot in chosen if plot.id in with_qr]
    skipped = [plot for plot in chosen if plot.id not in with_qr]
    base_url = public_base()
    codes_svg = {  # drawn once per plot and address: a sheet printed again reads them back
        plot.code: Markup(qr.store(_qr_folder(), qr.qr_payload(base_url, plot.code), "svg").read_text()
                          .split("?>", 1)[-1])
        for plot in printable
    }
    sheets = [printable[i:i + LABELS_PER_SHEET] for i in range(0, len(printable), LABELS_PER_SHEET)]
    return render_template("public/labels.html", sheets=sheets, skipped=skipped, codes_svg=codes_svg, group=group,
                           truncated=truncated)


def _normalised(text: str) -> str:
    try:
        return normalise_code(text)
    except InvalidPlotCode:
        return text.strip().upper()


register_routes(bp)
