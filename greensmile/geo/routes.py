"""A plot's boundary page and the phone's way of sending one; coordinators' GeoJSON and KML import and export."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.permissions import coordinator_required
from greensmile.errors import DomainError
from greensmile.extensions import csrf, db
from greensmile.geo import boundaries, files
from greensmile.geo.errors import BoundaryRefused, NotYourPlot
from greensmile.geo.forms import BoundaryFileForm
from greensmile.geo.models import BoundarySource
from greensmile.input_hygiene import UnreadableJSON, read_json
from greensmile.plots import services as plots
from greensmile.plots.models import Plot
from greensmile.responses import json_refusal, phone_csrf_refusal, phone_token
from greensmile.submissions import services as submissions
from greensmile.submissions.errors import AlreadyReceived, SubmissionError

bp = Blueprint("geo", __name__)
KEY = re.compile(r"[A-Za-z0-9_-]{16,22}")  # a form's one-time key: 16 random bytes, base64url (submissions.forms)


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/plots/<code>/boundary", "boundary", boundary)
    bp.add_url_rule("/plots/<code>/boundary.json", "record", csrf.exempt(record), methods=["POST"])
    bp.add_url_rule("/plots/<code>/boundary/walk", "walk", walk)
    bp.add_url_rule("/plots/<code>/boundary/draw", "draw", draw)
    bp.add_url_rule("/plots/boundary/token", "token", token)
    bp.add_url_rule("/plots/boundaries/import", "import_file", import_file, methods=["GET", "POST"])
    bp.add_url_rule("/plots/boundaries.geojson", "export", export)


def _plot(code: str) -> Plot:
    plot = plots.find_by_typed_code(code)
    if plot is None:
        abort(404)
    return plot


@login_required
def boundary(code: str):
    plot = _plot(code)
    if not plots.can_view(current_user, plot):
        abort(403)
    found = boundaries.history(plot)
    return render_template("geo/boundary.html", plot=plot, history=found, area_of=boundaries.Area,
                           can_edit=plots.can_map(current_user, plot))


@login_required
def walk(code: str):
    """Walk the boundary with the phone: a corner at each tap, kept on the phone, sent once when there is a signal."""
    plot = _plot(code)
    if not plots.can_map(current_user, plot):
        abort(403)
    return render_template("geo/walk.html", plot=plot)


@login_required
def draw(code: str):
    """Draw the boundary on a map, or correct the current one; it is sent to `record` like a walked one."""
    plot = _plot(code)
    if not plots.can_map(current_user, plot):
        abort(403)
    return render_template("geo/draw.html", plot=plot, now=boundaries.current(plot))


def token():
    """A fresh form token for a walk page opened in an earlier session."""
    return phone_token(_("Sign in again; the boundary stays saved on this phone."))


def record(code: str):
    """A boundary walked or drawn on a phone, sent as JSON when there is a signal: the same one (its key) sent again
    is stored once."""
    if not current_user.is_authenticated:
        return json_refusal(_("Sign in again; the boundary stays saved on this phone."), 401, "signed_out")
    if (refusal := phone_csrf_refusal()) is not None:
        return refusal
    plot = _plot(code)
    try:
        payload = read_json(request.get_data(cache=False) or b"{}")
        key, points = payload["key"], payload["points"]
        if not isinstance(key, str) or not KEY.fullmatch(key):  # the phone's page makes it as the site's forms do
            raise ValueError("a key unlike ours")
        source = BoundarySource(payload.get("source", "walked"))
        if source is BoundarySource.IMPORTED:
            raise ValueError("imported is for files")
        accuracy = payload.get("accuracy_m")
        accuracy = float(accuracy) if isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool) else None
    except (UnreadableJSON, ValueError, KeyError, TypeError):
        return json_refusal(_("The boundary could not be read."))
    try:
        claimed = submissions.claim("boundary", key, current_user)
        found = boundaries.record(current_user, plot, points, source, accuracy_m=accuracy, close=True)
        submissions.made(claimed, found.id, "")
        db.session.commit()
    except AlreadyReceived:
        db.session.rollback()
        return jsonify({"status": "already_stored"}), 200
    except NotYourPlot as error:
        db.session.rollback()
        return json_refusal(str(error), 403)
    except BoundaryRefused as error:
        db.session.rollback()
        return jsonify({"status": "error", "code": "refused", "message": str(error), "reasons": error.reasons}), 400
    except (SubmissionError, DomainError) as error:
        db.session.rollback()
        return json_refusal(str(error))
    area = boundaries.Area(found.area_m2)
    rai, ngan, wa = area.rai_ngan_wa
    return jsonify({"status": "stored", "id": found.id, "area_m2": found.area_m2, "hectares": round(area.hectares, 4),
                    "rai": rai, "ngan": ngan, "square_wa": float(wa), "flagged": found.flagged}), 201


@coordinator_required
def import_file():
    form = BoundaryFileForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = files.import_boundaries(current_user, upload.read(), upload.filename or "")
        except DomainError as error:
            db.session.rollback()
            report = files.BoundaryImport(file_errors=[str(error)])
        if report.ok:
            db.session.commit()
        else:
            db.session.rollback()  # one bad feature: nothing is kept
    flagged = boundaries.flagged()
    return render_template("geo/import.html", form=form, report=report, flagged=flagged), (
        400 if report is not None and not report.ok else 200)


@coordinator_required
def export():
    plot_ids = list(db.session.scalars(sa.select(Plot.id)))
    response = make_response(json.dumps(files.export_geojson(plot_ids), ensure_ascii=False))
    response.headers["Content-Type"] = "application/geo+json; charset=utf-8"
    response.headers["Content-Disposition"] = "attachment; filename=greensmile-boundaries.geojson"
    return response


register_routes(bp)
