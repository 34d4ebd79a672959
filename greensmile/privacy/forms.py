from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from greensmile.forms import TODAY, YEAR, BaseForm, DateField, at_most, required, strip


class ConsentForm(BaseForm):
    """One purpose's answer, yes or no (prefixed with the purpose, so a page can hold one form per purpose)."""

    answer = RadioField(_l("Your answer"), choices=[SelectChoice("yes", _l("Yes, I agree")),
                                                    SelectChoice("no", _l("No, I do not agree"))],
                        validators=[InputRequired(_l("Choose yes or no."))])


class ErasureAskForm(BaseForm):
    reason = TextAreaField(_l("Why (optional)"), validators=[at_most(2000)])
    understood = BooleanField(_l("I understand that my account is closed and cannot be brought back"),
                              validators=[InputRequired(_l("Tick the box to say you understand."))])


class ErasureDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("erase", _l("Erase now")),
                                                   SelectChoice("refuse", _l("Refuse, with the reason"))],
                          validators=[InputRequired(_l("Choose to erase or to refuse."))])
    note = TextAreaField(_l("Note (required to refuse: the person is told)"), validators=[at_most(2000)])
    sure = BooleanField(_l("I have checked: erasing cannot be undone"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.decision.data == "erase" and not self.sure.data:
            self.sure.errors.append(_l("Tick the box to erase: it cannot be undone."))
            valid = False
        return valid


class NoticeForm(BaseForm):
    body_th = TextAreaField(_l("The notice in Thai"), validators=[required(), at_most(50_000)])
    body_en = TextAreaField(_l("The notice in English"), validators=[at_most(50_000)])


class IncidentForm(BaseForm):
    title = StringField(_l("What happened, in a line"), validators=[required(), at_most(200)], filters=[strip])
    description = TextAreaField(_l("How it happened and how it was found"), validators=[at_most(20_000)])
    data_affected = TextAreaField(_l("Which personal data, whose, about how many people"),
                                  validators=[at_most(20_000)])
    discovered_on = DateField(_l("Discovered on"), validators=[required()], earliest=TODAY - YEAR, latest=TODAY)
    discovered_time = TimeField(_l("at (Thai time)"), validators=[required()])
    actions = TextAreaField(_l("What was done to contain it"), validators=[at_most(20_000)])
    regulator_notified = BooleanField(_l("The regulator (the PDPC) has been notified"))
    people_notified = BooleanField(_l("The people affected have been told"))
    closed = BooleanField(_l("Closed"))
