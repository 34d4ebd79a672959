from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, Regexp

from greensmile.forms import BaseForm, DecimalField, at_most, required, strip
from greensmile.submissions.forms import OnceFormMixin


class AddToCartForm(BaseForm):
    quantity = DecimalField(_l("Quantity"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"), message=_l("Enter a quantity above zero."))])


class CartLineForm(BaseForm):
    # ASCII digits only: "²" passes str.isdigit() but not int().
    listing_id = HiddenField(validators=[required(), Regexp(r"^[0-9]{1,10}$")])
    quantity = DecimalField(_l("Quantity"), places=2, validators=[
        Optional(), NumberRange(min=0, max=Decimal("100000"), message=_l("Enter a quantity of zero or more."))])


class CancelForm(BaseForm):
    reason = TextAreaField(_l("Reason (the other side will read it)"), validators=[Optional(), at_most(1000)])


def checkout_form(groups, methods, locale: str, formdata=None):
    """The checkout form for this cart: one pickup choice (and address, for delivery) per farmer."""

    class CheckoutForm(OnceFormMixin, BaseForm):
        payment_method = RadioField(_l("Payment"), choices=[SelectChoice(m.value, m.label) for m in methods],
                                    default=methods[0].value, validators=[required()])
        note = StringField(_l("Note for the farmer (optional)"), validators=[Optional(), at_most(300)],
                           filters=[strip])

    for group in groups:
        choices = [SelectChoice(str(point.id), _point_label(point, locale)) for point in group.pickup_points]
        setattr(CheckoutForm, f"pickup_{group.farmer.id}", SelectField(
            _l("Collect from %(farmer)s at", farmer=group.farmer.display_name), choices=choices,
            validators=[required()], default=choices[0].value if len(choices) == 1 else None))
        if any(point.is_delivery for point in group.pickup_points):
            setattr(CheckoutForm, f"address_{group.farmer.id}", StringField(
                _l("Delivery address (for home delivery)"), validators=[Optional(), at_most(300)], filters=[strip]))
    return CheckoutForm(formdata=formdata) if formdata is not None else CheckoutForm()


def _point_label(point, locale: str) -> str:
    from greensmile.i18n import format_baht

    name = point.display_name(locale)
    return f"{name} (+{format_baht(point.fee_satang, locale)})" if point.is_delivery and point.fee_satang else name
