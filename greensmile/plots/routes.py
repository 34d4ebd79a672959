from __future__ import annotations

import csv
import io
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from greensmile.accounts.models import Role, User
from greensmile.accounts.permissions import coordinator_required, role_required
from greensmile.certification import overview
from greensmile.certification.models import CertStatus
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter, per_account
from greensmile.places.services import all_districts
from greensmile.plots import csvdata, dashboard, services
from greensmile.plots import jobs as plot_jobs
from greensmile.plots.forms import CropForm, ImportForm, PhotoForm, PlotForm, PlotSearchForm, WhoGrowsForm
from greensmile.plots.models import ImportPhase, ImportStatus, Plot, PlotImport, PlotPhoto, PlotType
from greensmile.plots.services import PlotData, PlotFilters
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind
from greensmile.responses import act_or_render

bp = Blueprint("plots", __name__)
PLOT_EDITORS = (Role.FARMER, Role.COORDINATOR)

CHANGE_LABELS = {
    "created": _l("registered the plot"),
    "updated": _l("changed"),
    "photo_added": _l("added a photo"),
    "photo_removed": _l("removed a photo"),
}
IMPORT_STATUS_LABELS = {
    ImportStatus.QUEUED: _l("Waiting for its turn"),
    ImportStatus.RUNNING: _l("Running"),
    ImportStatus.DONE: _l("Finished"),
    ImportStatus.FAILED: _l("Nothing was imported"),
}
IMPORT_PHASE_LABELS = {
    ImportPhase.WAITING: _l("Waiting for its turn"),
    ImportPhase.READING: _l("Reading the file"),
    ImportPhase.CHECKING: _l("Checking each row"),
    ImportPhase.MATCHING: _l("Matching rows to plots and farmers"),
    ImportPhase.ACCOUNTS: _l("Making the new farmers' accounts"),
    ImportPhase.WRITING: _l("Saving the plots"),
    ImportPhase.FINISHED: _l("Finished"),
}
ERRORS_SHOWN = 500  # bad rows listed on the page; all of them are in the problems file
FIELD_LABELS = {
    "name": _l("Plot name"),
    "owner": _l("Farmer"),
    "group": _l("Farmer group"),
    "province": _l("Province"),
    "district": _l("District"),
    "subdistrict": _l("Subdistrict"),
    "village": _l("Village"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "area_m2": _l("Area (m²)"),
    "plot_type": _l("Plot type"),
    "crops": _l("Crops"),
    "water_source": _l("Water source"),
    "neighbour_risks": _l("Risks from neighbours"),
    "notes": _l("Notes"),
}


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/plots", "index", index)
    bp.add_url_rule("/plots/new", "create", edit, methods=["GET", "POST"])
    bp.add_url_rule("/plots/import", "import_csv", import_csv, methods=["GET", "POST"])
    bp.add_url_rule("/plots/imports/<int:import_id>", "import_status", import_status)
    bp.add_url_rule("/plots/imports/<int:import_id>/progress.json", "import_progress", import_progress)
    bp.add_url_rule("/plots/imports/<int:import_id>/problems.csv", "import_errors", import_errors)
    bp.add_url_rule("/plots/export.csv", "export_csv", export_csv)
    bp.add_url_rule("/plots/dashboard", "dashboard", supply_dashboard)
    bp.add_url_rule("/plots/<code>", "detail", detail)
    bp.add_url_rule("/plots/<code>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/plots/<code>/photos", "add_photo", add_photo, methods=["POST"])
    bp.add_url_rule("/plots/<code>/photos/<int:photo_id>/delete", "delete_photo", delete_photo, methods=["POST"])
    bp.add_url_rule("/crops", "crops", crops, methods=["GET", "POST"])
    # fmt: on
    bp.url_value_preprocessor(_import_upload_limit)


def _import_upload_limit(endpoint: str | None, values: dict | None) -> None:
    # The import's own limit on the request body (PLOT_IMPORT_MAX_BYTES), set before anything reads the body: URL
    # value preprocessors run before the before_request functions, among them the CSRF check.
    if endpoint == "plots.import_csv":
        request.max_content_length = current_app.config["PLOT_IMPORT_MAX_BYTES"]


def _locale() -> str:
    return str(get_locale())


def _load(code: str) -> Plot:
    plot = services.find_by_typed_code(code)
    if plot is None:
        abort(404)
    return plot


def _load_visible(code: str) -> Plot:
    plot = _load(code)
    if not services.can_view(current_user, plot):
        abort(403)
    return plot


def _load_editable(code: str) -> Plot:
    plot = _load(code)
    if not services.can_edit(current_user, plot):
        abort(403)
    return plot


# The plot list's filters as query parameters (the network map takes the same).
FILTER_ARGS = ("q", "group", "district", "crop", "plot_type", "status")


def filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def plot_search() -> tuple[PlotSearchForm, PlotFilters]:
    """The plot list's filters from the query string (the list's and the network map's)."""
    search = PlotSearchForm(request.args)
    groups = services.all_farmer_groups() if current_user.has_role(Role.COORDINATOR) else (
        services.farmer_groups_of(current_user))
    search.set_choices(groups, all_districts(), services.all_crops(), _locale())
    search.status.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(s.value, s.label) for s in CertStatus
                                                              if s is not CertStatus.GROUP_LAPSED]  # organic status
    filters = PlotFilters()
    if search.validate():
        filters = PlotFilters(
            q=search.q.data or "",
            group_id=search.group.data or None,
            district_id=search.district.data or None,
            crop_id=search.crop.data or None,
            plot_type=PlotType(search.plot_type.data) if search.plot_type.data else None,
            condition=overview.plots_with_status(CertStatus(search.status.data)) if search.status.data else None,
        )
    return search, filters


@login_required
def index():
    search, filters = plot_search()
    page = db.paginate(services.search_plots(current_user, filters), per_page=25)
    statuses = overview.pgs_statuses([plot.id for plot in page.items])
    return render_template("plots/list.html", search=search, page=page, statuses=statuses, filters=filter_args())


@login_required
def detail(code: str):
    plot = _load_visible(code)
    if plot.owner.phone and privacy.log_access(current_user, [plot.owner_id], AccessKind.PHONE, f"plot {plot.code}"):
        db.session.commit()  # the page shows the farmer's phone: the farmer sees who looked
    return render_template(
        "plots/detail.html",
        plot=plot,
        can_edit=services.can_edit(current_user, plot),
        photo_form=PhotoForm(),
        area=services.m2_to_area(plot.area_m2),
        change_labels=CHANGE_LABELS,
        field_labels=FIELD_LABELS,
    )


@role_required(*PLOT_EDITORS)
def edit(code: str | None = None):
    plot = _load_editable(code) if code else None
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    form = PlotForm(obj=plot)
    groups = services.all_farmer_groups() if is_coordinator else services.farmer_groups_of(current_user)
    form.set_choices(groups, all_districts(), services.all_crops(), _locale())
    if request.method == "GET":
        _fill_form(form, plot)
    if form.validate_on_submit():
        data = PlotData(
            name=form.name.data or "",
            group_id=form.group_id.data or None,
            district_id=form.district_id.data,
            subdistrict=form.subdistrict.data or "",
            village=form.village.data or "",
            latitude=form.latitude.data,
            longitude=form.longitude.data,
            area_m2=form.computed_area_m2(),
            plot_type=PlotType(form.plot_type.data),
            crop_ids=form.crops.data or [],
            water_source=form.water_source.data or "",
            neighbour_risks=form.neighbour_risks.data or "",
            notes=form.notes.data or "",
        )
        try:
            if plot is None:
                owner = services.find_farmer(form.owner.data) if is_coordinator and form.owner.data else current_user
                plot = services.create_plot(current_user, owner, data)
            else:
                services.update_plot(current_user, plot, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Plot %(code)s is saved.", code=plot.code), "success")
            return redirect(url_for("plots.detail", code=plot.code))
    return render_template("plots/edit.html", form=form, plot=plot, is_coordinator=is_coordinator)


def _fill_form(form: PlotForm, plot: Plot | None) -> None:
    if plot is None:
        # A farmer in exactly one group: that group is the likely one.
        form.group_id.data = int(form.group_id.choices[1].value) if len(form.group_id.choices) == 2 else 0
        return
    form.group_id.data = plot.group_id or 0
    form.district_id.data = plot.district_id
    form.plot_type.data = plot.plot_type.value
    form.crops.data = [crop.id for crop in plot.crops]
    # Square metres are exact; rai-ngan-wa are shown too, as a farmer reads the land.
    form.area_unit.data = "m2"
    form.area_m2.data = plot.area_m2
    form.area_rai.data, form.area_ngan.data, form.area_wa.data = services.m2_to_area(plot.area_m2)


@limiter.limit("30 per minute", key_func=per_account("photo-upload"))
@login_required
def add_photo(code: str):
    plot = _load_editable(code)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            services.add_photo(current_user, plot, form.photo.data.read(), form.caption.data or "",
                               shows_people=form.shows_people.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("plots.detail", code=plot.code))
        db.session.commit()
        flash(_("The photo is added."), "success")
    else:
        for message in form.photo.errors:
            flash(message, "error")
    return redirect(url_for("plots.detail", code=plot.code))


@login_required
def delete_photo(code: str, photo_id: int):
    plot = _load_editable(code)
    photo = db.get_or_404(PlotPhoto, photo_id)
    if photo.plot_id != plot.id:
        abort(404)
    services.remove_photo(current_user, photo)
    db.session.commit()
    flash(_("The photo is removed."), "info")
    return redirect(url_for("plots.detail", code=plot.code))


@coordinator_required
def import_csv():
    """The file is stored and the worker imports it: a web request would time out on a large one."""
    form = ImportForm()

    def page():
        return render_template("plots/import.html", form=form, imports=plot_jobs.recent_imports(),
                               status_labels=IMPORT_STATUS_LABELS)

    if request.method == "GET":
        return page()
    return act_or_render(
        form, page, url_for("plots.import_csv"),
        lambda: plot_jobs.request_import(
            current_user, form.file.data.filename or "", form.file.data.read(), dry_run=form.dry_run.data,
            create_groups=form.create_groups.data, create_crops=form.create_crops.data,
        ),
        _("The file is received. It is checked in the background: this page follows it."),
        once="plot-import", made=lambda made: url_for("plots.import_status", import_id=made.id),
    )


def _load_import(import_id: int) -> PlotImport:
    # Any coordinator may follow any import: they run the network's registry together.
    return db.get_or_404(PlotImport, import_id)


@coordinator_required
def import_status(import_id: int):
    plot_import = _load_import(import_id)
    report = plot_jobs.report_of(plot_import)
    again = None
    if report is not None and (report.unknown_groups or report.unknown_crops):
        # The same choices as the upload page, ticked for the causes found: pick the file again and send it.
        again = ImportForm(formdata=None, dry_run=plot_import.dry_run,
                           create_groups=plot_import.create_groups or bool(report.unknown_groups),
                           create_crops=plot_import.create_crops or bool(report.unknown_crops))
    return render_template(
        "plots/import_status.html", plot_import=plot_import, report=report, progress=plot_jobs.progress_of(plot_import),
        status_labels=IMPORT_STATUS_LABELS, phase_labels=IMPORT_PHASE_LABELS, errors_shown=ERRORS_SHOWN,
        again_form=again,
    )


@coordinator_required
def import_progress(import_id: int):
    """The same progress as the page, for a script or a page that asks without reloading."""
    return jsonify(plot_jobs.progress_of(_load_import(import_id)))


@coordinator_required
def import_errors(import_id: int):
    """Every bad row of an import, to fix in a spreadsheet (the page shows the first ERRORS_SHOWN)."""
    report = plot_jobs.report_of(_load_import(import_id))
    if report is None:
        abort(404)
    out = io.StringIO()
    out.write("\ufeff")  # so that Excel opens the Thai text as UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Problem")])
    for message in report.file_errors:
        writer.writerow(["", csvdata.escape_cell(message)])
    for row in report.row_errors:
        writer.writerow([row.line, csvdata.escape_cell("; ".join(row.messages))])
    return Response(
        out.getvalue(), mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="greensmile-import-{import_id}-problems.csv"'},
    )


@coordinator_required
def export_csv():
    out = io.StringIO()
    out.write("\ufeff")  # so that Excel opens the Thai text as UTF-8
    csvdata.export_plots(out)
    with_phones = db.session.scalars(sa.select(Plot.owner_id).join(User, User.id == Plot.owner_id)
                                     .where(User.phone.is_not(None), User.phone != "").distinct())
    privacy.log_access(current_user, with_phones, AccessKind.EXPORT, "plot export (CSV)")
    db.session.commit()
    filename = f"greensmile-plots-{date.today():%Y%m%d}.csv"
    return Response(
        out.getvalue(), mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@coordinator_required
def supply_dashboard():
    locale = _locale()
    who = WhoGrowsForm(request.args)
    districts, crops_list = all_districts(), services.all_crops()
    who.set_choices(districts, crops_list, locale)
    growers = None
    if who.validate() and who.crop.data:
        growers = dashboard.who_grows(who.crop.data, who.district.data or None)
        if privacy.log_access(current_user, [g.farmer.id for g in growers if g.farmer.phone], AccessKind.PHONE,
                              "supply dashboard: who grows"):
            db.session.commit()
    return render_template(
        "plots/dashboard.html",
        totals=dashboard.totals(),
        by_district=dashboard.by_district(),
        by_crop=dashboard.by_crop(),
        by_type=dashboard.by_plot_type(),
        who=who,
        growers=growers,
    )


@coordinator_required
def crops():
    form = CropForm()
    if form.validate_on_submit():
        try:
            crop = services.add_crop(form.name_th.data, form.name_en.data or "")
        except DomainError as error:
            form.name_th.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(name)s is added to the catalogue.", name=crop.name_th), "success")
            return redirect(url_for("plots.crops"))
    return render_template("plots/crops.html", form=form, crops=services.all_crops())


register_routes(bp)
