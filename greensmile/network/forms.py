from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from greensmile.accounts.forms import thai_phone
from greensmile.forms import BaseForm, at_most, email_address, required, strip
from greensmile.network.models import KIND_LABELS, POSITION_LABELS, OrganisationKind, Position


class OrganisationForm(BaseForm):
    name = StringField(_l("Name (Thai)"), validators=[required(), at_most(200)])
    name_en = StringField(_l("Name (English, optional)"), validators=[Optional(), at_most(200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, KIND_LABELS[kind]) for kind in OrganisationKind])
    district_id = SelectField(_l("District"), coerce=int, validators=[Optional()])
    contact_phone = TelField(_l("Contact phone (optional)"), validators=[Optional(), thai_phone])
    description = TextAreaField(_l("Description"), validators=[Optional(), at_most(2000)])

    def set_district_choices(self, districts, locale: str) -> None:
        self.district_id.choices = [SelectChoice("0", _l("— none —"))] + [
            SelectChoice(str(d.id), d.name(locale)) for d in districts
        ]


class AddMemberForm(BaseForm):
    email = EmailField(_l("Member's e-mail"), validators=[required(), email_address(), at_most(254)], filters=[strip])
    position = SelectField(
        _l("Position"), choices=[SelectChoice(position.value, POSITION_LABELS[position]) for position in Position]
    )
