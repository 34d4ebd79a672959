"""Odd input refused at the door, once for every page: control characters in a query string, a form or a JSON body;
page numbers and page sizes that no list has; JSON nested or sized past what any of our phones sends.

Each is answered 400 with a message saying what was wrong, before any view runs, so nothing is read from or written
to the database with it. Without this, PostgreSQL refuses a NUL in a text value, an OFFSET past 2**63 overflows, and
JSON nested 100,000 deep exhausts the parser's recursion: each a 500 that is not our bug but the request's.

A page number within bounds but past a list's last page is a 404 (Flask-SQLAlchemy's paginate with error_out, as
every list calls it); page 1 of an empty list is the empty list.

Control characters are refused, not stripped: no keyboard types them (tab, CR and LF, which a text area sends, are
let through), so they come from a tool or a copy of binary data, and quietly dropping them would change what was
sent (a password, a tag number) into something the sender never typed. Uploaded files are not text and are not
looked at; nor is a body signed by its sender and kept verbatim (Stripe's webhook), which its view checks itself.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from greensmile.db import MAX_ID

# C0 controls but tab, LF and CR, and lone surrogates (a \ud800 escape in JSON): PostgreSQL stores neither.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
PAGING_ARGS = ("page", "per_page")
# Endpoints whose body is signed by the sender and stored as received: their own view checks it.
VERBATIM_ENDPOINTS = frozenset({"payments.webhook"})

# The largest JSON we read: an inspection with every note filled and a measuring day of 2,000 trees stay well
# inside both. Nested deeper than this, it is no document of ours.
JSON_MAX_DEPTH = 32
JSON_MAX_CHARS = 2_000_000


class OddInput(BadRequest):
    """A request refused at the door, with the sentence that says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnreadableJSON(ValueError):
    """JSON that is malformed, too deep, too large, or holds NaN, an infinity or a control character."""


# ---------------------------------------------------------------- JSON
_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth(text: str) -> int:
    # Escapes first, then strings, go: what is left of the brackets is the nesting. Each step is one linear regex
    # pass (no backtracking), so a hostile document costs as little to measure as it is long.
    bare = _STRING.sub("", _ESCAPE.sub("", text))
    steps = (1 if bracket in "[{" else -1 for bracket in _BRACKET.findall(bare))
    return max(accumulate(steps), default=0)


def _refuse_constant(name: str):
    raise UnreadableJSON(f"{name} is not a number we take")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 reads as infinity
        raise UnreadableJSON("a number too large")
    return number


def loads(document: str | bytes, max_chars: int = JSON_MAX_CHARS, **kwargs):
    """json.loads, refusing a document over JSON_MAX_CHARS or nested over JSON_MAX_DEPTH (before it is parsed, so
    the parser never recurses that deep), and NaN and the infinities, which no JSON standard has."""
    if isinstance(document, (bytes, bytearray)):
        document = bytes(document).decode(json.detect_encoding(document), "surrogatepass")
    if len(document) > max_chars:
        raise UnreadableJSON("too large")
    if _depth(document) > JSON_MAX_DEPTH:
        raise UnreadableJSON("nested too deep")
    kwargs.setdefault("parse_constant", _refuse_constant)
    kwargs.setdefault("parse_float", _finite_float)
    return json.loads(document, **kwargs)


def holds_control(data) -> bool:
    """Whether a string, or any key or string inside parsed JSON, holds a control character we refuse."""
    if isinstance(data, str):
        return CONTROL.search(data) is not None
    if isinstance(data, dict):
        return any(holds_control(key) or holds_control(value) for key, value in data.items())
    if isinstance(data, list):
        return any(holds_control(value) for value in data)
    return False


def read_json(document: str | bytes, max_chars: int = JSON_MAX_CHARS):
    """JSON sent by a page of ours (a phone's offline day inside a form field) or a file a coordinator uploads:
    bounded as `loads` (a file's own bound in `max_chars`), and its strings free of control characters, which
    PostgreSQL would refuse. Anything unreadable (not JSON, not text) raises UnreadableJSON, a ValueError."""
    try:
        data = loads(document, max_chars=max_chars)
    except UnreadableJSON:
        raise
    except (ValueError, UnicodeError, RecursionError) as error:  # json's own errors, bytes that are no text
        raise UnreadableJSON(str(error)[:200]) from None
    if holds_control(data):
        raise UnreadableJSON("a control character")
    return data


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: request.get_json() (and anything else reading JSON through Flask) is bounded."""

    def loads(self, s, **kwargs):
        return loads(s, **kwargs)


# ---------------------------------------------------------------- numbers in the address
def _number_refused(name: str) -> OddInput:
    return OddInput(_("The address holds a number we cannot use (%(name)s): use a whole number from 1 to %(max)s.",
                      name=name, max=MAX_ID))


def whole_number(text: str, low: int = 1) -> int | None:
    """`text` as a whole number from `low` to MAX_ID (the largest id a column holds), or None. Decimal digits only,
    Thai ones too: isdigit() would pass "²", which int() refuses; a longer number is no row, not an overflow."""
    if len(text) > 10 or not text.isdecimal():
        return None
    number = int(text)
    return number if low <= number <= MAX_ID else None


def query_id(name: str) -> int | None:
    """An id (or any count from 1) named in the query string, or None when it is absent or empty; anything but a
    whole number from 1 to MAX_ID is refused 400."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    number = whole_number(text)
    if number is None:
        raise _number_refused(name)
    return number


# ---------------------------------------------------------------- the door
def _control_refused() -> OddInput:
    return OddInput(_("What was sent holds a control character (such as NUL) that no keyboard types. Nothing was "
                      "saved: remove it and send again."))


def _refuse_odd_input() -> None:
    if CONTROL.search(request.path):
        raise _control_refused()
    for key, value in request.args.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(value):
            raise _control_refused()
    for name in PAGING_ARGS:  # read by every paginated list (Flask-SQLAlchemy's paginate reads them itself)
        if name in request.args:
            if not request.args[name].strip():
                raise _number_refused(name)
            query_id(name)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or request.endpoint in VERBATIM_ENDPOINTS:
        return
    for key, value in request.form.items(multi=True):  # text fields only: uploaded files are in request.files
        if CONTROL.search(key) or CONTROL.search(value):
            raise _control_refused()
    if request.is_json and request.get_data(cache=True):
        try:
            data = request.get_json()  # through BoundedJSONProvider
        except BadRequest:
            raise OddInput(_("The data sent could not be read: it is not JSON, or it is too large or nested too "
                             "deep.")) from None
        if holds_control(data):
            raise _control_refused()


def _answer(error: OddInput):
    from greensmile.error_pages import render_error
    from greensmile.responses import json_refusal

    if not request.path.startswith("/api/") and request.accept_mimetypes.best == "application/json":
        return json_refusal(error.message, 400, "unreadable")  # an offline page's script reads this shape
    return render_error(400, error.message)  # a page for a person, the API's error shape under /api/


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)
    app.before_request(_refuse_odd_input)
    app.register_error_handler(OddInput, _answer)
