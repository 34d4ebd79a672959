"""Generated input to every form and JSON body the app takes, as a signed-in user of the right role: no answer is a
500 (nor any 5xx).

The forms are not listed by hand. Each role signs in on the demo data, walks the pages it can reach from its desk by
links, and every <form> it finds there is posted again and again with Hypothesis' values in some of its fields (the
rest keep what the page filled in, so the request gets past the first check and reaches deeper code): control
characters, NUL, huge, tiny and negative numbers, NaN and infinities, dates in either era and out of any range, odd
Unicode (right-to-left marks, combining marks, emoji, Thai digits), very long text, deep JSON. The offline sync
endpoints take their day as JSON inside the form; they get generated JSON. A last test proves the walk is complete:
the rules no walk reaches on the demo data (they need state it lacks) are posted to blind, with their URL filled
from the database and the fields of the form class their view builds; the few left out are named with the reason.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound

from greensmile.demo import DEMO_DOMAIN, demo_password

ROLES = ["anonymous", "consumer", "farmer", "inspector", "committee", "coordinator", "buyer", "supporter", "rubber",
         "exporter", "treebank", "bank"]
EXAMPLES = 5  # per form (a once-only form fetches its page again before each, for a new key)
MAX_PAGES = 200  # per role
PAGES_PER_RULE = 3  # /plots/<code> of every plot adds nothing after the first few
SKIP_LINK = re.compile(r"^/(logout|lang|static|media)\b|\.(csv|png|svg|jpg|jpeg|pdf|json|js)$|/export|/qr\b")

# POST rules no walk posts to, each with the reason.
LEFT_OUT = {
    "/logout": "ends the walk's own session; covered by the accounts tests",
    "/payments/stripe/webhook": "signed by Stripe; tests/payments posts malformed signed events to it",
    "/account/devices/<int:device_id>/sign-out": "ends a session of the walker's; covered by the accounts tests",
    "/account/devices/sign-out-others": "ends the walker's other sessions; covered by the accounts tests",
}
# Forms that would end the walker's session, or whose refusals lock the walker out for the rest of the walk.
NOT_POSTED = re.compile(r"^/(logout|account/devices/)")
ANONYMOUS_ONLY = re.compile(r"^/(login|signup|forgot|reset)")

# ---------------------------------------------------------------- values
CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\u0085", "\u2028",
                           "\u200b", "\u200e", "\u200f", "\u202e", "\ufeff", "\ufffd"])
ODD_UNICODE = st.sampled_from(["ผักบุ้ง\u0e34\u0e34\u0e34", "๑๒๓๔", "๒๕๖๙", "🥬🌶️", "e\u0301\u0301\u0301", "Ⅻ",
                               "\u0661\u0662", "ＡＢＣ", "İı", "ß", "\U0001d7d8", "%s %d %(x)s {0} {{x}}",
                               "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "http://x.invalid/",
                               "a@b", "@", "+66", "0" * 40])
NUMBERS = st.sampled_from(["0", "-0", "-1", "1e308", "-1e308", "1e-320", "9" * 30, "-" + "9" * 30, "NaN", "nan",
                           "Infinity", "-inf", "sNaN", "0x10", "1_000", "1,5", "١٢", "2147483648",
                           "9223372036854775808", "99999999999999999999999", "0.000000001", "150", "101", "1e3"])
DATES = st.sampled_from(["9999-12-31", "0001-01-01", "1483-05-01", "2569-12-05", "2026-02-30", "2026-13-01",
                         "31/12/9999", "5/12/2569", "00/00/0000", "2026-1-1", "tomorrow", "2569", "9999", "0", "-1"])


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


JSON_TEXT = st.one_of(
    st.integers(1, 5).map(lambda n: _deep_json(10 ** n)),
    st.sampled_from(["", "{", "null", "[]", "{}", '"x"', "1e999", "NaN", '{"a": NaN}', '{"rows": [1e308]}',
                     '{"rows": "x"}', '{"answers": {"1": ["compliant", "\\u0000"]}}', "\x00"]),
    st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                 max_leaves=20).map(json.dumps),
)
TEXT = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, c, b: a + c + b, st.text(max_size=10), CONTROL, st.text(max_size=10)),
    ODD_UNICODE, NUMBERS, DATES,
    st.integers(1, 3).map(lambda n: "ก" * (10 ** (n + 2))),
    st.just(""),
)


@dataclass
class Form:
    action: str  # the path posted to
    method: str
    page: str  # the page it was found on
    rule: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name: the values the page offers (choices)
    values: dict[str, str] = field(default_factory=dict)  # name: the value the page filled in
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                          "fields": {}, "values": {}, "files": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if not name:
            return
        f = self._form
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                f["files"].append(name)
            elif kind in ("checkbox", "radio"):
                f["fields"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    f["values"][name] = a.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset"):
                f["fields"].setdefault(name, [])
                f["values"][name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            f["fields"].setdefault(name, [])
        elif tag == "option" and self._select:
            f["fields"][self._select].append(a.get("value", ""))
            if "selected" in a or self._select not in f["values"]:
                f["values"][self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            f["fields"].setdefault(name, [])
            f["values"][name] = ""
        elif tag == "button" and a.get("value") is not None:
            f["values"].setdefault(name, a["value"])

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["values"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _links_on(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="([^"#]+)', html)


# ---------------------------------------------------------------- the walk
def _sign_in(client, role: str) -> str:
    """Sign in as the demo account of a role; the path of the desk it lands on."""
    if role == "anonymous":
        return "/"
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf_token": token, "login": f"{role}@{DEMO_DOMAIN}",
                                         "password": demo_password()})
    assert answer.status_code == 302, f"{role} could not sign in ({answer.status_code})"
    return urlsplit(answer.headers["Location"]).path


def _signed_out(response) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def _rule_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        rule, _args = adapter.match(path, method=method.upper(), return_rule=True)
    except (NotFound, MethodNotAllowed):
        return None
    except Exception:  # a redirect (trailing slash) and the like: not a form target
        return None
    return rule.rule


def _walk(app, client, role: str, desk: str) -> tuple[list[Form], list[str]]:
    """The forms a role meets on the pages it reaches by links from its desk, one per URL rule and method; and the
    pages seen."""
    queue = [desk, "/"]
    seen: list[str] = []
    per_rule: dict[str, int] = {}
    forms: dict[tuple[str, str], Form] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or SKIP_LINK.search(path):
            continue
        rule = _rule_of(app, urlsplit(path).path, "get") or path
        if per_rule.get(rule, 0) >= PAGES_PER_RULE:
            continue
        per_rule[rule] = per_rule.get(rule, 0) + 1
        seen.append(path)
        response = client.get(path)
        assert response.status_code < 500, f"{role}: GET {path} answered {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        for raw in _forms_on(html):
            target = urlsplit(urljoin(path, raw["action"] or path))
            if target.netloc:
                continue
            rule = _rule_of(app, target.path, raw["method"] if raw["method"] == "post" else "get")
            if rule is None:
                continue
            key = (rule, raw["method"])
            if key not in forms:
                forms[key] = Form(action=target.path + (f"?{target.query}" if target.query else ""),
                                  method=raw["method"], page=path, rule=rule, fields=raw["fields"],
                                  values=raw["values"], files=raw["files"])
        for href in _links_on(html):
            target = urlsplit(urljoin(path, href))
            if target.netloc or not target.path.startswith("/"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link not in seen and link not in queue:
                queue.append(link)
    return list(forms.values()), seen


def _fresh_values(client, form: Form) -> dict[str, str]:
    """The form's hidden values as its page shows them now (a new CSRF token, a new once-only key)."""
    html = client.get(form.page).get_data(as_text=True)
    for raw in _forms_on(html):
        if urlsplit(urljoin(form.page, raw["action"] or form.page)).path == urlsplit(form.action).path:
            return {**form.values, **raw["values"]}
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return {**form.values, **({"csrf_token": token.group(1)} if token else {})}


KEEP = {"csrf_token", "submission_key"}


def _post_generated(client, role: str, form: Form, examples: int = EXAMPLES) -> list[str]:
    """Post Hypothesis' values into some fields of the form; returns what answered 5xx."""
    failures: list[str] = []
    names = [name for name in form.fields if name not in KEEP]
    json_fields = [name for name in names if name in ("inspection", "day")]

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def attempt(draw):
        once_only = "submission_key" in form.values
        values = _fresh_values(client, form) if once_only else dict(form.values)
        chosen = draw.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=len(names)),
                           label="fields") if names else []
        for name in chosen:
            options = [o for o in form.fields.get(name, []) if o]
            strategy = JSON_TEXT if name in json_fields else (
                st.one_of(st.sampled_from(options), TEXT) if options else TEXT)
            values[name] = draw.draw(strategy, label=name)
        if form.method == "post":
            files = {}
            for name in form.files:
                if draw.draw(st.booleans(), label=f"{name}?"):
                    body = draw.draw(st.sampled_from([b"", b"\x00" * 10, b"GIF89a", b"\xff\xd8\xff" + b"\x00" * 50,
                                                      b"<svg onload=alert(1)>", b"PK\x03\x04"]), label=name)
                    files[name] = (io.BytesIO(body), draw.draw(st.sampled_from(
                        ["photo.jpg", "", "../x.png", "ภาพ.png", "a" * 300 + ".jpg"]), label=f"{name} name"))
            answer = client.post(form.action, data={**values, **files}, content_type="multipart/form-data")
        else:
            answer = client.get(urlsplit(form.action).path, query_string=values)
        if answer.status_code >= 500:
            failures.append(f"{role}: {form.method.upper()} {form.action} {answer.status_code} with "
                            f"{ {k: values[k] for k in chosen} !r}"[:600])
        if _signed_out(answer) and role != "anonymous" and not ANONYMOUS_ONLY.search(form.action):
            _sign_in(client, role)  # e.g. a password change that went through: sign in again and go on

    attempt()
    return failures


_REACHED: set[str] = set()
_WALKED: set[str] = set()
# The walks' findings are shared by the module's tests: keep them on one worker.
pytestmark = pytest.mark.xdist_group("generated-input")


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("role", ROLES)
def test_no_generated_input_gets_a_server_error(demo, client, role):
    forms, seen = _walk(demo, client, role, _sign_in(client, role))
    assert len(seen) >= (3 if role == "anonymous" else 5), seen
    failures: list[str] = []
    # Anonymous-only forms last: a refused log-in counts towards the rate limit.
    for form in sorted(forms, key=lambda f: (ANONYMOUS_ONLY.search(f.action) is not None, f.rule)):
        if NOT_POSTED.search(form.action) or (role != "anonymous" and ANONYMOUS_ONLY.search(form.action)):
            continue
        failures += _post_generated(client, role, form)
    _REACHED.update(form.rule for form in forms if form.method == "post")
    _WALKED.add(role)
    assert not failures, "\n".join(failures[:20])


def test_every_post_rule_is_reached_by_some_role(demo):
    """A POST rule no role reaches by links on the demo data is posted to blind (below), or left out with its reason;
    this lists, for the record, how many the walk reaches with real pages' values."""
    reached = _reached_by_walking(demo)
    rules = {rule.rule for rule in demo.url_map.iter_rules() if "POST" in rule.methods}
    assert not set(LEFT_OUT) - rules, "a rule left out no longer exists"
    assert len(reached & rules) >= len(rules) // 2, sorted(rules - reached)


def _reached_by_walking(app) -> set[str]:
    """The POST rules the roles' walks meet on the demo data: recorded by the tests above when they ran in this
    process (the module's tests stay on one xdist worker, in order), else walked here."""
    for role in set(ROLES) - _WALKED:
        client = app.test_client()
        forms, _seen = _walk(app, client, role, _sign_in(client, role))
        _REACHED.update(form.rule for form in forms if form.method == "post")
        _WALKED.add(role)
    return _REACHED


# ---------------------------------------------------------------- blind posts to the rules no walk reaches
# Rules that hold state the demo does not have today (a slip waiting to be confirmed, a draft charter version, a
# farm's order to mark ready) are posted to with their URL filled from the database and the fields of the form class
# the view builds, as each of the roles most likely to use them. Shallower than a walk (most answers are refusals),
# but every such rule meets NUL, huge numbers and odd Unicode too.
BLIND_ROLES = ["coordinator", "farmer", "buyer", "inspector"]
BLIND_EXAMPLES = 3


def _form_fields(view) -> list[str]:
    import inspect

    from wtforms.fields.core import UnboundField

    names: list[str] = []
    source = inspect.getsource(inspect.unwrap(view))
    for class_name in dict.fromkeys(re.findall(r"\b([A-Z]\w*Form)\(", source)):
        form_class = inspect.unwrap(view).__globals__.get(class_name)
        if form_class is None:
            continue
        names += [name for name in dir(form_class) if isinstance(getattr(form_class, name, None), UnboundField)]
    return list(dict.fromkeys(names))


def _sample_args(rule) -> dict[str, str]:
    """Values for a rule's URL arguments that name something in the demo data where one can be guessed."""
    import sqlalchemy as sa

    from greensmile.extensions import db
    from greensmile.payments.models import Payment
    from greensmile.plots.models import Plot

    values = {}
    for name, converter in rule._converters.items():
        if type(converter).__name__.endswith("IntegerConverter"):
            values[name] = "1"
        elif name == "code":
            values[name] = db.session.scalar(sa.select(Plot.code).order_by(Plot.id)) or "SK001R"
        elif name == "reference":
            values[name] = db.session.scalar(sa.select(Payment.reference).order_by(Payment.id)) or "x"
        elif name == "number":
            values[name] = "1"
        else:
            values[name] = "x"
    return values


@pytest.mark.parametrize("role", BLIND_ROLES)
def test_rules_no_walk_reaches_answer_generated_input_without_a_server_error(demo, client, role):
    reached = _reached_by_walking(demo)
    desk = _sign_in(client, role)
    token_page = client.get(desk).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    failures: list[str] = []
    for rule in sorted(demo.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.rule in reached or rule.rule in LEFT_OUT:
            continue
        with demo.test_request_context():
            path = demo.url_map.bind("localhost").build(rule.endpoint, _sample_args(rule), method="POST")
        fields = _form_fields(demo.view_functions[rule.endpoint])
        form = Form(action=path, method="post", page=desk, rule=rule.rule,
                    fields={name: [] for name in fields}, values={"csrf_token": token})
        failures += _post_generated(client, role, form, examples=BLIND_EXAMPLES)
    assert not failures, "\n".join(failures[:20])
