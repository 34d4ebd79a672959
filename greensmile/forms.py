"""What every form shares: WTForms' own messages in our catalogue, and validators with Thai messages."""
from __future__ import annotations

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields import DecimalField as _WTFormsDecimalField
from wtforms.fields import SelectMultipleField
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import CheckboxInput, ListWidget


class _CatalogueTranslations:
    # WTForms ships no Thai; its built-in messages (a tampered choice, a number that is not one)
    # are looked up in our own catalogue instead. WTForms fills in the placeholders itself.
    def gettext(self, string):
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ngettext(singular, plural, n)


_TRANSLATIONS = _CatalogueTranslations()


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier on a phone than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# WTForms' messages that our forms can show, listed so that extraction keeps them in the catalogue.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1
    ),
    _l("Invalid email address."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid input."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1),
)


def required() -> DataRequired:
    return DataRequired(message=_l("Please fill in this field."))


def email_address() -> Email:
    return Email(message=_l("Enter a valid e-mail address, for example name@example.com."))


def at_most(characters: int) -> Length:
    return Length(max=characters, message=_l("Use at most %(max)d characters."))


def strip(value):
    """Field filter: drop the spaces a phone keyboard or a copy-paste adds around a value."""
    return value.strip() if isinstance(value, str) else value


class DecimalField(_WTFormsDecimalField):
    """WTForms' DecimalField, refusing NaN and infinities (sNaN would crash a NumberRange check)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
