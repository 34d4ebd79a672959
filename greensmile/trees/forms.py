from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from greensmile.forms import TODAY, YEAR, BaseForm, DateField, DecimalField, YearField, at_most, required, strip
from greensmile.trees.models import TREE_STATUS_LABELS, TreeStatus

FIRST_PLANTING_YEAR = 1800  # C.E.; the tree bank values old trees too
PLANTED_IN = _l("Planted in %(year)s.")

class TreeForm(BaseForm):
    tag = StringField(_l("Tag number"), validators=[required(), at_most(20)], filters=[strip])
    species_id = SelectField(_l("Species"), coerce=int, validators=[required()])
    planted_on = DateField(_l("Planting date (if known)"), validators=[Optional()],
                           earliest=date(FIRST_PLANTING_YEAR, 1, 1), latest=TODAY)
    planting_year = YearField(_l("Or the year it was planted"), validators=[Optional()], first=FIRST_PLANTING_YEAR,
                              said=PLANTED_IN)
    latitude = DecimalField(_l("Latitude"), places=6, validators=[
        Optional(), NumberRange(min=-90, max=90, message=_l("Enter a latitude between -90 and 90."))])
    longitude = DecimalField(_l("Longitude"), places=6, validators=[
        Optional(), NumberRange(min=-180, max=180, message=_l("Enter a longitude between -180 and 180."))])
    photo = FileField(_l("Photo (optional)"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if (self.latitude.data is None) != (self.longitude.data is None):
            self.latitude.errors.append(_l("Enter both latitude and longitude, or neither."))
            return False
        return True


class StandForm(BaseForm):
    species_id = SelectField(_l("Species"), coerce=int, validators=[required()])
    count = IntegerField(_l("How many trees"), validators=[
        required(), NumberRange(min=1, max=100000, message=_l("Enter how many trees there are."))])
    planting_year = YearField(_l("Year planted"), validators=[Optional()], first=FIRST_PLANTING_YEAR,
                              said=PLANTED_IN)


class SplitForm(BaseForm):
    tags = TextAreaField(_l("Tag numbers, one a line"), validators=[required()])


class PhotoForm(BaseForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(message=_l("Choose a photo to send."))])


class PledgeForm(BaseForm):
    loan_reference = StringField(_l("Loan reference"), validators=[required(), at_most(60)], filters=[strip])
    pledged_on = DateField(_l("Pledged from"), validators=[required()], earliest=TODAY - 10 * YEAR, latest=TODAY)


class ReleaseForm(BaseForm):
    released_on = DateField(_l("Released on"), validators=[required()], earliest=TODAY - 10 * YEAR, latest=TODAY)


class TakeDownForm(BaseForm):
    status = SelectField(_l("What happened"), choices=[SelectChoice(s.value, TREE_STATUS_LABELS[s])
                                                       for s in (TreeStatus.FELLED, TreeStatus.REMOVED)])
    reason = StringField(_l("Why"), validators=[required(), at_most(1000)], filters=[strip])


class PriceTableForm(BaseForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to send."))])
    source = StringField(_l("Whose prices these are"), validators=[required(), at_most(300)], filters=[strip])

