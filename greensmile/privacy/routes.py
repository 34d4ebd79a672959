"""A person's consents, set on their own screen, or recorded by a coordinator as the person told it."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.models import User
from greensmile.accounts.permissions import coordinator_required
from greensmile.extensions import db
from greensmile.privacy import services
from greensmile.privacy.forms import ConsentForm
from greensmile.responses import done, flash_form_errors

bp = Blueprint("privacy", __name__)


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/account/consents", "mine", mine, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/consents", "of_user", of_user, methods=["GET", "POST"])


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
    return render_template("privacy/consents.html", person=person, purposes=purposes, current=current, forms=forms,
                           history=services.history(person), own=person.id == current_user.id), status


@login_required
def mine():
    return _page(current_user._get_current_object(), url_for("privacy.mine"))


@coordinator_required
def of_user(user_id: int):
    person = db.get_or_404(User, user_id)
    return _page(person, url_for("privacy.of_user", user_id=person.id))


register_routes(bp)
