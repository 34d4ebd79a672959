from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from greensmile.accounts import notify, services, sessions
from greensmile.accounts.errors import AccountError, InvalidConfirmToken, InvalidCredentials, InvalidResetToken
from greensmile.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    RolesForm,
    SignupForm,
    UserSearchForm,
)
from greensmile.accounts.models import Role, User, UserSession
from greensmile.accounts.permissions import coordinator_required
from greensmile.extensions import db, limiter
from greensmile.forms import ActionForm
from greensmile.navigation import desk_for
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind, Purpose
from greensmile.responses import act
from greensmile.urls import public_url, safe_next

bp = Blueprint("accounts", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/signup", "signup", signup, methods=["GET", "POST"])
    bp.add_url_rule("/signup/confirm/<token>", "confirm_signup", confirm_signup, methods=["GET", "POST"])
    bp.add_url_rule("/account", "account", account, methods=["GET", "POST"])
    bp.add_url_rule("/account/devices", "devices", devices)
    bp.add_url_rule("/account/devices/<int:device_id>/sign-out", "sign_out_device", sign_out_device, methods=["POST"])
    bp.add_url_rule("/account/devices/sign-out-others", "sign_out_others", sign_out_others, methods=["POST"])
    bp.add_url_rule("/account/password", "change_password", change_password, methods=["GET", "POST"])
    bp.add_url_rule("/password/forgot", "forgot_password", forgot_password, methods=["GET", "POST"])
    bp.add_url_rule("/password/reset/<token>", "reset_password", reset_password, methods=["GET", "POST"])
    bp.add_url_rule("/users", "users", users)
    bp.add_url_rule("/users/<int:user_id>", "user_detail", user_detail, methods=["GET", "POST"])
    bp.add_url_rule("/users/<int:user_id>/reset-link", "user_reset_link", user_reset_link, methods=["POST"])
    bp.add_url_rule("/users/<int:user_id>/close", "close_account", close_account, methods=["POST"])
    bp.add_url_rule("/users/<int:user_id>/reopen", "reopen_account", reopen_account, methods=["POST"])
    # fmt: on
    register_line_routes(bp)  # /login/line, /login/line/callback, /login/line/new, /account/line/..., reset + LINE


def _sign_in(user: User, remember: bool = False) -> None:
    """Record this device, commit the request's work, and give the browser the cookies that name the device."""
    sessions.start(user, user_agent=request.headers.get("User-Agent"), ip=request.remote_addr)
    db.session.commit()
    login_user(user, remember=remember)


def _sign_out() -> None:
    """End this device's sign-in on the server too (the caller commits), so a copy of its cookies opens nothing."""
    if current_user.is_authenticated and current_user.device is not None:
        sessions.revoke(current_user.device)
    logout_user()


def _failed(response) -> bool:
    return response.status_code != 302


def _login_account_key() -> str:
    return "login-account:" + services.login_key(request.form.get("login", ""))


@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), desk_for(current_user)))
    form = LoginForm()
    if request.method == "GET" and request.args.get("login"):
        form.login.data = request.args["login"]
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except InvalidCredentials as error:
            form.password.errors.append(str(error))
        else:
            _sign_in(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), desk_for(user)))
    return render_template("accounts/login.html", form=form)


def logout():
    _sign_out()
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("site.home"))


@limiter.limit("10 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("site.home"))
    form = SignupForm()
    notice = privacy.current_notice()
    valid = form.validate_on_submit()
    if valid and notice is not None and not form.notice_read.data:  # the notice at collection, PDPA §23
        form.notice_read.errors.append(_("Read the privacy notice, then tick the box."))
        valid = False
    if valid:
        outcome = services.sign_up(
            email=form.email.data, display_name=form.display_name.data, password=form.password.data,
            phone=form.phone.data, locale=_current_locale(),
        )
        target = safe_next(request.args.get("next"))
        if outcome.created:
            privacy.acknowledge(outcome.user, outcome.user, notice)
            notify.confirm_address(outcome.user, target)
        elif outcome.user.is_active:
            notify.signup_attempted(outcome.user)
        db.session.commit()
        # The same answer for a new address and a registered one: only the mailbox's owner learns which it was.
        flash(_("Check your e-mail: we have sent you a message that tells you how to go on."), "info")
        return redirect(target)
    return render_template("accounts/signup.html", form=form, notice=notice)


def confirm_signup(token: str):
    # Opening the link only shows a button: a mail scanner that follows links signs nobody in.
    try:
        user, _next = services.confirmation(token)
    except InvalidConfirmToken as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.login"))
    form = ActionForm()
    if form.validate_on_submit():
        try:
            user, next_path = services.confirm_email(token)
        except InvalidConfirmToken as error:
            flash(str(error), "error")
            return redirect(url_for("accounts.login"))
        _sign_out()  # whoever was signed in on this browser before (committed with the rest by _sign_in)
        _sign_in(user)
        flash(_("Your e-mail address is confirmed. Welcome to Green Smile!"), "success")
        return redirect(safe_next(next_path))
    return render_template("accounts/confirm_signup.html", form=form, user=user)


def _current_locale() -> str:
    return str(get_locale() or "th")


@login_required
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user, display_name=form.display_name.data, phone=form.phone.data,
            address=form.address.data or "", locale=form.locale.data,
        )
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form, line_agreed=privacy.has_given(
        current_user._get_current_object(), Purpose.LINE_MESSAGES))


@login_required
def devices():
    return render_template("accounts/devices.html", devices=sessions.live_devices(current_user),
                           current=current_user.device, form=ActionForm(), describe=sessions.describe_agent)


def _own_live_device(device_id: int) -> UserSession:
    record = db.session.get(UserSession, device_id)
    # Someone else's device is not found, rather than forbidden: its number says nothing.
    if record is None or record.user_id != current_user.id or not sessions.is_live(record):
        abort(404)
    return record


@login_required
def sign_out_device(device_id: int):
    record = _own_live_device(device_id)
    if record.id == current_user.device.id:
        return logout()
    return act(ActionForm(), url_for("accounts.devices"), lambda: sessions.revoke(record),
               _("That device is signed out."))


@login_required
def sign_out_others():
    return act(ActionForm(), url_for("accounts.devices"),
               lambda: sessions.revoke_all(current_user, keep=current_user.device),
               _("You are signed out on every other device."))


@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except InvalidCredentials:
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            # Every device is signed out, this one too (a copy of its cookies may be why the password changes):
            # it signs in again at once, as a new device, remembered if it was.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            _sign_in(current_user._get_current_object(), remember=remembered)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.get_user_by_email(form.email.data)
        if user is not None and user.is_active:
            notify.password_reset(user, services.make_reset_token(user))
            db.session.commit()
        # The same answer whether or not the account exists, so the form does not reveal who is registered.
        flash(_("If an account uses that address, a reset link is on its way. Check your e-mail."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


def reset_password(token: str):
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        services.user_for_reset_token(token, max_age)
    except InvalidResetToken as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data, max_age)
        except InvalidResetToken as error:
            flash(str(error), "error")
            return redirect(url_for("accounts.forgot_password"))
        # The reset signed out every device of its account; whoever else was signed in on this browser (a
        # coordinator opening a member's link) is signed out on the server too, not only here.
        _sign_out()
        db.session.commit()
        flash(_("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("accounts.login", login=user.email or user.phone))
    return render_template("accounts/reset_password.html", form=form)


@coordinator_required
def users():
    search = UserSearchForm(request.args)
    valid = search.validate()  # a tampered filter is shown as an error, not obeyed
    query = search.q.data if valid else None
    role = Role(search.role.data) if valid and search.role.data else None
    page = db.paginate(services.search_users(query, role), per_page=25)
    return render_template("accounts/users.html", search=search, page=page)


@coordinator_required
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    if request.method == "GET":
        form.roles.data = [role.value for role in user.role_set]
    if form.validate_on_submit():
        try:
            services.set_roles(user, {Role(value) for value in form.roles.data}, acting=current_user)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Roles of %(name)s are saved.", name=user.display_name), "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    if user.phone and privacy.log_access(current_user, [user.id], AccessKind.PHONE, "account page"):
        db.session.commit()  # the page shows the phone: the person sees who looked
    return render_template("accounts/user_detail.html", user=user, form=form, reset_link=None)


@coordinator_required
def user_reset_link(user_id: int):
    # For farmers without e-mail: the coordinator hands the link over in person or by phone message.
    user = db.get_or_404(User, user_id)
    form = RolesForm(formdata=None, roles=[role.value for role in user.role_set])
    try:
        token = services.reset_token_for_member(user, acting=current_user)
    except AccountError as error:
        flash(str(error), "error")
        return render_template("accounts/user_detail.html", user=user, form=form, reset_link=None), 400
    link = public_url("accounts.reset_password", token=token)
    return render_template("accounts/user_detail.html", user=user, form=form, reset_link=link)


@coordinator_required
def close_account(user_id: int):
    user = db.get_or_404(User, user_id)
    return act(ActionForm(), url_for("accounts.user_detail", user_id=user.id),
               lambda: services.close_account(user, acting=current_user),
               _("The account of %(name)s is closed and signed out on every device.", name=user.display_name))


@coordinator_required
def reopen_account(user_id: int):
    user = db.get_or_404(User, user_id)
    return act(ActionForm(), url_for("accounts.user_detail", user_id=user.id),
               lambda: services.reopen_account(user, acting=current_user),
               _("The account of %(name)s is open again.", name=user.display_name))


from greensmile.accounts.line_routes import register_line_routes  # noqa: E402  (it uses the sign-in helpers above)

register_routes(bp)
