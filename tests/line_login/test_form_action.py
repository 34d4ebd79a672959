"""The LINE buttons post to us and we redirect to LINE: a browser holds that redirect to the page's CSP form-action,
so LINE's origin is allowed there while LINE Login is on, and only then."""
from __future__ import annotations


def _form_action(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("form-action"))


def test_lines_login_page_is_an_allowed_form_target_only_while_line_login_is_on(client, app, line):
    assert _form_action(client.get("/login")) == f"form-action 'self' {line.base_url}"
    app.config["LINE_LOGIN_CHANNEL_ID"] = ""
    assert _form_action(client.get("/login")) == "form-action 'self'"
