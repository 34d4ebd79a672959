"""The inspector's side: assignments, the offline inspection form, its sync endpoint, and reports."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import role_required
from greensmile.certification import overview, services
from greensmile.certification.errors import DuplicateSubmission, NotAllowed
from greensmile.certification.models import Answer, Assignment, Inspection, InspectionPhoto, Outcome
from greensmile.db import MAX_ID
from greensmile.errors import DomainError
from greensmile.extensions import csrf, db
from greensmile.input_hygiene import query_id, read_json
from greensmile.media import storage
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind
from greensmile.responses import json_refusal, phone_csrf_refusal, phone_token

bp = Blueprint("inspections", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/inspections", "assignments", assignments)
    bp.add_url_rule("/inspections/assignments/<int:assignment_id>", "form", inspection_form)
    bp.add_url_rule("/inspections/sync", "sync", csrf.exempt(sync), methods=["POST"])
    bp.add_url_rule("/inspections/token", "token", token)
    bp.add_url_rule("/inspections/<int:inspection_id>", "report", report)
    bp.add_url_rule("/inspections/photos/<int:photo_id>.jpg", "photo", photo)
    # fmt: on


@role_required(Role.INSPECTOR)
def assignments():
    return render_template("inspections/assignments.html", assignments=overview.assignments_of(current_user))


@role_required(Role.INSPECTOR)
def inspection_form(assignment_id: int):
    assignment = db.get_or_404(Assignment, assignment_id)
    if assignment.inspector_id != current_user.id:
        abort(403)
    application = assignment.application
    mine = [i for i in services.current_inspections(application) if i.inspector_id == current_user.id]
    supersedes = query_id("supersedes")
    if supersedes is not None and supersedes not in {inspection.id for inspection in mine}:
        abort(404)
    owner = application.plot.owner
    if owner.phone and privacy.log_access(current_user, [owner.id], AccessKind.PHONE,
                                          f"inspection form, plot {application.plot.code}"):
        db.session.commit()  # the form shows the farmer's phone: the farmer sees who looked
    return render_template(
        "inspections/form.html", assignment=assignment, application=application, version=application.version,
        outcomes=list(Outcome), answers=list(Answer), latest=mine[-1] if mine else None, supersedes=supersedes,
    )


EARLIEST_VISIT = datetime(2000, 1, 1, tzinfo=timezone.utc)  # before the network: a phone's clock gone wrong


def _id(value) -> int:
    """A whole number from the phone's JSON that a column can hold: 1e308 or 10**20 is refused, not an overflow."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("not a whole number")
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def _metres(value) -> int:
    """The position's accuracy: the phone sends a float (12.5), kept as whole metres."""
    if isinstance(value, bool):
        raise ValueError("not a distance")
    number = Decimal(str(value))
    if not number.is_finite() or not 0 <= number <= MAX_ID:
        raise ValueError("not a distance")
    return int(number)


def _degrees(value, limit: int) -> Decimal:
    number = Decimal(str(value))
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValueError("not a position")
    return number.quantize(Decimal("0.000001"))


def _parse(payload: dict, files) -> services.InspectionSubmission:
    try:
        visited_at = datetime.fromisoformat(payload["visited_at"].replace("Z", "+00:00"))
        if visited_at.tzinfo is None:
            visited_at = visited_at.replace(tzinfo=timezone.utc)
        if visited_at < EARLIEST_VISIT:
            raise ValueError("visited before the network began")
        answers = {
            _id(item_id): (Answer(value["answer"]), str(value.get("note") or ""))
            for item_id, value in payload["answers"].items()
        }
        position = payload.get("position") or {}
        latitude = _degrees(position["latitude"], 90) if position else None
        longitude = _degrees(position["longitude"], 180) if position else None
        accuracy = _metres(position["accuracy"]) if position.get("accuracy") is not None else None
        photos = []
        for described in payload.get("photos") or []:
            upload = files.get(described["field"])
            if upload is None:
                raise ValueError("missing photo")
            item_id = described.get("item_id")
            photos.append(services.SubmittedPhoto(upload.read(), _id(item_id) if item_id is not None else None))
        supersedes = payload.get("supersedes_id")
        requests = [services.SubmittedRequest(str(r["severity"]), str(r.get("finding") or "")[:2000],
                                              date.fromisoformat(str(r["due_on"])))
                    for r in payload.get("requests") or []]
        return services.InspectionSubmission(
            client_uuid=str(payload["client_uuid"])[:36],
            assignment_id=_id(payload["assignment_id"]),
            visited_at=visited_at,
            recommendation=Outcome(payload["recommendation"]),
            answers=answers,
            summary=str(payload.get("summary") or "")[:5000],
            latitude=latitude, longitude=longitude, accuracy_m=accuracy,
            supersedes_id=_id(supersedes) if supersedes else None,
            photos=photos,
            requests=requests,
        )
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation, OverflowError):
        raise ValueError("unreadable inspection") from None


def sync():
    """Receive an inspection made offline. The same inspection sent again is stored once."""
    if not current_user.is_authenticated:
        return json_refusal(_("Sign in again; the inspection stays saved on this phone."), 401, "signed_out")
    if not current_user.has_role(Role.INSPECTOR):
        return json_refusal(_("You may not do this."), 403)
    if (refusal := phone_csrf_refusal()) is not None:
        return refusal
    try:
        payload = read_json(request.form.get("inspection", ""))  # bounded: depth, size, control characters
        submission = _parse(payload, request.files)
    except ValueError:
        return json_refusal(_("The inspection could not be read. Check every item has an answer."))
    try:
        inspection, created = services.submit_inspection(submission, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        status = 403 if isinstance(error, NotAllowed) else 409 if isinstance(error, DuplicateSubmission) else 400
        return json_refusal(str(error), status)
    except IntegrityError:
        # The same inspection arrived twice at the same moment: the other request stored it.
        db.session.rollback()
        inspection, created = services.submit_inspection(submission, current_user)
        if created:  # it was not a duplicate after all: report the original failure
            raise
    current_app.logger.info("inspection %s from %s (%s)", inspection.id, current_user.id,
                            "stored" if created else "already stored")
    return jsonify({"status": "stored" if created else "already_stored", "id": inspection.id}), (201 if created else 200)


def token():
    """A fresh form token for an inspection page that was opened in an earlier session."""
    return phone_token(_("Sign in again; the inspection stays saved on this phone."))


@login_required
def report(inspection_id: int):
    inspection = db.get_or_404(Inspection, inspection_id)
    if not overview.can_view_application(current_user, inspection.application):
        abort(403)
    superseded_by = db.session.query(Inspection).filter_by(supersedes_id=inspection.id).one_or_none()
    return render_template("inspections/report.html", inspection=inspection, superseded_by=superseded_by)


@login_required
def photo(photo_id: int):
    picture = db.get_or_404(InspectionPhoto, photo_id)
    if not overview.can_view_application(current_user, picture.inspection.application):
        abort(403)
    return storage.send_private(services.INSPECTION_PHOTO_KIND, picture.stored_name)


register_routes(bp)
