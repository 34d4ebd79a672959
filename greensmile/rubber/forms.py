from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from greensmile.certification.group_models import GROUP_OUTCOME_LABELS, SEVERITY_LABELS, GroupOutcome, Severity
from greensmile.certification.models import PledgeKind
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
from greensmile.rubber.eudr_models import (
    FLAG_DECISION_LABELS,
    LAND_DOCUMENT_LABELS,
    LAYER_KIND_LABELS,
    FlagDecision,
    LandDocumentType,
    LayerKind,
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


# ---------------------------------------------------------------- EUDR due diligence
class DeclarationForm(BaseForm):
    """The farmer's cut-off declaration: signed on the screen, or made aloud before a witness who takes a photo."""

    pledge_kind = RadioField(_l("How the farmer declares"), choices=[  # named as the pledge's: pledge.js drives both
        SelectChoice(PledgeKind.SIGNATURE.value, _l("The farmer signs on the screen")),
        SelectChoice(PledgeKind.WITNESSED.value, _l("The farmer declares aloud before a witness, who takes a photo")),
    ], default=PledgeKind.SIGNATURE.value)
    signature = HiddenField()  # the signature pad writes a PNG data URL here
    photo = FileField(_l("Photo of the declaration made before the witness"))
    witness_name = StringField(_l("Witness's name"), validators=[Optional(), at_most(120)], filters=[strip])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.pledge_kind.data == PledgeKind.SIGNATURE.value and not (self.signature.data or "").startswith(
                "data:image/png;base64,"):
            self.pledge_kind.errors.append(_l("Sign in the box, please."))
            valid = False
        if self.pledge_kind.data == PledgeKind.WITNESSED.value:
            if not self.photo.data:
                self.photo.errors.append(_l("Add the photo of the declaration."))
                valid = False
            if not self.witness_name.data:
                self.witness_name.errors.append(_l("Write the name of the witness to the spoken declaration."))
                valid = False
        return valid


class LandDocumentForm(BaseForm):
    doc_type = SelectField(_l("Land document"), choices=[SelectChoice(t.value, LAND_DOCUMENT_LABELS[t])
                                                          for t in LandDocumentType], validators=[required()])
    other_type = StringField(_l("Which document (for another document)"), validators=[Optional(), at_most(80)],
                             filters=[strip])
    number = StringField(_l("Document number"), validators=[required(), at_most(60)], filters=[strip])
    raot_number = StringField(_l("Rubber Authority of Thailand registration number (if any)"),
                              validators=[Optional(), at_most(40)], filters=[strip])
    photo = FileField(_l("Photo of the document"), validators=[FileRequired(message=_l("Add a photo of the document."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.doc_type.data == LandDocumentType.OTHER.value and not self.other_type.data:
            self.other_type.errors.append(_l("Say which document it is."))
            valid = False
        return valid


class EvidenceForm(BaseForm):
    photo = FileField(_l("Photo of the evidence"), validators=[FileRequired(message=_l("Add a photo of the evidence."))])
    caption = StringField(_l("What it shows"), validators=[Optional(), at_most(300)], filters=[strip])


class LayerForm(BaseForm):
    name = StringField(_l("Name of the layer"), validators=[required(), at_most(200)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, LAYER_KIND_LABELS[k]) for k in LayerKind],
                       validators=[required()])
    source = StringField(_l("Where it comes from"), validators=[Optional(), at_most(300)], filters=[strip])
    file = FileField(_l("GeoJSON file of polygons"), validators=[FileRequired(message=_l("Choose a file to send."))])


class FlagDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(d.value, FLAG_DECISION_LABELS[d])
                                                   for d in FlagDecision], validators=[required()])
    reasons = TextAreaField(_l("Reasons"), validators=[required(), at_most(5000)])


class StatementForm(BaseForm):
    reference_number = StringField(_l("Reference number"), validators=[required(), at_most(60)], filters=[strip])
    verification_number = StringField(_l("Verification number"), validators=[required(), at_most(60)],
                                      filters=[strip])
