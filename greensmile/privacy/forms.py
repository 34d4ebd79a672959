from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from greensmile.forms import BaseForm


class ConsentForm(BaseForm):
    """One purpose's answer, yes or no (prefixed with the purpose, so a page can hold one form per purpose)."""

    answer = RadioField(_l("Your answer"), choices=[SelectChoice("yes", _l("Yes, I agree")),
                                                    SelectChoice("no", _l("No, I do not agree"))],
                        validators=[InputRequired(_l("Choose yes or no."))])
