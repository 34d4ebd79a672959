from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired(), AnyOf(["th", "en"])])
    next = HiddenField()
