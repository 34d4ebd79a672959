"""Who may keep a copy of a response: one policy for the whole site, applied after every request.

- A route is private unless it declares itself public with `@public(max_age=…)`: an undeclared answer is
  `private, no-store` even to a visitor without a cookie (a sign-up's confirmation page names the person).
- Whatever a signed-in person is sent is `private, no-store`: their menu, their form token, their orders must
  never sit in a shared cache or on a shared phone's disk. A public route keeps its public caching for them
  only when the page was not made for them (it never loaded the account nor made a form token), as the plot
  page behind a QR code is not: the same bytes for everyone, so a market-day crowd is served from caches.
- A response that sets a cookie is never public (a shared cache would hand the cookie to the next visitor).
- Exports (attachments, CSV) are `private, no-store` whoever asks.
- A route that already said `no-store` keeps it; static files keep Flask's own headers.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request, session

NO_STORE = "private, no-store"
# A public answer is only these; a redirect or an error from a public route is left as it was made.
CACHEABLE_STATUSES = {200, 206, 304}


@dataclass(frozen=True)
class PublicCache:
    max_age: int | str  # seconds, or the name of the config key that holds them
    stale_while_revalidate: int = 0

    def header(self) -> str:
        seconds = current_app.config[self.max_age] if isinstance(self.max_age, str) else self.max_age
        value = f"public, max-age={int(seconds)}"
        if self.stale_while_revalidate:
            value += f", stale-while-revalidate={self.stale_while_revalidate}"
        return value


def public(max_age: int | str, *, stale_while_revalidate: int = 0):
    """Declare a view's answers cacheable by anyone for `max_age` seconds (an int, or a config key's name)."""
    policy = PublicCache(max_age, stale_while_revalidate)

    def mark(view):
        view.public_cache = policy  # functools.wraps in outer decorators carries it along
        return view

    return mark


def declared_policy(endpoint: str | None) -> PublicCache | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "public_cache", None)


def init_app(app: Flask) -> None:
    # First in the list, so it runs last: it sees the headers and cookies every other hook has added.
    app.after_request_funcs.setdefault(None, []).insert(0, apply_policy)


def apply_policy(response: Response) -> Response:
    headers = response.headers
    if _is_export(response):
        headers["Cache-Control"] = NO_STORE
        return response
    if request.endpoint == "static" or "no-store" in headers.get("Cache-Control", ""):
        return response
    policy = declared_policy(request.endpoint)
    if policy is not None and response.status_code in CACHEABLE_STATUSES:
        if _rendered_for_signed_in_user() or _sets_cookie(response):
            headers["Cache-Control"] = NO_STORE
        else:
            headers["Cache-Control"] = policy.header()
            # A public page may still read the visitor's session (an anonymous visitor's language, the language
            # form's token): caches keep one copy per cookie.
            response.vary.add("Cookie")
        return response
    if _signed_in() or _sets_cookie(response) or "Cache-Control" not in headers:
        # Private unless declared public: an anonymous page may hold personal data too (a sign-up's confirmation,
        # a reset form), and a proxy with a default lifetime would keep a page that says nothing.
        headers["Cache-Control"] = NO_STORE
    return response


def _is_export(response: Response) -> bool:
    disposition = response.headers.get("Content-Disposition", "")
    return disposition.lower().startswith("attachment") or response.mimetype == "text/csv"


def _signed_in() -> bool:
    user = g.get("_login_user")  # where Flask-Login keeps the account once this request has loaded it
    if user is not None:
        return user.is_authenticated
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def _rendered_for_signed_in_user() -> bool:
    """The body may hold the person's menu, name or form token: it loaded their account or made them a token."""
    loaded = g.get("_login_user")
    if loaded is not None:
        return loaded.is_authenticated
    token_made = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g  # where Flask-WTF keeps it
    return token_made and _signed_in()


def _sets_cookie(response: Response) -> bool:
    if "Set-Cookie" in response.headers or session.modified:
        return True
    # The session cookie is written after this hook: a non-empty permanent session is refreshed on every answer.
    return bool(session) and current_app.session_interface.should_set_cookie(current_app, session)
