"""WTForms validators with messages from our own catalogue (WTForms ships no Thai translation)."""
from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Email, Length


def required() -> DataRequired:
    return DataRequired(message=_l("Please fill in this field."))


def email_address() -> Email:
    return Email(message=_l("Enter a valid e-mail address, for example name@example.com."))


def at_most(characters: int) -> Length:
    return Length(max=characters, message=_l("Use at most %(max)d characters."))


def strip(value):
    """Field filter: drop the spaces a phone keyboard or a copy-paste adds around a value."""
    return value.strip() if isinstance(value, str) else value
