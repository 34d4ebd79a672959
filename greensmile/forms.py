"""What every form shares: WTForms' own messages in our catalogue, validators with Thai messages, and the year and
date fields that take the Buddhist era as well as the Christian one."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask import has_request_context, request
from flask_babel import get_locale, get_translations, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields import DateField as _WTFormsDateField
from wtforms.fields import DecimalField as _WTFormsDecimalField
from wtforms.fields import FileField, IntegerField, SelectMultipleField
from wtforms.validators import DataRequired, Email, Length, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from greensmile.clock import this_year, today
from greensmile.i18n import BUDDHIST_ERA_OFFSET, format_date_for


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

        def wrap_formdata(self, form, formdata):
            # Flask-WTF hands a form every uploaded file beside the text fields: a text field sent as a file part
            # would reach its validators as a file object (a 500) and skip the check for control characters.
            # Only the form's own file fields take files.
            data = super().wrap_formdata(form, formdata)
            if isinstance(data, CombinedMultiDict) and has_request_context() and request.files:
                own = {field.name for field in form._fields.values() if isinstance(field, FileField)}  # prefixed
                files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in own])
                return CombinedMultiDict((files, request.form))
            return data


class ActionForm(BaseForm):
    """A button that only needs its CSRF token (withdraw a listing, sign a device out, close an account)."""


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


# ---------------------------------------------------------------- years and dates in either era
# Thai people write the Buddhist era (B.E. = C.E. + 543); the pages show it in Thai. A year field takes both, and
# stores the Christian era. Its two ranges never meet (the Christian one ends centuries before the Buddhist one
# starts), so the number itself says which era was meant; nothing in between is guessed.
ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
THAI_DAY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")  # 5/12/2569: day, month, year, as Thai people write
FIRST_BUDDHIST_YEAR_IN_A_DATE = 2400  # from here a year in a date is B.E.: C.E. 2400 is no date anyone types today


def _thai_page() -> bool:
    return has_request_context() and str(get_locale()) == "th"


class YearField(IntegerField):
    """A year typed in either era, kept in the Christian era: 2566 is read as B.E. 2566, that is C.E. 2023.

    `first` is the earliest Christian-era year taken, `ahead` how many years past this one (0: not in the future);
    `said` words how it was read after a save, around %(year)s (by default "label: year").
    A number in neither range is refused with both ranges named."""

    def __init__(self, label=None, validators=None, first: int = 1950, ahead: int = 0, said=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if first + BUDDHIST_ERA_OFFSET <= 2200:
            raise ValueError("the two eras' ranges would meet: start the Christian one later")
        self.first, self.ahead, self.said, self.era = first, ahead, said, None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]  # as typed, after a refusal
        if self.data is None:
            return ""
        return str(self.data + BUDDHIST_ERA_OFFSET) if _thai_page() else str(self.data)  # as the page shows years

    def process_formdata(self, valuelist):
        self.era = None
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        last = this_year() + self.ahead
        try:
            typed = int(text)  # Thai digits too: int("๒๕๖๖") is 2566
        except ValueError:
            typed = None
        if typed is not None and self.first <= typed <= last:
            self.data, self.era = typed, "ce"
        elif typed is not None and self.first + BUDDHIST_ERA_OFFSET <= typed <= last + BUDDHIST_ERA_OFFSET:
            self.data, self.era = typed - BUDDHIST_ERA_OFFSET, "be"
        else:
            self.data = None
            raise ValueError(_(
                "Enter the year as four digits: B.E. %(first_be)s to %(last_be)s, or C.E. %(first)s to %(last)s.",
                first_be=self.first + BUDDHIST_ERA_OFFSET, last_be=last + BUDDHIST_ERA_OFFSET, first=self.first,
                last=last))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the year's own message stands; "fill in this field" would mislead

    def example(self) -> str:
        """A hint for the page: both eras, this year."""
        year = this_year()
        return _("B.E. or C.E.: %(be)s or %(ce)s", be=year + BUDDHIST_ERA_OFFSET, ce=year)

    def understood(self) -> str | None:
        """How the typed year was read, in both eras, to be said after a save."""
        if self.data is None or self.era is None:
            return None
        be, ce = self.data + BUDDHIST_ERA_OFFSET, self.data
        year = _("B.E. %(be)s (C.E. %(ce)s)", be=be, ce=ce) if self.era == "be" else _(
            "C.E. %(ce)s (B.E. %(be)s)", be=be, ce=ce)
        if self.said is not None:
            return str(self.said) % {"year": year}
        return _("%(label)s: %(year)s", label=str(self.label.text), year=year)


# A date field's range: a `date`, or a `timedelta` from today in Bangkok (TODAY, TODAY - 2 * YEAR, TODAY + 60 * DAY).
DAY = timedelta(days=1)
YEAR = timedelta(days=365)
TODAY = timedelta(0)
EARLIEST_DAY = date(1950, 1, 1)  # no date we keep (a harvest, a decision, a pledge) is older
ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class DateField(_WTFormsDateField):
    """A date as a browser's date picker sends it (2026-12-05) or as a person types it (2569-12-05, 5/12/2569):
    a year from 2400 on is a Buddhist-era year, kept as the Christian-era day. With format="%Y-%m", a month
    (2026-12 or 2569-12), kept as its first day.

    Every date is checked against the field's range, `earliest` to `latest` (each a date, or a timedelta from today),
    by default 1950 to two years ahead: 9999-12-31 (read as B.E., C.E. 9456) or 1483 is refused with the range
    named in the page's era, never stored. Give each field the range its meaning has (a planting date not in the
    future, a harvest not years ahead)."""

    def __init__(self, label=None, validators=None, format="%Y-%m-%d", earliest: date | timedelta = EARLIEST_DAY,
                 latest: date | timedelta = TODAY + 2 * YEAR, **kwargs):
        if format not in ("%Y-%m-%d", "%Y-%m"):
            raise ValueError("a date field reads days (%Y-%m-%d) or months (%Y-%m)")
        super().__init__(label, validators, format=format, **kwargs)
        self.earliest, self.latest = earliest, latest
        self.buddhist = False

    def _month(self) -> bool:
        return self.format == ["%Y-%m"]

    def bounds(self) -> tuple[date, date]:
        """The first and last day taken, today."""
        now = today()
        first, last = (now + bound if isinstance(bound, timedelta) else bound for bound in (self.earliest, self.latest))
        if self._month():  # a month is taken when its first day is in range, so the range runs by whole months
            first = first.replace(day=1)
        return first, last

    def process_formdata(self, valuelist):
        self.buddhist = False
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None  # left empty: Optional() or required() says what that means
            return
        if self._month():
            month = ISO_MONTH.match(text)
            parts = (int(month.group(1)), int(month.group(2)), 1) if month else None
        else:
            iso, thai = ISO_DAY.match(text), THAI_DAY.match(text)
            parts = ((int(part) for part in iso.groups()) if iso else
                     reversed([int(part) for part in thai.groups()]) if thai else None)
        if parts is None:
            self.data = None
            raise ValueError(self.gettext("Not a valid date value."))
        year, month, day = parts
        if year >= FIRST_BUDDHIST_YEAR_IN_A_DATE:
            # Converted before the date is made: 29 Feb B.E. 2567 is a real day (2024) though 2567 is no leap year.
            year, self.buddhist = year - BUDDHIST_ERA_OFFSET, True
        try:
            self.data = date(year, month, day)
        except ValueError:
            self.data, self.buddhist = None, False
            raise ValueError(self.gettext("Not a valid date value.")) from None
        first, last = self.bounds()
        if not first <= self.data <= last:
            self.data, self.buddhist = None, False
            raise ValueError(self.range_message(first, last))

    def range_message(self, first: date, last: date) -> str:
        locale = str(get_locale()) if has_request_context() else "en"
        if self._month():
            return _("Enter a month from %(first)s to %(last)s.", first=format_date_for(first, locale, "month"),
                     last=format_date_for(last, locale, "month"))
        return _("Enter a date from %(first)s to %(last)s.", first=format_date_for(first, locale),
                 last=format_date_for(last, locale))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the date's own message stands; "fill in this field" would mislead

    def understood(self) -> str | None:
        """Said after a save only when the year was read as Buddhist era."""
        if not self.buddhist or self.data is None:
            return None
        day = self.data.strftime("%Y-%m") if self._month() else self.data.isoformat()
        return _("%(label)s: read as B.E. %(be)s, that is %(day)s (C.E.)", label=str(self.label.text),
                 be=self.data.year + BUDDHIST_ERA_OFFSET, day=day)
