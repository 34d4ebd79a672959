"""Applications, decisions, sanctions, residue tests and the coordinator's pipeline."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from greensmile.accounts.models import Role, User
from greensmile.accounts.permissions import role_required
from greensmile.certification import charter, overview, residue, services
from greensmile.certification.forms import ApplyForm, AssignForm, DecisionForm, ResidueTestForm, SanctionForm
from greensmile.certification.models import (
    Application,
    Certification,
    Outcome,
    PledgeKind,
    ResidueMethod,
    ResidueResult,
)
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.plots import services as plots
from greensmile.public import services as public
from greensmile.responses import flash_key_errors, received
from greensmile.submissions import services as submissions
from greensmile.submissions.errors import AlreadyReceived

bp = Blueprint("certification", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/plots/<code>/apply", "apply", apply, methods=["GET", "POST"])
    bp.add_url_rule("/plots/<code>/residue-tests", "residue_test", residue_test, methods=["GET", "POST"])
    bp.add_url_rule("/applications/<int:app_id>", "application", application_page)
    bp.add_url_rule("/applications/<int:app_id>/assign", "assign", assign, methods=["POST"])
    bp.add_url_rule("/applications/<int:app_id>/withdraw", "withdraw", withdraw, methods=["POST"])
    bp.add_url_rule("/applications/<int:app_id>/decide", "decide", decide, methods=["POST"])
    bp.add_url_rule("/applications/<int:app_id>/pledge.jpg", "pledge_image", pledge_image)
    bp.add_url_rule("/certifications/<int:cert_id>/<any(suspend, reinstate, revoke):action>", "sanction",
                    sanction, methods=["POST"])
    bp.add_url_rule("/certification/pipeline", "pipeline", pipeline)
    bp.add_url_rule("/certification/decisions", "decisions", decisions)
    # fmt: on


def _inspector_choices() -> list[SelectChoice]:
    return [SelectChoice(str(user.id), user.display_name) for user in overview.inspectors()]


def _load_application(app_id: int) -> Application:
    application = db.get_or_404(Application, app_id)
    if not overview.can_view_application(current_user, application):
        abort(403)
    return application


def _render_application(application: Application, *, assign_form=None, decision_form=None, status=200):
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    if assign_form is None and is_coordinator:
        assign_form = AssignForm()
        assign_form.inspector_id.choices = _inspector_choices()
    if decision_form is None and current_user.has_role(Role.COMMITTEE):
        decision_form = DecisionForm()
    return render_template(
        "certification/application.html",
        application=application,
        inspections=services.current_inspections(application),
        crops_to_cover=services.crops_to_cover(application),
        assign_form=assign_form if is_coordinator else None,
        decision_form=decision_form if current_user.has_role(Role.COMMITTEE) else None,
        sanction_form=SanctionForm(),
    ), status


@login_required
def apply(code: str):
    plot = plots.find_by_typed_code(code)
    if plot is None:
        abort(404)
    if plot.owner_id != current_user.id and not current_user.has_role(Role.COORDINATOR):
        abort(403)
    # ?standard=fsc-rubber: a rubber farmer signs the FSC group's membership agreement the same way.
    chosen = request.args.get("standard", "")
    standard = (charter.get_standard(chosen) if chosen else None) or charter.ensure_pgs_standard()
    version = charter.in_force(standard)
    open_one = overview.open_application(plot, standard)
    if open_one is not None:
        flash(_("This plot already has an open application under this standard."), "info")
        return redirect(url_for("certification.application", app_id=open_one.id))
    form = ApplyForm()
    if form.validate_on_submit():
        kind = PledgeKind(form.pledge_kind.data)
        if kind is PledgeKind.SIGNATURE:
            try:
                image = base64.b64decode(form.signature.data.split(",", 1)[1], validate=True)
            except (binascii.Error, IndexError):
                image = b""
        else:
            image = form.pledge_photo.data.read()
        try:
            application = services.apply(plot, standard, current_user, pledge_kind=kind, pledge_image=image,
                                         witness_name=form.witness_name.data or "", message=form.message.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Your membership agreement is sent. The group's manager will audit your plot.")
                  if standard.held_by_group else _("Your application is sent. A coordinator will assign inspectors."),
                  "success")
            return redirect(url_for("certification.application", app_id=application.id))
    return render_template("certification/apply.html", form=form, plot=plot, standard=standard, version=version)


@login_required
def application_page(app_id: int):
    return _render_application(_load_application(app_id))[0]


@role_required(Role.COORDINATOR)
def assign(app_id: int):
    application = db.get_or_404(Application, app_id)
    form = AssignForm()
    form.inspector_id.choices = _inspector_choices()
    if form.validate_on_submit():
        inspector = db.get_or_404(User, form.inspector_id.data)
        try:
            services.assign(application, inspector, form.scheduled_on.data, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _render_application(application, assign_form=form, status=400)
        db.session.commit()
        flash(_("%(name)s is assigned.", name=inspector.display_name), "success")
        return redirect(url_for("certification.application", app_id=application.id))
    return _render_application(application, assign_form=form, status=400)


@login_required
def withdraw(app_id: int):
    application = _load_application(app_id)
    try:
        services.withdraw(application, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("The application is withdrawn."), "info")
    return redirect(url_for("certification.application", app_id=application.id))


@role_required(Role.COMMITTEE)
def decide(app_id: int):
    application = db.get_or_404(Application, app_id)
    page = url_for("certification.application", app_id=application.id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            claimed = submissions.claim("decision", form.submission_key.data, current_user)
            decision = services.decide(application, current_user, Outcome(form.outcome.data), form.reasons.data,
                                       form.conditions.data or "", form.valid_from.data)
        except AlreadyReceived as repeat:
            return received(repeat, page)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return _render_application(application, decision_form=form, status=400)
        submissions.made(claimed, decision.id, page)
        db.session.commit()
        flash(_("The decision is recorded."), "success")
        return redirect(page)
    if form.submission_key.errors:  # a page from before the key, or a forged post: a fresh page has a new key
        flash_key_errors(form)
        return redirect(page)
    return _render_application(application, decision_form=form, status=400)


@login_required
def sanction(cert_id: int, action: str):
    cert = db.get_or_404(Certification, cert_id)
    if not current_user.has_role(Role.COMMITTEE, Role.COORDINATOR):
        abort(403)
    form = SanctionForm()
    if not form.validate_on_submit():
        flash(_("Give the reason: it is kept in the plot's history."), "error")
    else:
        step = {"suspend": services.suspend, "reinstate": services.reinstate, "revoke": services.revoke}[action]
        try:
            step(cert, current_user, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The certificate is now: %(status)s.", status=cert.status.label), "success")
    return redirect(url_for("plots.detail", code=cert.plot.code) + "#certification")


@login_required
def residue_test(code: str):
    plot = plots.find_by_typed_code(code)
    if plot is None:
        abort(404)
    if not residue.can_record_residue_test(current_user, plot):
        abort(403)
    form = ResidueTestForm()
    if request.method == "GET":
        form.tested_on.data = services.today()
    elif form.validate_on_submit():
        try:
            residue.record_residue_test(
                plot, current_user, tested_on=form.tested_on.data, sample=form.sample.data,
                substance=form.substance.data, method=ResidueMethod(form.method.data),
                result=ResidueResult(form.result.data), value=form.value.data or "",
                laboratory=form.laboratory.data or "", notes=form.notes.data or "", suspend_now=form.suspend_now.data,
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The residue test is recorded."), "success")
            if plots.can_view(current_user, plot):
                return redirect(url_for("plots.detail", code=plot.code) + "#certification")
            return redirect(url_for("certification.residue_test", code=plot.code))
    can_sanction = current_user.has_role(Role.COMMITTEE, Role.COORDINATOR)
    return render_template("certification/residue_test.html", plot=plot, form=form,
                           can_sanction=can_sanction), 400 if request.method == "POST" else 200  # a refusal


@login_required
def pledge_image(app_id: int):
    application = _load_application(app_id)
    if not (current_user.has_role(Role.COORDINATOR, Role.COMMITTEE) or application.plot.owner_id == current_user.id):
        abort(403)
    return storage.send_private(services.PLEDGE_KIND, application.pledge_image)


@role_required(Role.COORDINATOR)
def pipeline():
    return render_template("certification/pipeline.html", pipeline=overview.pipeline(),
                           concerns=public.open_concerns())


@role_required(Role.COMMITTEE)
def decisions():
    return render_template("certification/decisions.html", waiting=overview.pipeline().awaiting_decision)


register_routes(bp)
