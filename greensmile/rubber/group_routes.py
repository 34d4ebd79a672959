"""Rubber pages for people: a plot's details and harvests, the group manager's desk (register, certificate,
corrective actions, lots), and the lots a buyer or group may see."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.certification import charter, corrective, groups, overview
from greensmile.certification import services as certification
from greensmile.certification.group_models import CorrectiveAction, GroupOutcome, Severity
from greensmile.certification.models import Application, ApplicationStatus, Certification, Outcome, PledgeKind
from greensmile.certification.services import today
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.forms import ActionForm
from greensmile.network.models import Organisation, OrganisationKind
from greensmile.plots.models import Plot
from greensmile.plots.services import find_by_typed_code
from greensmile.responses import act, act_or_render, done, flash_form_errors, refused
from greensmile.rubber import lots, register, services
from greensmile.rubber.forms import (
    AddHarvestsForm,
    AuditForm,
    CloseRequestForm,
    DecideForm,
    GroupDecisionForm,
    HarvestForm,
    LotForm,
    ProfileForm,
    ReinstateForm,
    RequestForm,
    ShipForm,
)
from greensmile.rubber.models import Lot, RubberProduct, RubberProfile

bp = Blueprint("rubber_desk", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/rubber/plots/<code>", "plot", plot, methods=["GET"])
    bp.add_url_rule("/rubber/plots/<code>/profile", "profile", profile, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/plots/<code>/harvests", "harvest", harvest, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/plots/<code>/audit", "audit", audit, methods=["POST"])
    bp.add_url_rule("/rubber/applications/<int:application_id>/decide", "decide", decide, methods=["POST"])
    bp.add_url_rule("/rubber/groups/<int:group_id>", "group", group)
    bp.add_url_rule("/rubber/groups/<int:group_id>/register.csv", "register_csv", register_csv)
    bp.add_url_rule("/rubber/groups/<int:group_id>/certificate", "certificate", certificate, methods=["POST"])
    bp.add_url_rule("/rubber/groups/<int:group_id>/lots", "new_lot", new_lot, methods=["POST"])
    bp.add_url_rule("/rubber/certifications/<int:cert_id>/requests", "raise_request", raise_request,
                    methods=["POST"])
    bp.add_url_rule("/rubber/certifications/<int:cert_id>/reinstate", "reinstate", reinstate, methods=["POST"])
    bp.add_url_rule("/rubber/requests/<int:request_id>/close", "close_request", close_request, methods=["POST"])
    bp.add_url_rule("/rubber/lots", "lots", lot_list)
    bp.add_url_rule("/rubber/lots/<int:lot_id>", "lot", lot, methods=["GET"])
    bp.add_url_rule("/rubber/lots/<int:lot_id>/add", "add", add, methods=["POST"])
    bp.add_url_rule("/rubber/lots/<int:lot_id>/remove/<int:harvest_id>", "remove", remove, methods=["POST"])
    bp.add_url_rule("/rubber/lots/<int:lot_id>/ship", "ship", ship, methods=["POST"])
    bp.add_url_rule("/rubber/lots/<int:lot_id>/delivery", "delivery", delivery)
    # fmt: on


# ---------------------------------------------------------------- a rubber plot
def _plot(code: str) -> Plot:
    found = find_by_typed_code(code)
    if found is None or not services.may_record_for(current_user, found):
        abort(404)
    return found


@login_required
def plot(code: str):
    return _plot_page(_plot(code))


def _plot_page(found: Plot, profile_form: ProfileForm | None = None, harvest_form: HarvestForm | None = None) -> str:
    """The plot's rubber details and harvests; a refused form is drawn again as it was posted."""
    year = today().year
    current = db.session.get(RubberProfile, found.id)
    # The page's other form starts afresh: it must not pick up the refused form's posted fields.
    if profile_form is None:
        profile_form = ProfileForm(formdata=None, obj=current)
    if harvest_form is None:
        harvest_form = HarvestForm(formdata=None)
        harvest_form.harvested_on.data = today()
    fsc = charter.ensure_fsc_standard()
    agreement = db.session.scalar(db.select(Application.id).join(Certification, Certification.id ==
                                                                 Application.certification_id)
                                  .where(Certification.plot_id == found.id, Certification.standard_id == fsc.id))
    return render_template("rubber/plot.html", plot=found, profile=current, profile_form=profile_form,
                           has_agreement=agreement is not None,
                           harvest_form=harvest_form, harvests=services.harvests_of(found, year), year=year,
                           recorded=services.recorded_in_year(found.id, year), ceiling=services.yearly_ceiling(found),
                           per_rai=current_app.config["RUBBER_MAX_DRY_KG_PER_RAI"])


@login_required
def profile(code: str):
    found = _plot(code)
    form = ProfileForm()
    return act_or_render(form, lambda: _plot_page(found, profile_form=form),
                         url_for("rubber_desk.plot", code=found.code),
                         lambda: services.save_profile(current_user, found, services.ProfileData(
                             form.planting_year.data, form.clone.data, form.tapped_trees.data or 0,
                             form.tapping_system.data or "")),
                         _("Saved."))


@login_required
def harvest(code: str):
    found = _plot(code)
    form = HarvestForm()
    return act_or_render(form, lambda: _plot_page(found, harvest_form=form),
                         url_for("rubber_desk.plot", code=found.code),
                         lambda: services.record_harvest(current_user, found, services.HarvestData(
                             form.harvested_on.data, RubberProduct(form.product.data), form.weight_kg.data,
                             form.drc_percent.data, form.note.data or "")),
                         lambda record: _("Recorded: %(kg)s kg of dry rubber.", kg=record.dry_rubber_kg))


# ---------------------------------------------------------------- the group manager's desk
def _group(group_id: int) -> Organisation:
    found = db.get_or_404(Organisation, group_id)
    if found.kind is not OrganisationKind.FSC_GROUP or not groups.may_manage(current_user, found):
        abort(404)  # another group's members are not even acknowledged
    return found


@login_required
def group(group_id: int):
    found = _group(group_id)
    fsc = charter.ensure_fsc_standard()
    rows = register.register(current_user, found)
    certs = {c.plot_id: c for c in db.session.scalars(db.select(Certification).where(
        Certification.plot_id.in_([r.plot.id for r in rows]), Certification.standard_id == fsc.id))} if rows else {}
    requests = corrective.open_requests([c.id for c in certs.values()])
    lot_form = LotForm()
    lot_form.buyer_id.choices = [(o.id, o.display_name(str(get_locale()))) for o in lots.exporters()]
    decision_form = GroupDecisionForm(outcome=GroupOutcome.CERTIFIED.value, decided_on=today())
    waiting = db.session.scalars(db.select(Application).where(
        Application.certification_id.in_([c.id for c in certs.values()]),
        Application.status == ApplicationStatus.INSPECTED).order_by(Application.id)).all() if certs else []
    return render_template("rubber/group.html", group=found, rows=rows, certs=certs, requests=requests,
                           waiting=waiting, audit_form=AuditForm(), decide_form=DecideForm(),
                           in_force=groups.in_force(found, fsc), lots=[lot for lot in lots.lots_for(current_user)
                                                                       if lot.group_id == found.id],
                           lot_form=lot_form, decision_form=decision_form, request_form=RequestForm(),
                           close_form=CloseRequestForm(), reinstate_form=ReinstateForm(), severities=list(Severity))


@login_required
def register_csv(group_id: int):
    found = _group(group_id)
    body = register.register_csv(register.register(current_user, found))
    return current_app.response_class(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="member-register-{found.id}-{today().isoformat()}.csv"'})


@login_required
def certificate(group_id: int):
    found = _group(group_id)
    form = GroupDecisionForm()
    return act(form, url_for("rubber_desk.group", group_id=found.id), lambda: groups.record_decision(
        current_user, found, charter.ensure_fsc_standard(), groups.GroupDecisionData(
            GroupOutcome(form.outcome.data), form.certificate_number.data, form.certification_body.data,
            form.decided_on.data, form.valid_from.data, form.valid_until.data, form.note.data or "")),
        _("The group's certificate is recorded."))


def _cert(cert_id: int) -> Certification:
    cert = db.get_or_404(Certification, cert_id)
    if not corrective.may_act_on(current_user, cert):
        abort(404)
    return cert


def _desk_of(cert: Certification) -> str:
    return url_for("rubber_desk.group", group_id=cert.plot.group_id) if cert.plot.group_id else url_for("site.home")


@login_required
def raise_request(cert_id: int):
    cert = _cert(cert_id)
    form = RequestForm(prefix=f"cert{cert.id}")
    return act(form, _desk_of(cert), lambda: corrective.raise_request(
        current_user, cert, Severity(form.severity.data), form.finding.data, form.due_on.data),
        _("The corrective action request is raised."))


@login_required
def close_request(request_id: int):
    found = db.get_or_404(CorrectiveAction, request_id)
    cert = _cert(found.certification_id)
    form = CloseRequestForm(prefix=f"car{found.id}")
    return act(form, _desk_of(cert), lambda: corrective.close_request(
        current_user, found, form.note.data, form.photo.data.read()), _("The request is closed with its evidence."))


@login_required
def reinstate(cert_id: int):
    cert = _cert(cert_id)
    form = ReinstateForm(prefix=f"cert{cert.id}")
    return act(form, _desk_of(cert), lambda: corrective.reinstate_member(current_user, cert, form.reason.data),
               _("The plot's FSC certificate is reinstated."))


@login_required
def new_lot(group_id: int):
    found = _group(group_id)
    form = LotForm()
    form.buyer_id.choices = [(o.id, o.name) for o in lots.exporters()]
    target = url_for("rubber_desk.group", group_id=found.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        made = lots.create_lot(current_user, found, db.session.get(Organisation, form.buyer_id.data),
                               form.note.data or "")
    except DomainError as error:
        return refused(error, target)
    return done(_("Lot %(code)s is started: add harvest records to it.", code=made.code),
                 url_for("rubber_desk.lot", lot_id=made.id))


@login_required
def audit(code: str):
    """The group manager opens a member plot's internal audit, takes it on, and goes to the offline form."""
    found = find_by_typed_code(code)
    if found is None or found.group_id is None:
        abort(404)
    group_of_plot = _group(found.group_id)
    fsc = charter.ensure_fsc_standard()
    form = AuditForm()
    target = url_for("rubber_desk.group", group_id=group_of_plot.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    upload = form.agreement.data
    image = upload.read() if upload else b""
    kind = PledgeKind.WITNESSED if form.witness_name.data else PledgeKind.SIGNATURE
    try:
        application = overview.open_application(found, fsc) or certification.apply(
            found, fsc, current_user, pledge_kind=kind, pledge_image=image, witness_name=form.witness_name.data or "")
        assignment = certification.assign(application, current_user, today(), current_user)
    except DomainError as error:
        return refused(error, target)
    db.session.commit()
    return redirect(url_for("inspections.form", assignment_id=assignment.id))


@login_required
def decide(application_id: int):
    application = db.get_or_404(Application, application_id)
    cert = application.certification
    if not cert.standard.held_by_group or cert.plot.group_id is None:
        abort(404)
    _group(cert.plot.group_id)
    form = DecideForm(prefix=f"app{application.id}")
    return act(form, _desk_of(cert), lambda: certification.decide(
        application, current_user, Outcome(form.outcome.data), form.reasons.data, form.conditions.data or ""),
        _("The decision is recorded."))


# ---------------------------------------------------------------- lots
def _lot(lot_id: int) -> Lot:
    found = db.get_or_404(Lot, lot_id)
    if not lots.may_view(current_user, found):
        abort(404)  # nobody sees another buyer's lots
    return found


@login_required
def lot_list():
    return render_template("rubber/lots.html", lots=lots.lots_for(current_user))


@login_required
def lot(lot_id: int):
    found = _lot(lot_id)
    may_assemble = lots.may_assemble(current_user, found.group)
    add_form = AddHarvestsForm()
    available = lots.unlotted_harvests(found.group) if may_assemble else []
    add_form.harvest_ids.choices = [(h.id, "") for h in available]
    return render_template("rubber/lot.html", lot=found, claim=lots.claim_of(found), may_assemble=may_assemble,
                           available=available, add_form=add_form, ship_form=ShipForm(shipped_on=today()),
                           form=ActionForm())


def _assembling(lot_id: int) -> Lot:
    found = _lot(lot_id)
    if not lots.may_assemble(current_user, found.group):
        abort(403)
    return found


@login_required
def add(lot_id: int):
    found = _assembling(lot_id)
    form = AddHarvestsForm()
    form.harvest_ids.choices = [(h.id, "") for h in lots.unlotted_harvests(found.group)]
    target = url_for("rubber_desk.lot", lot_id=found.id)
    if not form.validate_on_submit() or not form.harvest_ids.data:
        flash(_("Choose the harvest records to put into the lot."), "error")
        return redirect(target)
    try:
        count = lots.add_harvests(current_user, found, form.harvest_ids.data)
    except DomainError as error:
        return refused(error, target)
    return done(ngettext("%(num)s harvest record added.", "%(num)s harvest records added.", count), target)


@login_required
def remove(lot_id: int, harvest_id: int):
    found = _assembling(lot_id)
    target = url_for("rubber_desk.lot", lot_id=found.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        lots.remove_harvest(current_user, found, harvest_id)
    except DomainError as error:
        return refused(error, target)
    return done(_("Taken out of the lot."), target)


@login_required
def ship(lot_id: int):
    found = _assembling(lot_id)
    form = ShipForm()
    return act(form, url_for("rubber_desk.lot", lot_id=found.id), lambda: lots.ship(
        current_user, found, form.shipped_on.data), _("The lot is shipped; its contents no longer change."))


@login_required
def delivery(lot_id: int):
    found = _lot(lot_id)
    fsc = charter.ensure_fsc_standard()
    return render_template("rubber/delivery.html", lot=found, claim=lots.claim_of(found),
                           in_force=groups.in_force(found.group, fsc, found.shipped_on or today()))


register_routes(bp)
