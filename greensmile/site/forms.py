from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from greensmile.forms import BaseForm


class LanguageForm(BaseForm):
    lang = HiddenField(validators=[DataRequired(), AnyOf(["th", "en"])])
    next = HiddenField()
