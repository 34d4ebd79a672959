from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import NumberRange, Optional

from greensmile.forms import BaseForm, DecimalField, at_most, required, strip


class PromptPayForm(BaseForm):
    promptpay_id = StringField(_l("PromptPay ID: mobile number, 13-digit ID card or tax number, or e-wallet ID"),
                               validators=[required(), at_most(30)], filters=[strip])
    account_name = StringField(_l("Account name, as a bank app shows it to the payer"),
                               validators=[required(), at_most(120)], filters=[strip])
    remove = SubmitField(_l("Stop taking PromptPay"))


class SlipForm(BaseForm):
    slip = FileField(_l("Photo or screenshot of the slip"))
    reference = StringField(_l("Or type the reference printed on the slip"), validators=[Optional(), at_most(40)],
                            filters=[strip])
    amount_baht = DecimalField(_l("Amount on the slip (baht)"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("10000000"), message=_l("Enter the amount paid."))])


class ReasonForm(BaseForm):
    reason = TextAreaField(_l("What is wrong (the payer will read it)"), validators=[required(), at_most(1000)],
                           filters=[strip])


class RefundSentForm(BaseForm):
    reference = StringField(_l("Reference of your transfer back"), validators=[required(), at_most(64)],
                            filters=[strip])


class SettleForm(BaseForm):
    note = StringField(_l("How it was sorted out"), validators=[required(), at_most(500)], filters=[strip])
