"""How a page answers a posted form: commit and say so, or roll back and say why. One request, one commit."""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect

from greensmile.errors import DomainError
from greensmile.extensions import db


def done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target)


def refused(error: DomainError, target: str):
    db.session.rollback()
    flash(str(error), "error")
    return redirect(target)


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


def act(form, target: str, action: Callable[[], object], message: str | Callable[[object], str]):
    """Validate the posted form, run one service call, and answer with a redirect to `target`."""
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        result = action()
    except DomainError as error:
        return refused(error, target)
    return done(message(result) if callable(message) else message, target)
