from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from greensmile.forms import BaseForm, at_most, required


class ConsentForm(BaseForm):
    """One purpose's answer, yes or no (prefixed with the purpose, so a page can hold one form per purpose)."""

    answer = RadioField(_l("Your answer"), choices=[SelectChoice("yes", _l("Yes, I agree")),
                                                    SelectChoice("no", _l("No, I do not agree"))],
                        validators=[InputRequired(_l("Choose yes or no."))])


class NoticeForm(BaseForm):
    body_th = TextAreaField(_l("The notice in Thai"), validators=[required(), at_most(50_000)])
    body_en = TextAreaField(_l("The notice in English"), validators=[at_most(50_000)])
