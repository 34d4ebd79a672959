"""Error pages without stack traces: HTML for people, JSON for the API and health check."""
from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from greensmile.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not have access to this page.")),
    404: (_l("Page not found"), _l("There is no page at this address. Check the address or start from the home page.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("File too large"), _l("The file you sent is too large. Send a smaller photo or file.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("We could not finish this request and nothing was saved. Please try again in a moment.")),
}
CSRF_MESSAGE = _l("This form has expired or was not sent from our site. Reload the page and send it again.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def render_error(code: int, message=None, headers=None):
    title, default_message = MESSAGES.get(code) or MESSAGES[400 if code < 500 else 500]
    message = message or default_message
    if _wants_json():
        body = {"error": {"status": code, "title": str(title), "message": str(message)}}
    else:
        body = render_template("errors/error.html", code=code, title=title, message=message)
    return body, code, _passed_on(headers)


def _passed_on(headers) -> list[tuple[str, str]]:
    # Keep what the error says about itself (Allow on a 405, Retry-After on a 429), not its body's type.
    return [(name, value) for name, value in (headers or []) if name.lower() != "content-type"]


def _fatal_page():
    """The 500 page when even the normal one fails (the database is down): no account, no menu."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone
        log.exception("rollback failed while reporting an error")
    locale = session.get("lang", "th") if session else "th"
    with force_locale(locale):
        title, message = MESSAGES[500]
        if _wants_json():
            return {"error": {"status": 500, "title": str(title), "message": str(message)}}, 500
        # Straight from the Jinja environment: the context processors (the signed-in account) are skipped.
        template = current_app.jinja_env.get_template("errors/fatal.html")
        return template.render(title=title, message=message, current_locale=locale), 500


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, headers=error.get_headers())

    @app.errorhandler(InternalServerError)
    def server_error(error):
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        try:
            # Whatever the request half-wrote is thrown away before the page is shown.
            db.session.rollback()
            return render_error(500)
        except Exception:
            log.exception("the error page itself failed; showing the plain one")
            return _fatal_page()
