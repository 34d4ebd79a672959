"""Error pages without stack traces: HTML for people, JSON for the API and health check."""
from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request, session
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
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
    503: (_l("Please try again shortly"),
          _l("Green Smile cannot reach its records just now. Wait a minute and try again.")),
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


def _fatal_page(code: int = 500, headers=None):
    """The page when the normal one cannot be shown (the database is down): no account, no menu."""
    try:
        db.session.rollback()
    except Exception as error:  # the connection itself may be gone
        log.warning("rollback failed while reporting an error: %s", first_line(error))
    locale = session.get("lang", "th") if session else "th"
    with force_locale(locale):
        title, message = MESSAGES[code]
        if _wants_json():
            return {"error": {"status": code, "title": str(title), "message": str(message)}}, code, headers or []
        # Straight from the Jinja environment: the context processors (the signed-in account) are skipped.
        template = current_app.jinja_env.get_template("errors/fatal.html")
        return template.render(code=code, title=title, message=message, current_locale=locale), code, headers or []


def first_line(error: BaseException) -> str:
    # A database error's text runs to the SQL and a link; the driver's first line says what happened.
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


RETRY_AFTER_SECONDS = 30
# PostgreSQL's SQLSTATEs for "cannot serve now": connection exceptions (class 08), shut down or starting up,
# too many connections. A deadlock or a missing column is a bug, not an outage.
UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03", "53300"}
# SQLite's: busy (locked past its timeout), disk I/O error, cannot open the file.
UNAVAILABLE_SQLITE_CODES = {5, 10, 14}


def database_unavailable(error: Exception) -> bool:
    """True when the database cannot be reached or cannot serve just now (say "try again shortly"); False for an
    error in our own SQL or data, which is a bug and keeps its 500 page and traceback."""
    if isinstance(error, sa_exc.TimeoutError):  # every pooled connection is busy
        return True
    if getattr(error, "connection_invalidated", False):
        return True
    original = getattr(error, "orig", None)
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in UNAVAILABLE_SQLITE_CODES  # extended codes carry the primary one in the low byte
    # psycopg's own failures (refused, timed out, the server went away) carry no SQLSTATE.
    return isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, headers=error.get_headers())

    def outage_page(error):
        # An outage is not a bug: one line, no traceback, and the database is not asked for the page.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, first_line(error))
        return _fatal_page(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error):
        if not database_unavailable(error):
            raise error  # on to the 500 page, logged with its traceback
        return outage_page(error)

    @app.errorhandler(InternalServerError)
    def server_error(error):
        original = getattr(error, "original_exception", None)
        if original is not None and database_unavailable(original):
            return outage_page(original)  # the database went while another error page was being drawn
        if original is not None:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        try:
            # Whatever the request half-wrote is thrown away before the page is shown.
            db.session.rollback()
            return render_error(500)
        except Exception:
            log.exception("the error page itself failed; showing the plain one")
            return _fatal_page()
