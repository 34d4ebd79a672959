from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, session
from flask_login import current_user

from greensmile.extensions import db, limiter
from greensmile.site import health
from greensmile.site.forms import LanguageForm
from greensmile.urls import safe_next

bp = Blueprint("site", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/", "home", home)
    bp.add_url_rule("/language", "language", language, methods=["POST"])
    bp.add_url_rule("/healthz", "healthz", limiter.exempt(healthz))
    bp.add_url_rule("/sw.js", "service_worker", service_worker)
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


SERVICE_WORKER = "js/sw.js"
# The files the service worker keeps for offline use; their contents make its version.
OFFLINE_ASSETS = ("css/app.css", "img/logo.svg", "js/inspection.js", "js/offline.js", "vendor/idb-keyval/umd.js",
                  SERVICE_WORKER)


def _service_worker_source() -> str:
    cached = current_app.extensions.get("service_worker_source")
    if cached is None:
        static = Path(current_app.static_folder)
        digest = hashlib.sha256()
        for name in OFFLINE_ASSETS:
            digest.update((static / name).read_bytes())
        source = (static / SERVICE_WORKER).read_text(encoding="utf-8")
        cached = source.replace("__VERSION__", digest.hexdigest()[:12])
        if not current_app.debug:
            current_app.extensions["service_worker_source"] = cached
    return cached


def service_worker():
    # Served from the root so that it may look after every page of the site (its scope).
    response = current_app.response_class(_service_worker_source(), mimetype="application/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def healthz():
    """Each dependency's state. Without the database nothing works (503, "error"); without Redis the site runs
    but counts log-ins and scans per worker (200, "degraded"), so a monitor can tell the two apart."""
    checks = {"database": health.database(), "redis": health.redis()}
    if checks["database"] != "ok":
        status, code = "error", 503
    elif checks["redis"] == "unreachable":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    # "database" at the top too: monitors written before the checks were listed read it there.
    return {"status": status, "database": checks["database"], "checks": checks}, code


register_routes(bp)
