from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from greensmile.forms import (
    TODAY,
    YEAR,
    BaseForm,
    DateField,
    DecimalField,
    MultiCheckboxField,
    at_most,
    required,
    strip,
)
from greensmile.listings.models import PICKUP_KIND_LABELS, UNIT_LABELS, WEEKDAY_LABELS, PickupKind, Unit

ANY = SelectChoice("0", _l("Any"))


class ListingForm(BaseForm):
    plot_id = SelectField(_l("Plot"), coerce=int, validators=[required()])
    crop_id = SelectField(_l("Crop"), coerce=int, validators=[required()])
    title = StringField(_l("Title (optional: the crop's name if empty)"), validators=[Optional(), at_most(120)],
                        filters=[strip])
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), at_most(2000)])
    unit = SelectField(_l("Sold by"), choices=[SelectChoice(u.value, UNIT_LABELS[u]) for u in Unit],
                       validators=[required()])
    price = DecimalField(_l("Price per unit (baht)"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a price between ฿0.01 and ฿100,000."))])
    quantity = DecimalField(_l("Quantity for sale"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a quantity between 0.01 and 100,000."))])
    harvest_on = DateField(_l("Harvest date"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY + YEAR)
    order_by_date = DateField(_l("Orders close on"), validators=[required()], earliest=TODAY - YEAR,
                              latest=TODAY + YEAR)
    order_by_time = TimeField(_l("at"), validators=[required()], default=None)
    pickup_points = MultiCheckboxField(_l("Where buyers collect it"), coerce=int)

    def validate_price(self, field):
        if field.data is not None and field.data.as_tuple().exponent < -2:
            field.errors.append(_l("Enter the price in baht and satang, e.g. 45.50."))


class PhotoForm(BaseForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(message=_l("Choose a photo to send."))])


class CatalogueForm(BaseForm):
    class Meta:
        csrf = False  # a search: GET parameters, nothing changes

    q = StringField(_l("Search"), validators=[Optional(), at_most(100)], filters=[strip])
    crop = SelectField(_l("Crop"), coerce=int, validators=[Optional()], default=0)
    district = SelectField(_l("District"), coerce=int, validators=[Optional()], default=0)
    point = SelectField(_l("Pickup point"), coerce=int, validators=[Optional()], default=0)
    harvest_from = DateField(_l("Harvest from"), validators=[Optional()], earliest=TODAY - 2 * YEAR,
                             latest=TODAY + YEAR)
    harvest_to = DateField(_l("Harvest until"), validators=[Optional()], earliest=TODAY - 2 * YEAR,
                           latest=TODAY + YEAR)

    def set_choices(self, crops, districts, points, locale: str) -> None:
        self.crop.choices = [ANY] + [SelectChoice(str(c.id), c.name(locale)) for c in crops]
        self.district.choices = [ANY] + [SelectChoice(str(d.id), d.name(locale)) for d in districts]
        self.point.choices = [ANY] + [SelectChoice(str(p.id), p.display_name(locale)) for p in points]


class PickupPointForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, PICKUP_KIND_LABELS[k]) for k in PickupKind],
                       validators=[required()])
    name = StringField(_l("Name"), validators=[required(), at_most(120)], filters=[strip])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), at_most(120)], filters=[strip])
    district_id = SelectField(_l("District"), coerce=int, validators=[Optional()])
    address = StringField(_l("Address or where to find it"), validators=[Optional(), at_most(300)],
                          filters=[strip])
    weekdays = MultiCheckboxField(_l("Open on"), coerce=int,
                                  choices=[SelectChoice(str(i + 1), label) for i, label in enumerate(WEEKDAY_LABELS)])
    opens_at = TimeField(_l("Opens at"), validators=[Optional()])
    closes_at = TimeField(_l("Closes at"), validators=[Optional()])
    fee = DecimalField(_l("Delivery fee (baht)"), places=2, default=Decimal("0"), validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("Enter a fee between ฿0 and ฿10,000."))])
    is_active = BooleanField(_l("In use"), default=True)

    def validate_fee(self, field):
        if field.data is not None and field.data.as_tuple().exponent < -2:
            field.errors.append(_l("Enter the fee in baht and satang, e.g. 20.50."))
