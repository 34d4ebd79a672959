from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from greensmile.forms import BaseForm
from greensmile.notifications.models import Channel


def choices_form(kinds, current: dict[str, Channel], formdata=None, *, line_on: bool = True):
    """One row of LINE / e-mail / nothing for each kind of notification the person can get (no LINE where the site
    has no LINE channel)."""

    class ChoicesForm(BaseForm):
        pass

    options = [SelectChoice(channel.value, channel.label) for channel in Channel
               if line_on or channel is not Channel.LINE]
    for kind in kinds:
        setattr(ChoicesForm, kind.code.replace(".", "__"), RadioField(
            kind.label, choices=options,
            default=current[kind.code].value if line_on or current[kind.code] is not Channel.LINE else "email"))
    return ChoicesForm(formdata=formdata) if formdata is not None else ChoicesForm()


def chosen(form, kinds) -> dict[str, Channel]:
    return {kind.code: Channel(form[kind.code.replace(".", "__")].data) for kind in kinds}
