from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from greensmile.certification.group_models import GROUP_OUTCOME_LABELS, SEVERITY_LABELS, GroupOutcome, Severity
from greensmile.forms import (
    TODAY,
    YEAR,
    BaseForm,
    DateField,
    DecimalField,
    MultiCheckboxField,
    YearField,
    at_most,
    required,
    strip,
)
from greensmile.rubber.models import PRODUCT_LABELS, RubberProduct


def two_places(form, field):
    if field.data is not None and field.data.as_tuple().exponent < -2:
        field.errors.append(_l("Enter at most two decimal places."))


class ProfileForm(BaseForm):
    planting_year = YearField(_l("Year planted"), validators=[required()], first=1900)  # the table's check
    clone = StringField(_l("Clone"), validators=[required(), at_most(40)], filters=[strip])
    tapped_trees = IntegerField(_l("Trees tapped"), default=0, validators=[
        Optional(), NumberRange(min=0, max=100000, message=_l("Enter how many trees are tapped."))])
    tapping_system = StringField(_l("Tapping system (e.g. S/2 d/3)"), validators=[Optional(), at_most(40)],
                                 filters=[strip])


class HarvestForm(BaseForm):
    harvested_on = DateField(_l("Harvest date"), validators=[required()], earliest=TODAY - 2 * YEAR, latest=TODAY)
    product = SelectField(_l("Product"), choices=[SelectChoice(p.value, PRODUCT_LABELS[p]) for p in RubberProduct])
    weight_kg = DecimalField(_l("Weight (kg)"), places=2, validators=[
        required(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"),
                                message=_l("Enter the weight in kg, above zero, with at most two decimal places.")),
        two_places])
    drc_percent = DecimalField(_l("Dry rubber content, DRC % (not for smoked sheet)"), places=2, validators=[
        Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("100"),
                                # No percent sign: NumberRange formats its message with %, and "%)" would raise.
                                message=_l("Enter the dry rubber content the buyer measured, in per cent: more "
                                           "than 0, at most 100.")), two_places])
    note = StringField(_l("Note (optional)"), validators=[Optional(), at_most(300)], filters=[strip])


class GroupDecisionForm(BaseForm):
    outcome = SelectField(_l("Decision"), choices=[SelectChoice(o.value, GROUP_OUTCOME_LABELS[o])
                                                   for o in GroupOutcome])
    certificate_number = StringField(_l("Certificate number"), validators=[required(), at_most(60)], filters=[strip])
    certification_body = StringField(_l("Certification body"), validators=[required(), at_most(200)],
                                     filters=[strip])
    decided_on = DateField(_l("Decided on"), validators=[required()], earliest=TODAY - 10 * YEAR, latest=TODAY)
    valid_from = DateField(_l("Valid from"), validators=[Optional()], earliest=TODAY - 10 * YEAR, latest=TODAY + YEAR)
    valid_until = DateField(_l("Valid until"), validators=[Optional()], earliest=TODAY - 10 * YEAR,
                            latest=TODAY + 10 * YEAR)  # an FSC certificate runs five years
    note = StringField(_l("Note (optional)"), validators=[Optional(), at_most(1000)], filters=[strip])


class LotForm(BaseForm):
    buyer_id = SelectField(_l("Buyer"), coerce=int, validators=[required()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), at_most(300)], filters=[strip])


class AddHarvestsForm(BaseForm):
    harvest_ids = MultiCheckboxField(_l("Harvest records"), coerce=int)


class ShipForm(BaseForm):
    shipped_on = DateField(_l("Shipped on"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY)


class RequestForm(BaseForm):
    severity = SelectField(_l("Severity"), choices=[SelectChoice(s.value, SEVERITY_LABELS[s]) for s in Severity])
    finding = StringField(_l("What must be put right"), validators=[required(), at_most(2000)], filters=[strip])
    due_on = DateField(_l("Due by"), validators=[required()], earliest=TODAY, latest=TODAY + 2 * YEAR)


class CloseRequestForm(BaseForm):
    note = StringField(_l("What was done"), validators=[required(), at_most(2000)], filters=[strip])
    photo = FileField(_l("Photo of the evidence"), validators=[FileRequired(message=_l("Choose a photo to send."))])


class ReinstateForm(BaseForm):
    reason = StringField(_l("Why"), validators=[required(), at_most(1000)], filters=[strip])


class AuditForm(BaseForm):
    """Opening a member's internal audit; the membership agreement is asked for only when none is on file."""

    agreement = FileField(_l("Photo of the signed membership agreement (only for a new member)"))
    witness_name = StringField(_l("Witness (if the member cannot sign)"), validators=[Optional(), at_most(120)],
                               filters=[strip])


class DecideForm(BaseForm):
    outcome = SelectField(_l("Decision"), choices=[SelectChoice("certify", _l("Certify")),
                                                   SelectChoice("certify_with_conditions", _l("Certify with conditions")),
                                                   SelectChoice("reject", _l("Reject"))])
    reasons = StringField(_l("Reasons"), validators=[required(), at_most(2000)], filters=[strip])
    conditions = StringField(_l("Conditions (if any)"), validators=[Optional(), at_most(2000)], filters=[strip])
