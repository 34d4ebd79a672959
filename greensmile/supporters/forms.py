from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from greensmile.forms import TODAY, YEAR, BaseForm, DateField, DecimalField, at_most, required, strip
from greensmile.submissions.forms import OnceFormMixin
from greensmile.supporters.models import KIND_LABELS, VIA_LABELS, DeliveryVia, SupportKind

BAHT = NumberRange(min=Decimal("1"), max=Decimal("100000000"), message=_l("Enter an amount in baht, ฿1 or more."))


class PledgeForm(OnceFormMixin, BaseForm):
    supporter_id = SelectField(_l("On behalf of"), coerce=int, validators=[required()])
    kind = SelectField(_l("What is pledged"), choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in SupportKind])
    title = StringField(_l("In one line (for example: 20 kg of vegetables a week for the canteen until March)"),
                        validators=[required(), at_most(200)], filters=[strip])
    details = TextAreaField(_l("Details (private: you, the group you back and the coordinators)"),
                            validators=[Optional(), at_most(5000)])
    beneficiary = SelectField(_l("Backing"), validators=[required()])
    plot_code = StringField(_l("Or a plot's certification costs: its code"), validators=[Optional(), at_most(12)],
                            filters=[strip])
    amount_baht = DecimalField(_l("Amount (baht, for money)"), places=2, validators=[Optional(), BAHT])
    crop_id = SelectField(_l("Crop (for a purchase guarantee)"), coerce=int, validators=[Optional()])
    kg_per_week = DecimalField(_l("kg a week (for a purchase guarantee)"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.1"), max=Decimal("100000"), message=_l("Enter the kg a week."))])
    starts_on = DateField(_l("From"), validators=[required()], earliest=TODAY - 5 * YEAR, latest=TODAY + 2 * YEAR)
    ends_on = DateField(_l("Until (optional; needed for a purchase guarantee)"), validators=[Optional()],
                        earliest=TODAY - 5 * YEAR, latest=TODAY + 10 * YEAR)
    public = BooleanField(_l("Show this pledge on the public impact page"))
    public_amount = BooleanField(_l("Show the amount there too"))


class DeliveryForm(OnceFormMixin, BaseForm):
    delivered_on = DateField(_l("Delivered on"), validators=[required()], earliest=TODAY - 5 * YEAR, latest=TODAY)
    via = SelectField(_l("How"), choices=[SelectChoice(v.value, VIA_LABELS[v])
                                          for v in (DeliveryVia.IN_KIND, DeliveryVia.BANK_TRANSFER)])
    amount_baht = DecimalField(_l("Amount (baht, for money)"), places=2, validators=[Optional(), BAHT])
    quantity_kg = DecimalField(_l("kg (for produce bought or inputs handed over)"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("1000000"), message=_l("Enter the kg."))])
    reference = StringField(_l("Transfer reference"), validators=[Optional(), at_most(255)], filters=[strip])
    note = TextAreaField(_l("Note"), validators=[Optional(), at_most(2000)])
    completes = BooleanField(_l("This completes the pledge"))


class PayForm(BaseForm):
    amount_baht = DecimalField(_l("Amount (baht)"), places=2, validators=[required(), BAHT])
    # Which button was pressed: PromptPay straight to the receiver, or through Stripe.
    direct = SubmitField(_l("PromptPay straight to the receiver"))
    stripe = SubmitField(_l("PromptPay through Stripe"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.direct.data and self.amount_baht.data < Decimal("10"):
            # Stripe takes nothing under ฿10 in baht: say so here rather than let Stripe refuse it.
            self.amount_baht.errors.append(_l("Payment through Stripe starts at ฿10."))
            return False
        return True


class WithdrawForm(BaseForm):
    reason = StringField(_l("Why"), validators=[required(), at_most(500)], filters=[strip])
