"""The privacy notice (public, versioned, acknowledged by everyone after each new version) and a person's consents,
set on their own screen, or recorded by a coordinator as the person told it."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.models import User
from greensmile.accounts.permissions import coordinator_required
from greensmile.caching import declared_policy
from greensmile.clock import BANGKOK, today
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter, per_account
from greensmile.forms import ActionForm
from greensmile.privacy import centre, erasure, export, processing, retention, services
from greensmile.privacy.forms import (
    ConsentForm,
    ErasureAskForm,
    ErasureDecisionForm,
    IncidentForm,
    NoticeForm,
)
from greensmile.privacy.models import AccessKind, DataExport, ErasureRequest, Incident
from greensmile.responses import act, act_or_render, done, flash_form_errors, refused
from greensmile.urls import safe_next

bp = Blueprint("privacy", __name__)


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/privacy", "notice", notice)
    bp.add_url_rule("/privacy/acknowledge", "acknowledge", acknowledge, methods=["GET", "POST"])
    bp.add_url_rule("/privacy/notices", "notices", notices, methods=["GET", "POST"])
    bp.add_url_rule("/account/consents", "mine", mine, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/consents", "of_user", of_user, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/notice-read", "read_to", read_to, methods=["POST"])
    bp.add_url_rule("/account/data", "my_data", my_data, methods=["GET", "POST"])
    bp.add_url_rule("/account/data/<int:export_id>.zip", "export_file", export_file)
    bp.add_url_rule("/privacy/incidents", "incidents", incidents, methods=["GET", "POST"])
    bp.add_url_rule("/privacy/incidents/<int:incident_id>", "incident", incident, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/data", "data_of", data_of, methods=["POST"])
    bp.add_url_rule("/account/erasure", "erasure_mine", erasure_mine, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/erasure", "erasure_for", erasure_for, methods=["POST"])
    bp.add_url_rule("/privacy/erasures", "erasures", erasures)
    bp.add_url_rule("/privacy/record", "record", record)
    bp.add_url_rule("/privacy/erasures/<int:request_id>", "erasure", erasure_request, methods=["GET", "POST"])
    bp.before_app_request(ask_to_acknowledge)


# Pages a person may open before acknowledging a new notice: the notice itself, signing out, and what is not a
# page (files, the phones' JSON, the service worker).
UNASKED = {"privacy.notice", "privacy.acknowledge", "accounts.logout", "accounts.login", "static", "site.healthz",
           "site.service_worker", "site.language"}


def ask_to_acknowledge():
    """A signed-in person opening a page is asked first to acknowledge a notice version they have not seen. Only a
    page the browser navigates to: a phone's service worker caching pages, or a form's JSON, is never sent here."""
    if (request.method != "GET" or request.endpoint in UNASKED or request.endpoint is None
            or declared_policy(request.endpoint) is not None  # a public page: the same for everyone, cached
            or request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate"
            or (request.accept_mimetypes and not request.accept_mimetypes.accept_html)
            or not current_user.is_authenticated):  # last: it loads the account
        return None
    if services.needs_acknowledgement(current_user._get_current_object()) is None:
        return None
    return redirect(url_for("privacy.acknowledge", next=request.full_path.rstrip("?")))


def notice():
    """Public: the notice in force, in the reader's language."""
    return render_template("privacy/notice.html", notice=services.current_notice(), locale=str(get_locale()))


@login_required
def acknowledge():
    person = current_user._get_current_object()
    target = safe_next(request.args.get("next"))
    form = ActionForm()
    current = services.current_notice()
    if current is None:
        return redirect(target)
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        else:
            services.acknowledge(person, person, current)
            return done(_("Thank you. You can read the notice again at any time from the page's footer."), target)
    return render_template("privacy/acknowledge.html", notice=current, form=form, locale=str(get_locale()),
                           seen=services.acknowledgement(person, current) is not None)


@coordinator_required
def notices():
    current = services.current_notice()
    form = NoticeForm(body_th=current.body_th if current else "", body_en=current.body_en if current else "")
    if form.validate_on_submit():
        try:
            published = services.publish_notice(current_user._get_current_object(), form.body_th.data,
                                                form.body_en.data or "")
        except DomainError as error:
            return refused(error, url_for("privacy.notices"))
        return done(_("Version %(version)s is published: everyone is asked to read it when they next open a page.",
                      version=published.version), url_for("privacy.notices"))
    if form.is_submitted():
        flash_form_errors(form)
    return render_template("privacy/notices.html", form=form, notices=services.notices()), 400 if form.errors else 200


def _send_data(person: User):
    body = export.zipped(person)
    stamp = today().isoformat()
    return current_app.response_class(body, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="greensmile-my-data-{person.id}-{stamp}.zip"'})


@limiter.limit("10 per hour", key_func=per_account("my-data"), methods=["POST"])
@login_required
def my_data():
    """"Download my data": everything the app holds about the person, as JSON and CSV in a ZIP; made at once when
    small, by the worker when large (the page then lists it, and the person is told when it is ready)."""
    person = current_user._get_current_object()
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_form_errors(form)
        elif not export.is_large(person):
            return _send_data(person)
        else:
            export.request_export(person, person)
            return done(_("Your data is large: it is being made, and you are told when it is ready to download "
                          "here."), url_for("privacy.my_data"))
    return render_template("privacy/my_data.html", form=form, exports=export.exports_for(person)), \
        400 if form.errors else 200


@login_required
def export_file(export_id: int):
    made = db.get_or_404(DataExport, export_id)
    if not export.may_download(made, current_user._get_current_object()):
        abort(404)
    stamp = made.finished_at.astimezone(BANGKOK).date().isoformat()
    return current_app.response_class(made.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="greensmile-my-data-{made.user_id}-{stamp}.zip"',
        "Cache-Control": "private, no-store"})


@coordinator_required
def data_of(user_id: int):
    """A coordinator makes the download for a person without e-mail (handed over on paper or a phone); noted in the
    person's access log. A large one is made by the worker and listed on the coordinator's own download page."""
    person = db.get_or_404(User, user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("accounts.user_detail", user_id=person.id))
    acting = current_user._get_current_object()
    services.log_access(acting, [person.id], AccessKind.EXPORT, "download of their data")
    if export.is_large(person):
        export.request_export(person, acting)
        return done(_("The data of %(name)s is large: it is being made, and you are told when it is ready on "
                      "your page “Download my data”.", name=person.display_name), url_for("privacy.my_data"))
    db.session.commit()
    return _send_data(person)


# ---------------------------------------------------------------- the incident register
def _incident_data(form: IncidentForm) -> services.IncidentData:
    discovered = datetime.combine(form.discovered_on.data, form.discovered_time.data, BANGKOK).astimezone(timezone.utc)
    return services.IncidentData(form.title.data, form.description.data or "", form.data_affected.data or "",
                                 discovered, form.actions.data or "")


@coordinator_required
def incidents():
    form = IncidentForm()

    def page():
        return render_template("privacy/incidents.html", form=form, incidents=services.incidents(),
                               hours_left=services.hours_left)

    if request.method == "GET":  # discovered now, unless the coordinator says when
        now = datetime.now(BANGKOK)
        form.discovered_on.data, form.discovered_time.data = now.date(), now.time().replace(second=0, microsecond=0)
        return page()
    return act_or_render(form, page, url_for("privacy.incidents"),
                         lambda: services.record_incident(current_user._get_current_object(), _incident_data(form)),
                         _("The incident is recorded: the 72 hours to notify the regulator run from its discovery."),
                         made=lambda found: url_for("privacy.incident", incident_id=found.id))


@coordinator_required
def incident(incident_id: int):
    found = db.get_or_404(Incident, incident_id)
    if request.method == "GET":
        local = found.discovered_at.astimezone(BANGKOK)
        form = IncidentForm(obj=found, discovered_on=local.date(), discovered_time=local.time(),
                            regulator_notified=found.regulator_notified_at is not None,
                            people_notified=found.people_notified_at is not None, closed=found.closed_at is not None)
        return render_template("privacy/incident.html", incident=found, form=form, due=services.regulator_due(found),
                               hours_left=services.hours_left(found))
    form = IncidentForm()
    return act_or_render(
        form, lambda: render_template("privacy/incident.html", incident=found, form=form,
                                      due=services.regulator_due(found), hours_left=services.hours_left(found)),
        url_for("privacy.incident", incident_id=found.id),
        lambda: services.update_incident(current_user._get_current_object(), found, _incident_data(form),
                                         regulator_notified=form.regulator_notified.data,
                                         people_notified=form.people_notified.data, closed=form.closed.data),
        _("Saved."))


@coordinator_required
def read_to(user_id: int):
    """The coordinator read the notice in force to a person without a screen of their own."""
    person = db.get_or_404(User, user_id)
    form = ActionForm()
    target = url_for("privacy.of_user", user_id=person.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    services.acknowledge(person, current_user._get_current_object())
    return done(_("Recorded: the notice was read to %(name)s.", name=person.display_name), target)


def _page(person: User, target: str):
    purposes = services.purposes_for(person)
    current = services.current(person)
    forms = {purpose: ConsentForm(formdata=None, prefix=purpose.value, answer=None if current[purpose] is None
                                  else ("yes" if current[purpose].given else "no"))
             for purpose in purposes}
    status = 200
    if request.method == "POST":
        purpose = next((p for p in purposes if p.value == request.form.get("purpose")), None)
        if purpose is None:
            abort(400)
        form = forms[purpose] = ConsentForm(prefix=purpose.value)  # what was sent stays on the page
        if form.validate():
            services.record(person, purpose, form.answer.data == "yes", current_user._get_current_object())
            message = _("Saved: the public pages follow your answer from now on.") if person.id == current_user.id \
                else _("Saved as %(name)s told you.", name=person.display_name)
            return done(message, target)
        flash_form_errors(form)
        status = 400
    notice_now = services.current_notice()
    return render_template("privacy/consents.html", person=person, purposes=purposes, current=current, forms=forms,
                           history=services.history(person), own=person.id == current_user.id, notice=notice_now,
                           acknowledged=services.acknowledgement(person, notice_now) if notice_now else None,
                           read_form=ActionForm(), accesses=services.accesses(person)), status


@login_required
def mine():
    return _page(current_user._get_current_object(), url_for("privacy.mine"))


@coordinator_required
def of_user(user_id: int):
    person = db.get_or_404(User, user_id)
    return _page(person, url_for("privacy.of_user", user_id=person.id))


# ---------------------------------------------------------------- erasure
def _asked(person: User, reason: str):
    asked = erasure.ask(person, current_user._get_current_object(), reason)
    centre.tell_asked(asked)
    return asked


@login_required
def erasure_mine():
    """The person asks to be erased: the page says what goes, what the network keeps and why, and how long."""
    person = current_user._get_current_object()
    form = ErasureAskForm()

    def page():
        return render_template("privacy/erasure_mine.html", form=form, pending=erasure.pending(person),
                               kept=erasure.preview(person), days=erasure.due_days())

    if request.method == "GET":
        return page()
    return act_or_render(form, page, url_for("privacy.erasure_mine"), lambda: _asked(person, form.reason.data or ""),
                         _("Your request is sent. A coordinator decides within %(days)s days.", days=erasure.due_days()))


@coordinator_required
def erasure_for(user_id: int):
    """A coordinator records the request a person made to them (by phone, at a meeting)."""
    person = db.get_or_404(User, user_id)
    form = ErasureAskForm()
    return act(form, url_for("accounts.user_detail", user_id=person.id),
               lambda: _asked(person, form.reason.data or ""),
               _("The request is recorded. Decide it on the erasure requests page."),
               made=lambda found: url_for("privacy.erasure", request_id=found.id))


@coordinator_required
def erasures():
    return render_template("privacy/erasures.html", requests=erasure.requests(), today=today())


@coordinator_required
def record():
    """The record of processing activities, counted from the database now, and what the retention runs did."""
    return render_template("privacy/record.html", held=processing.held(), runs=retention.recent_runs(),
                           label_of=retention.label_of, holds=erasure.active_holds())


@coordinator_required
def erasure_request(request_id: int):
    found = db.get_or_404(ErasureRequest, request_id)
    form = ErasureDecisionForm()

    def page():
        return render_template("privacy/erasure.html", found=found, form=form, today=today(),
                               erased_label=erasure.erased_label,
                               kept=erasure.preview(found.user) if found.report is None else [],
                               holds=erasure.holds_of(found.user_id))

    if request.method == "GET":
        return page()

    def decide():
        acting = current_user._get_current_object()
        if form.decision.data == "erase":
            return erasure.carry_out(found, acting, form.note.data or "")
        erasure.refuse(found, acting, form.note.data or "")
        centre.tell_refused(found)
        return None

    return act_or_render(form, page, url_for("privacy.erasure", request_id=found.id), decide,
                         lambda report: _("Erased. What the network keeps is pseudonymised, with its reason.")
                         if report is not None else _("Refused: the person is told why."))


register_routes(bp)
