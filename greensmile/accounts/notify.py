"""Messages about an account's own safety (always by e-mail, whatever the person chose), each in its reader's language,
written in the transaction that makes them true."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from greensmile.accounts import services
from greensmile.accounts.models import User
from greensmile.notifications.services import Message, notify
from greensmile.urls import public_url


def confirm_address(user: User, next_path: str | None) -> None:
    """To a new account: the link that confirms the address and signs in."""
    link = public_url("accounts.confirm_signup", token=services.make_confirm_token(user, next_path))
    notify(user, "account.confirm_email", lambda: Message(_("Confirm your e-mail address"), _(
        "Hello %(name)s,\n\nTo finish creating your Green Smile account, open this link within %(days)s days:\n"
        "%(link)s\n\nIf you did not sign up, ignore this message: no account opens without this link.",
        name=user.display_name, days=services.CONFIRM_MAX_AGE // 86400, link=link,
    )))


def signup_attempted(user: User) -> None:
    """To the owner of an address someone tried to sign up with: they already have an account."""
    notify(user, "account.signup_attempt", lambda: Message(_("Someone tried to sign up with your address"), _(
        "Hello %(name)s,\n\nSomeone tried to create a Green Smile account with this e-mail address, which "
        "already has one: yours. If it was you, sign in:\n%(login)s\n\nForgot your password? Choose a new one "
        "here:\n%(forgot)s\n\nIf it was not you, ignore this message: nothing has changed in your account.",
        name=user.display_name, login=public_url("accounts.login", login=user.email),
        forgot=public_url("accounts.forgot_password"),
    )))


def password_reset(user: User, token: str) -> None:
    link = public_url("accounts.reset_password", token=token)
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    notify(user, "account.password_reset", lambda: Message(_("Reset your password"), _(
        "Hello %(name)s,\n\nTo choose a new password, open this link within %(minutes)s minutes:\n"
        "%(link)s\n\nIf you did not ask for this, ignore this message; your password stays as it is.",
        name=user.display_name, minutes=minutes, link=link,
    )))
