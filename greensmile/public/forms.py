from flask_babel import lazy_gettext as _l
from wtforms import FloatField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from greensmile.forms import BaseForm, at_most, required, strip


class ConcernForm(BaseForm):
    message = TextAreaField(_l("What worries you about this plot or its produce?"),
                            validators=[required(), at_most(3000)])
    contact = StringField(_l("Your phone or e-mail, if you want an answer (optional)"),
                          validators=[Optional(), at_most(200)], filters=[strip])


ANY = SelectChoice("0", _l("Any"))


class FarmSearchForm(BaseForm):
    """The farm directory's filters, and the visitor's position for "near me" (GET parameters, nothing changes)."""

    class Meta:
        csrf = False

    crop = SelectField(_l("Crop"), coerce=int, validators=[Optional()], default=0)
    standard = SelectField(_l("Standard"), coerce=int, validators=[Optional()], default=0)
    district = SelectField(_l("District"), coerce=int, validators=[Optional()], default=0)
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90)], widget=HiddenInput())
    lon = FloatField(validators=[Optional(), NumberRange(-180, 180)], widget=HiddenInput())

    def set_choices(self, crops, standards, districts, locale: str) -> None:
        self.crop.choices = [ANY] + [SelectChoice(str(c.id), c.name(locale)) for c in crops]
        self.standard.choices = [ANY] + [SelectChoice(str(s.id), s.name(locale)) for s in standards]
        self.district.choices = [ANY] + [SelectChoice(str(d.id), d.name(locale)) for d in districts]

    @property
    def near(self) -> tuple[float, float] | None:
        if self.lat.data is None or self.lon.data is None or self.lat.errors or self.lon.errors:
            return None
        return self.lon.data, self.lat.data
