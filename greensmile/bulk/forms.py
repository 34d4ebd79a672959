from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from greensmile.bulk.models import PAYMENT_TERMS_LABELS, PaymentTerms
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
from greensmile.listings.models import UNIT_LABELS, WEEKDAY_LABELS, Unit

LINE_ROWS = 6  # blank rows on a new order; a row without a crop is ignored
UNIT_CHOICES = [SelectChoice(u.value, UNIT_LABELS[u]) for u in Unit]
WEEKDAY_CHOICES = [SelectChoice(str(i + 1), label) for i, label in enumerate(WEEKDAY_LABELS)]
NONE = SelectChoice("0", "—")


def two_places(form, field):
    if field.data is not None and field.data.as_tuple().exponent < -2:
        field.errors.append(_l("Enter at most two decimal places."))


class LineForm(BaseForm):
    class Meta:
        csrf = False  # a row inside a form that has its own token

    crop_id = SelectField(_l("Crop"), coerce=int, default=0, validators=[Optional()])
    quantity = DecimalField(_l("Quantity"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a quantity between 0.01 and 100,000.")), two_places])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES, default=Unit.KG.value)
    max_price = DecimalField(_l("Highest price per unit (baht, optional)"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a price between ฿0.01 and ฿100,000.")), two_places])


class _LinesForm(BaseForm):
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=30)

    def set_crops(self, crops, locale: str) -> None:
        for row in self.lines:
            row.form.crop_id.choices = [NONE] + [SelectChoice(str(c.id), c.name(locale)) for c in crops]

    def filled_lines(self):
        return [row.form for row in self.lines if row.form.crop_id.data]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        filled = self.filled_lines()
        for row in filled:
            if row.quantity.data is None:
                row.quantity.errors.append(_l("Enter how much."))
                ok = False
        if not filled:
            self.form_errors.append(_l("Add at least one line: a crop and how much of it."))
            ok = False
        return ok


class BulkOrderForm(_LinesForm):
    organisation_id = SelectField(_l("For"), coerce=int, validators=[required()])
    delivery_on = DateField(_l("Delivery date"), validators=[required()], earliest=TODAY - YEAR,
                            latest=TODAY + 2 * YEAR)
    note = StringField(_l("Note for the coordinator and farms (optional)"), validators=[Optional(), at_most(300)],
                       filters=[strip])


class ChangeOrderForm(_LinesForm):
    note = StringField(_l("Note for the coordinator and farms (optional)"), validators=[Optional(), at_most(300)],
                       filters=[strip])


class StandingOrderForm(_LinesForm):
    organisation_id = SelectField(_l("For"), coerce=int, validators=[required()])
    weekdays = MultiCheckboxField(_l("Deliver every"), coerce=int, choices=WEEKDAY_CHOICES,
                                  validators=[DataRequired(_l("Choose at least one day of the week."))])
    starts_on = DateField(_l("From"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY + 2 * YEAR)
    ends_on = DateField(_l("Until"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY + 3 * YEAR)
    note = StringField(_l("Note for the coordinator and farms (optional)"), validators=[Optional(), at_most(300)],
                       filters=[strip])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            field.errors.append(_l("End the standing order after it starts, and within a year."))


class ProfileForm(BaseForm):
    delivery_address = StringField(_l("Delivery address"), validators=[required(), at_most(300)], filters=[strip])
    delivery_weekdays = MultiCheckboxField(_l("Takes deliveries on"), coerce=int, choices=WEEKDAY_CHOICES,
                                           validators=[DataRequired(_l("Choose at least one day the kitchen "
                                                                       "takes deliveries."))])
    window_opens = TimeField(_l("Deliveries from"), validators=[Optional()])
    window_closes = TimeField(_l("until"), validators=[Optional()])
    payment_terms = SelectField(_l("Payment"), choices=[SelectChoice(t.value, PAYMENT_TERMS_LABELS[t])
                                                        for t in PaymentTerms])
    invoice_days = IntegerField(_l("Invoice due after (days)"), default=30, validators=[
        required(), NumberRange(min=0, max=120, message=_l("Invoices are due within 0 to 120 days."))])
    contact_name = StringField(_l("Kitchen contact"), validators=[Optional(), at_most(120)], filters=[strip])


class CapacityForm(BaseForm):
    plot_id = SelectField(_l("Plot"), coerce=int, validators=[required()])
    crop_id = SelectField(_l("Crop"), coerce=int, validators=[required()])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES, default=Unit.KG.value)
    weekly_quantity = DecimalField(_l("Most you can deliver each week"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a quantity between 0.01 and 100,000.")), two_places])
    price = DecimalField(_l("Price per unit (baht)"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a price between ฿0.01 and ฿100,000.")), two_places])
    is_active = BooleanField(_l("Offered to kitchens"), default=True)


class QuantityForm(BaseForm):
    quantity = DecimalField(_l("Quantity"), places=2, validators=[
        InputRequired(_l("Please fill in this field.")), NumberRange(min=Decimal("0"), max=Decimal("100000"),
                                message=_l("Enter a quantity between 0 and 100,000.")), two_places])
    note = StringField(_l("Note (optional)"), validators=[Optional(), at_most(1000)], filters=[strip])


class AskForm(BaseForm):
    capacity_id = SelectField(_l("Plot"), coerce=int, validators=[required()])
    quantity = DecimalField(_l("Quantity"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter a quantity between 0.01 and 100,000.")), two_places])


class ReasonForm(BaseForm):
    reason = StringField(_l("Why"), validators=[DataRequired(_l("Say why.")), at_most(1000)], filters=[strip])


class InvoiceForm(BaseForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[required()])
    month = DateField(_l("Month"), format="%Y-%m", validators=[required()], earliest=TODAY - 5 * YEAR, latest=TODAY)


class PaidForm(BaseForm):
    reference = StringField(_l("Bank transfer reference"), validators=[required(), at_most(120)], filters=[strip])


class TraceForm(BaseForm):
    class Meta:
        csrf = False  # a search

    code = StringField(_l("Plot code"), validators=[required(), at_most(12)], filters=[strip])
    start = DateField(_l("From"), validators=[required()], earliest=TODAY - 10 * YEAR, latest=TODAY + YEAR)
    end = DateField(_l("Until"), validators=[required()], earliest=TODAY - 10 * YEAR, latest=TODAY + YEAR)


class InvoicePayForm(BaseForm):
    # Which button was pressed: PromptPay straight to the network's own ID, or PromptPay through Stripe.
    direct = SubmitField(_l("PromptPay straight to the network"))

