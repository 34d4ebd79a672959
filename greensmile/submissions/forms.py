"""The hidden one-time key every create form carries."""
from __future__ import annotations

import secrets

from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp

from greensmile.submissions.errors import EXPIRED
from greensmile.submissions.models import KEY_LENGTH


def new_key() -> str:
    return secrets.token_urlsafe(16)


class OnceFormMixin:
    """Mix into a form that makes something: each rendering of it gets a new key, and each key makes one thing.

    InputRequired, not DataRequired: a post without the field would otherwise keep a fresh default key and pass."""

    submission_key = HiddenField(default=new_key, validators=[
        InputRequired(message=EXPIRED), Regexp(rf"^[A-Za-z0-9_-]{{{KEY_LENGTH}}}$", message=EXPIRED)])
