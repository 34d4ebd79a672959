from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import HiddenInput

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


def email_or_phone(form, field):
    """An e-mail address, or a Thai phone number in any usual spelling (as at log-in)."""
    try:
        if "@" in (field.data or ""):
            email_address()(form, field)
        else:
            thai_phone(form, field)
    except ValidationError:
        raise ValidationError(_l("Enter an e-mail address or a Thai phone number, for example 081-234-5678.")) from None


class AddMemberForm(BaseForm):
    member = StringField(_l("Member's e-mail or phone number"), validators=[required(), at_most(254), email_or_phone],
                         filters=[strip])
    position = SelectField(
        _l("Position"), choices=[SelectChoice(position.value, POSITION_LABELS[position]) for position in Position]
    )
    # The account the coordinator was shown for a phone number and confirmed; empty until then.
    confirmed_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
