"""The pages of LINE Login, on the accounts blueprint: sign in with LINE, a new account from a LINE account, link and
unlink LINE from the account page, and link LINE through a one-time link. Every button is a POST with its CSRF token;
with no LINE Login channel configured every address here is a 404.

One callback address serves every purpose (LINE checks it against the channel's registered list); the flow kept by
`line_login.begin` says which purpose a callback ends."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts import line_login, services
from greensmile.accounts import routes as pages  # its sign-in helpers; it registers these routes when it is loaded
from greensmile.accounts.errors import AccountError
from greensmile.accounts.line_login import CLAIM, LINK, SIGN_IN, LineLoginFailed
from greensmile.extensions import db
from greensmile.forms import ActionForm
from greensmile.navigation import desk_for
from greensmile.privacy import services as consents
from greensmile.responses import act
from greensmile.urls import safe_next


def register_line_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/login/line", "line_sign_in", line_sign_in, methods=["POST"])
    bp.add_url_rule("/login/line/callback", "line_callback", line_callback)
    bp.add_url_rule("/login/line/new", "line_new_account", line_new_account, methods=["GET", "POST"])
    bp.add_url_rule("/account/line/link", "line_link", line_link, methods=["POST"])
    bp.add_url_rule("/account/line/unlink", "line_unlink", line_unlink, methods=["POST"])
    bp.add_url_rule("/password/reset/<token>/line", "line_claim", line_claim, methods=["POST"])
    # fmt: on
    bp.add_app_template_global(line_login.enabled, "line_login_enabled")


def _line_on(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not line_login.enabled():
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def _problem(message: str, status: int = 400):
    """The end of a LINE round trip that changed nothing: what happened, and where to go on."""
    db.session.rollback()
    return render_template("accounts/line_problem.html", message=message), status


def _check_button() -> None:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- starting: one button each
@_line_on
def line_sign_in():
    _check_button()
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), desk_for(current_user)))
    return redirect(line_login.begin(SIGN_IN, next=request.args.get("next")))


@_line_on
@login_required
def line_link():
    _check_button()
    return redirect(line_login.begin(LINK, user=current_user.id))


@_line_on
def line_claim(token: str):
    _check_button()
    try:
        services.user_for_reset_token(token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.forgot_password"))
    return redirect(line_login.begin(CLAIM, token=token))


# ---------------------------------------------------------------- LINE's answer
@_line_on
def line_callback():
    try:
        flow, identity = line_login.finish()
    except LineLoginFailed as failure:
        return _problem(str(failure), failure.status)
    purpose = flow.get("purpose")
    if purpose == SIGN_IN:
        return _sign_in_with(identity, flow.get("next"))
    if purpose == LINK:
        return _link(identity, flow.get("user"))
    if purpose == CLAIM:
        return _claim(identity, flow.get("token", ""))
    abort(400)


def _sign_in_with(identity: line_login.LineIdentity, next_path: str | None):
    try:
        user = services.sign_in_with_line(identity.user_id, display_name=identity.name, friend=identity.friend)
    except AccountError as error:
        return _problem(str(error), 403)
    if user is None:
        line_login.keep_pending(identity)
        return redirect(url_for("accounts.line_new_account", next=next_path))
    pages._sign_out()  # whoever else was signed in on this browser (committed with the rest by _sign_in)
    pages._sign_in(user)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(safe_next(next_path, desk_for(user)))


def _link(identity: line_login.LineIdentity, user_id: int | None):
    if not current_user.is_authenticated or current_user.id != user_id:
        return _problem(_("You are no longer signed in as the person who started linking LINE. Nothing was changed. "
                          "Sign in and link LINE again from your account page."))
    try:
        link = services.link_line(current_user, line_user_id=identity.user_id, display_name=identity.name,
                                  friend=identity.friend)
    except AccountError as error:
        return _problem(str(error), 409)
    consents.agree_with_line_link(current_user._get_current_object())
    db.session.commit()
    flash(_("Your LINE account is linked: you can sign in with LINE."), "success")
    if not link.friend:
        flash(_("Add the Green Smile Official Account as a friend on LINE to receive notices there."), "info")
    return redirect(url_for("accounts.account"))


def _claim(identity: line_login.LineIdentity, token: str):
    try:
        user = services.claim_with_line(token, current_app.config["PASSWORD_RESET_MAX_AGE"],
                                        line_user_id=identity.user_id, display_name=identity.name,
                                        friend=identity.friend)
    except AccountError as error:
        return _problem(str(error), 409)
    consents.agree_with_line_link(user)
    pages._sign_out()  # a coordinator who opened the link on their own browser is signed out on the server too
    pages._sign_in(user)
    flash(_("Your LINE account is linked. From now on, sign in with LINE."), "success")
    return redirect(url_for(desk_for(user)))


# ---------------------------------------------------------------- a LINE account not linked yet
@_line_on
def line_new_account():
    identity = line_login.pending()
    if identity is None:
        flash(_("Your sign-in with LINE has expired. Start again."), "info")
        return redirect(url_for("accounts.login"))
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user = services.create_line_account(line_user_id=identity.user_id, display_name=identity.name,
                                                friend=identity.friend, locale=pages._current_locale())
        except AccountError as error:
            line_login.drop_pending()
            return _problem(str(error), 409)
        consents.agree_with_line_link(user)
        line_login.drop_pending()
        pages._sign_out()
        pages._sign_in(user)
        flash(_("Your Green Smile account is ready. Welcome, %(name)s!", name=user.display_name), "success")
        return redirect(safe_next(request.args.get("next"), desk_for(user)))
    return render_template("accounts/line_new_account.html", form=form, identity=identity,
                           password_first=url_for("accounts.login", next=url_for("accounts.account")))


# ---------------------------------------------------------------- unlinking
@_line_on
@login_required
def line_unlink():
    return act(ActionForm(), url_for("accounts.account"), lambda: services.unlink_line(current_user),
               _("LINE is unlinked from your account."))
