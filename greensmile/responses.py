"""How a page answers a posted form: commit and say so, or roll back and say why. One request, one commit."""
from __future__ import annotations

from typing import Callable

from flask import flash, jsonify, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from flask_wtf.file import FileField
from wtforms import ValidationError
from wtforms.fields import HiddenField

from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.submissions import services as submissions
from greensmile.submissions.errors import AlreadyReceived
from greensmile.submissions.forms import new_key

# A refused form comes back as the same page with what was typed in it, never as a redirect that loses it:
INVALID = 400  # the form's own checks refused a field
REFUSED = 409  # the fields were good, a rule of the domain refused (over a ceiling, a tag already used, ...)


def done(message: str, target: str, form=None):
    db.session.commit()
    flash(message, "success")
    if form is not None:
        flash_understood(form)
    return redirect(target)


def flash_understood(form) -> None:
    """Say how a field read what was typed where it could mean two things (a Buddhist-era year, for one)."""
    for field in form:
        note = field.understood() if callable(getattr(field, "understood", None)) else None
        if note:
            flash(note, "info")


def refused(error: DomainError, target: str):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(target)


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


def received(repeat: AlreadyReceived, fallback: str):
    """The same form again (a double tap, a retry): nothing more is done; the sender sees what the first post made."""
    db.session.rollback()
    flash(str(repeat), "info")
    return redirect(repeat.made_url or fallback)


def flash_key_errors(form) -> None:
    """A page that shows its fields' own errors does not show the hidden key's: an expired form is said in a flash."""
    for error in form.submission_key.errors:
        flash(str(error), "error")


def act(form, target: str, action: Callable[[], object], message: str | Callable[[object], str], *,
        once: str | None = None, made: Callable[[object], str] | None = None):
    """Validate the posted form, run one service call, and answer with a redirect to `target` (or to `made(result)`).

    With `once` (the kind of a form carrying OnceFormMixin's key), the key is claimed first, in the same transaction:
    a form received before is answered with what its first post made, and the service is not called again."""
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        claimed = submissions.claim(once, form.submission_key.data, current_user) if once else None
        result = action()
    except AlreadyReceived as repeat:
        return received(repeat, target)
    except DomainError as error:
        return refused(error, target)
    return _succeeded(form, claimed, result, target, message, made)


def _succeeded(form, claimed, result, target: str, message, made):
    """Note what a once-only form made, commit, say so, and go to what was made (or `target`)."""
    destination = made(result) if made else target
    if claimed is not None:
        submissions.made(claimed, getattr(result, "id", None), destination)
    return done(message(result) if callable(message) else message, destination, form)


def act_or_render(form, render: Callable[[], str], target: str, action: Callable[[], object],
                  message: str | Callable[[object], str], *, once: str | None = None,
                  made: Callable[[object], str] | None = None):
    """As `act`, but a refusal answers with the page itself, `render()` drawing it with the posted form: every field
    keeps what was typed. INVALID (400) when a field is refused, REFUSED (409) when a domain rule is.

    A success still redirects (so a reload cannot post twice), and so does a form received before (to what its
    first post made). A refusal has made nothing and claimed no key (the claim is rolled back with the rest), so
    the page comes back with a new key, as every rendering of a form does: the one it was posted with may be the
    reason it was refused.

    A refused form's page stands at the form's own address, so a reload of it, or the language switch on it, asks
    for that address by GET: the route takes GET too, and is sent on to `target`."""
    if not form.is_submitted():
        return redirect(target)
    if not form.validate():
        hidden = [error for field in form if isinstance(field, HiddenField) for error in field.errors]
        for error in hidden:  # a hidden field has no place on the page to show its error
            flash(str(error), "error")
        if len(hidden) < sum(len(errors) for errors in form.errors.values()):
            flash(_("Nothing was saved: correct the fields marked below."), "error")
        return rerender(form, render, INVALID)
    try:
        claimed = submissions.claim(once, form.submission_key.data, current_user) if once else None
        result = action()
    except AlreadyReceived as repeat:
        return received(repeat, target)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return rerender(form, render, REFUSED)
    return _succeeded(form, claimed, result, target, message, made)


def rerender(form, render: Callable[[], str], status: int):
    """The refused form's page again: what was typed stays; a file, which no browser sends twice, is named."""
    if "submission_key" in form:
        form.submission_key.data = new_key()
        form.submission_key.raw_data = None
    for field in form:
        filename = getattr(field.data, "filename", None) if isinstance(field, FileField) else None
        if filename:
            field.errors = [*field.errors, _("%(name)s was not kept: choose it again.", name=filename[-80:])]
    return render(), status


# ---------------------------------------------------------------- the offline forms' JSON endpoints
# A phone may stay in the field, offline, for days: its form's token must still be good when it finds a signal.
# The session cookie and SameSite still guard the request.
SYNC_TOKEN_MAX_AGE = 30 * 24 * 3600


def json_refusal(message: str, status: int = 400, code: str = "refused"):
    return jsonify({"status": "error", "code": code, "message": message}), status


def phone_csrf_refusal():
    """None when the phone's token is good; else the answer that makes the phone ask for a fresh one."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""), time_limit=SYNC_TOKEN_MAX_AGE)
    except ValidationError:
        # A browser restart ends the session the page's token belonged to: the phone asks for a new one.
        return json_refusal(_("This form has expired or was not sent from our site. Reload the page and send it "
                              "again."), 400, "csrf")
    return None


def phone_token(signed_out_message: str):
    """A fresh form token for an offline page opened in an earlier session."""
    if not current_user.is_authenticated:
        return json_refusal(signed_out_message, 401, "signed_out")
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response
