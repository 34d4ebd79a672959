from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from greensmile.extensions import db, limiter
from greensmile.site.forms import LanguageForm
from greensmile.urls import safe_next

bp = Blueprint("site", __name__)
log = logging.getLogger(__name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/", "home", home)
    bp.add_url_rule("/language", "language", language, methods=["POST"])
    bp.add_url_rule("/healthz", "healthz", limiter.exempt(healthz))
    # fmt: on


def home():
    return render_template("site/home.html")


def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
        db.session.commit()
    return redirect(safe_next(form.next.data))


def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means unhealthy
        log.warning("health check: database unreachable: %s", error)
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


register_routes(bp)
