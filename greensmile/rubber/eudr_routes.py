"""EUDR pages: a rubber plot's due diligence record (on a phone, for the farmer, the group manager or a coordinator),
the coordinators' reference layers and flags, the group manager's readiness list, and per lot the status, the
printable summary, the geolocation file and the statement numbers."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from greensmile.accounts.permissions import coordinator_required
from greensmile.certification.models import PledgeKind
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.forms import ActionForm
from greensmile.media import storage
from greensmile.plots.models import Plot
from greensmile.plots.services import find_by_typed_code
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind
from greensmile.responses import act_or_render, done, flash_form_errors, refused
from greensmile.rubber import eudr, eudr_export, eudr_risk, lots
from greensmile.rubber.errors import EudrError
from greensmile.rubber.eudr_models import FlagDecision, LandDocumentType, LayerKind, ReferenceLayer, RiskFlag
from greensmile.rubber.forms import (
    DeclarationForm,
    EvidenceForm,
    FlagDecisionForm,
    LandDocumentForm,
    LayerForm,
    StatementForm,
)
from greensmile.rubber.group_routes import _group, _lot
from greensmile.rubber.services import may_record_for

bp = Blueprint("eudr", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/rubber/plots/<code>/eudr", "plot", plot)
    bp.add_url_rule("/rubber/plots/<code>/eudr/declaration", "declare", declare, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/plots/<code>/eudr/land-document", "land_document", land_document, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/plots/<code>/eudr/evidence", "evidence", evidence, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/eudr/<kind>/<int:row_id>.jpg", "image", image)
    bp.add_url_rule("/rubber/eudr/layers", "layers", layers, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/eudr/layers/<int:layer_id>/retire", "retire", retire, methods=["POST"])
    bp.add_url_rule("/rubber/eudr/flags", "flags", flags)
    bp.add_url_rule("/rubber/eudr/flags/<int:flag_id>/decide", "decide", decide, methods=["GET", "POST"])
    bp.add_url_rule("/rubber/groups/<int:group_id>/eudr", "group", group)
    bp.add_url_rule("/rubber/lots/<int:lot_id>/eudr", "lot", lot)
    bp.add_url_rule("/rubber/lots/<int:lot_id>/eudr/geolocation", "geolocation", geolocation)
    bp.add_url_rule("/rubber/lots/<int:lot_id>/eudr/statement", "statement", statement, methods=["GET", "POST"])
    # fmt: on


# ---------------------------------------------------------------- a plot's record
def _plot(code: str) -> Plot:
    found = find_by_typed_code(code)
    if found is None or not may_record_for(current_user, found):
        abort(404)
    return found


def _plot_page(found: Plot, declaration_form=None, document_form=None, evidence_form=None, decision_form=None,
               decided_flag: int | None = None):
    status = eudr.readiness([found])[found.id]
    db.session.commit()  # a check made now is kept
    decision_forms = {flag.id: decision_form if flag.id == decided_flag else FlagDecisionForm(
        formdata=None, prefix=f"flag-{flag.id}") for flag in status.open_flags}
    return render_template(
        "rubber/eudr_plot.html", plot=found, status=status, history=eudr.history(found),
        declaration_form=declaration_form or DeclarationForm(formdata=None),
        document_form=document_form or LandDocumentForm(formdata=None),
        evidence_form=evidence_form or EvidenceForm(formdata=None),
        decision_forms=decision_forms, polygon_over_ha=eudr.POLYGON_OVER_M2 / 10_000,
        cutoff_year=eudr.CUTOFF_YEAR)


@login_required
def plot(code: str):
    return _plot_page(_plot(code))


def _signature(form: DeclarationForm) -> bytes:
    if form.pledge_kind.data == PledgeKind.SIGNATURE.value:
        try:
            return base64.b64decode(form.signature.data.split(",", 1)[1], validate=True)
        except (binascii.Error, IndexError):
            raise EudrError(_("The signature could not be read: sign again.")) from None
    return form.photo.data.read()


@login_required
def declare(code: str):
    found = _plot(code)
    form = DeclarationForm()
    return act_or_render(form, lambda: _plot_page(found, declaration_form=form),
                         url_for("eudr.plot", code=found.code),
                         lambda: eudr.declare(current_user, found, PledgeKind(form.pledge_kind.data), _signature(form),
                                              form.witness_name.data or ""),
                         _("The declaration is recorded."))


@login_required
def land_document(code: str):
    found = _plot(code)
    form = LandDocumentForm()
    return act_or_render(form, lambda: _plot_page(found, document_form=form), url_for("eudr.plot", code=found.code),
                         lambda: eudr.record_land_document(current_user, found, eudr.LandDocumentData(
                             LandDocumentType(form.doc_type.data), form.number.data, form.raot_number.data or "",
                             form.other_type.data or ""), form.photo.data.read()),
                         _("The land document is recorded."))


@login_required
def evidence(code: str):
    found = _plot(code)
    form = EvidenceForm()
    return act_or_render(form, lambda: _plot_page(found, evidence_form=form), url_for("eudr.plot", code=found.code),
                         lambda: eudr.add_evidence(current_user, found, form.photo.data.read(), form.caption.data or ""),
                         _("The evidence is recorded."))


@login_required
def image(kind: str, row_id: int):
    found = eudr.private_image(kind, row_id, current_user)
    if found is None:
        abort(404)
    stored, owner_id = found
    if kind == "document" and privacy.log_access(current_user, [owner_id], AccessKind.LAND_DOCUMENT,
                                                 f"land document {row_id}"):
        db.session.commit()  # the farmer sees who opened it
    return storage.send_private(eudr.PRIVATE_KIND, stored)


# ---------------------------------------------------------------- coordinators: layers and flags
@coordinator_required
def layers():
    form = LayerForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = eudr_risk.load_layer(current_user, form.name.data, LayerKind(form.kind.data), form.source.data or "",
                                     upload.read())
        except DomainError as error:
            return refused(error, url_for("eudr.layers"))
        if report.ok:
            return done(ngettext("Layer loaded: %(num)s area. Plots are checked against it when their record is "
                                 "next read.", "Layer loaded: %(num)s areas. Plots are checked against it when their "
                                 "record is next read.", report.areas), url_for("eudr.layers"))
        db.session.rollback()
    elif form.is_submitted():
        flash_form_errors(form)
    return render_template("rubber/eudr_layers.html", form=form, report=report, layers=eudr_risk.all_layers(),
                           action_form=ActionForm()), 400 if report is not None or form.errors else 200


@coordinator_required
def retire(layer_id: int):
    layer = db.get_or_404(ReferenceLayer, layer_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("eudr.layers"))
    eudr_risk.retire_layer(current_user, layer)
    return done(_("The layer is retired: plots are no longer checked against it."), url_for("eudr.layers"))


@coordinator_required
def flags():
    return render_template("rubber/eudr_flags.html", flags=eudr_risk.open_flags(), form=FlagDecisionForm(formdata=None))


@coordinator_required
def decide(flag_id: int):
    flag = db.get_or_404(RiskFlag, flag_id)
    found = flag.plot
    form = FlagDecisionForm(prefix=f"flag-{flag.id}")
    return act_or_render(form, lambda: _plot_page(found, decision_form=form, decided_flag=flag.id),
                         url_for("eudr.plot", code=found.code),
                         lambda: eudr_risk.decide_flag(current_user, flag, FlagDecision(form.decision.data),
                                                  form.reasons.data),
                         _("The decision is recorded."))


# ---------------------------------------------------------------- the group manager's desk
@login_required
def group(group_id: int):
    found = _group(group_id)
    plots = eudr.group_plots(found.id)
    status = eudr.readiness(plots)
    db.session.commit()  # checks made now are kept
    ordered = sorted(status.values(), key=lambda entry: (entry.ready, -len(entry.missing), entry.plot.code))
    return render_template("rubber/eudr_group.html", group=found, entries=ordered,
                           ready=sum(1 for entry in ordered if entry.ready))


# ---------------------------------------------------------------- lots
def _lot_status(lot_id: int):
    found = _lot(lot_id)  # 404 for another buyer and for the public
    status = eudr.lot_status(found)
    db.session.commit()
    return found, status


def _lot_page(found, status, form=None):
    statement = eudr_export.statement_of(found)
    changed = statement is not None and status.ready and statement.file_sha256 != eudr_export.files_fingerprint(
        eudr_export.geolocation_files(found, status))
    return render_template("rubber/eudr_lot.html", lot=found, status=status, statement=statement, changed=changed,
                           harvests=lots.contents(found),
                           form=form or StatementForm(formdata=None), exporter=eudr_export.is_exporter(current_user, found),
                           claim=lots.claim_of(found))


@login_required
def lot(lot_id: int):
    return _lot_page(*_lot_status(lot_id))


def geolocation(lot_id: int):
    """Producer names and exact positions: the lot's exporter (and the group, coordinators); anyone else, signed in
    or not, is told there is nothing here."""
    if not current_user.is_authenticated:
        abort(404)
    found, status = _lot_status(lot_id)
    if not status.ready:  # the EU system refuses a plot without its geolocation: no file that would fail there
        flash(_("The lot is not ready yet: the file is made once every plot's record is complete."), "error")
        return redirect(url_for("eudr.lot", lot_id=found.id))
    files = eudr_export.geolocation_files(found, status)
    if len(files) == 1:
        name, data = files[0]
        return current_app.response_class(data, mimetype="application/geo+json", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})
    note = _("The geolocation of lot %(code)s is split into %(count)s files, because the EU Information System "
             "takes files of at most %(mb)s MB. Send each file with the statement.", code=found.code,
             count=len(files), mb=current_app.config["EUDR_FILE_MAX_BYTES"] // 1_000_000)
    return current_app.response_class(eudr_export.zipped(files, note), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="eudr-lot-{found.code}.zip"'})


@login_required
def statement(lot_id: int):
    found = _lot(lot_id)
    if not eudr_export.is_exporter(current_user, found):
        abort(403)
    form = StatementForm()
    return act_or_render(form, lambda: _lot_page(found, eudr.lot_status(found), form),
                         url_for("eudr.lot", lot_id=found.id),
                         lambda: eudr_export.record_statement(current_user, found, form.reference_number.data,
                                                       form.verification_number.data),
                         _("The statement numbers are recorded: the lot's trace page shows them."))


register_routes(bp)
