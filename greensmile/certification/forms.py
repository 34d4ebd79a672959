from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from greensmile.certification.models import (
    OUTCOME_LABELS,
    RESIDUE_METHOD_LABELS,
    RESIDUE_RESULT_LABELS,
    Outcome,
    PledgeKind,
    ResidueMethod,
    ResidueResult,
)
from greensmile.forms import TODAY, YEAR, BaseForm, DateField, at_most, required, strip
from greensmile.submissions.forms import OnceFormMixin

REASON_HINT = _l("Kept in the plot's history; shown to the farmer, not to the public.")


class ApplyForm(BaseForm):
    pledge_kind = RadioField(
        _l("The pledge to follow the charter"),
        choices=[
            SelectChoice(PledgeKind.SIGNATURE.value, _l("I sign on the screen")),
            SelectChoice(PledgeKind.WITNESSED.value, _l("I pledge aloud before a witness, who takes a photo")),
        ],
        default=PledgeKind.SIGNATURE.value,
    )
    # The signature pad writes a PNG data URL here; the witnessed pledge sends a photo instead.
    signature = HiddenField()
    pledge_photo = FileField(_l("Photo of the pledge made before the witness"))
    witness_name = StringField(_l("Witness's name"), validators=[Optional(), at_most(120)], filters=[strip])
    message = TextAreaField(_l("Message to the coordinators (optional)"), validators=[Optional(), at_most(2000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.pledge_kind.data == PledgeKind.SIGNATURE.value and not (self.signature.data or "").startswith(
            "data:image/png;base64,"
        ):
            self.pledge_kind.errors.append(_l("Sign in the box, please."))
            valid = False
        if self.pledge_kind.data == PledgeKind.WITNESSED.value:
            if not self.pledge_photo.data:
                self.pledge_photo.errors.append(_l("Add the photo of the pledge."))
                valid = False
            if not self.witness_name.data:
                self.witness_name.errors.append(_l("Write the name of the witness to the spoken pledge."))
                valid = False
        return valid


class AssignForm(BaseForm):
    inspector_id = SelectField(_l("Inspector"), coerce=int, validators=[required()])
    scheduled_on = DateField(_l("Visit date"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY + YEAR)


class DecisionForm(OnceFormMixin, BaseForm):
    outcome = RadioField(_l("Decision"), choices=[SelectChoice(o.value, OUTCOME_LABELS[o]) for o in Outcome],
                         validators=[required()])
    reasons = TextAreaField(_l("Reasons"), validators=[required(), at_most(5000)])
    conditions = TextAreaField(_l("Conditions (for a certificate with conditions)"),
                               validators=[Optional(), at_most(5000)])
    valid_from = DateField(_l("Valid from (default: today)"), validators=[Optional()], earliest=TODAY - YEAR,
                           latest=TODAY)


class SanctionForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), at_most(5000)])


class ResidueTestForm(BaseForm):
    tested_on = DateField(_l("Date of the test"), validators=[required()], earliest=TODAY - 5 * YEAR, latest=TODAY)
    sample = StringField(_l("Sample (e.g. Chinese kale leaves)"), validators=[required(), at_most(200)],
                         filters=[strip])
    substance = StringField(_l("Substance tested for"), validators=[required(), at_most(200)], filters=[strip])
    method = SelectField(_l("Method"), choices=[SelectChoice(m.value, RESIDUE_METHOD_LABELS[m]) for m in ResidueMethod])
    result = SelectField(_l("Result"), choices=[SelectChoice(r.value, RESIDUE_RESULT_LABELS[r]) for r in ResidueResult])
    value = StringField(_l("Measured value (optional)"), validators=[Optional(), at_most(100)], filters=[strip])
    laboratory = StringField(_l("Laboratory (optional)"), validators=[Optional(), at_most(200)], filters=[strip])
    notes = TextAreaField(_l("Notes (not public)"), validators=[Optional(), at_most(2000)])
    suspend_now = BooleanField(_l("The test failed: suspend the plot's organic certificate now"))


class SectionForm(BaseForm):
    title_th = StringField(_l("Section title (Thai)"), validators=[required(), at_most(200)], filters=[strip])
    title_en = StringField(_l("Section title (English)"), validators=[Optional(), at_most(200)], filters=[strip])


class ItemForm(BaseForm):
    section_id = SelectField(_l("Section"), coerce=int, validators=[required()])
    ref = StringField(_l("Number (e.g. 2.3)"), validators=[required(), at_most(12)], filters=[strip])
    text_th = TextAreaField(_l("Requirement (Thai)"), validators=[required(), at_most(2000)])
    text_en = TextAreaField(_l("Requirement (English)"), validators=[Optional(), at_most(2000)])
    critical = BooleanField(_l("Critical: not meeting it means no certificate"))
