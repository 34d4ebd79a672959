from __future__ import annotations

from wtforms import RadioField

from greensmile.forms import BaseForm
from greensmile.notifications.models import Channel


def choices_form(kinds, current: dict[str, Channel], formdata=None):
    """One row of LINE / e-mail / nothing for each kind of notification the person can get."""

    class ChoicesForm(BaseForm):
        pass

    options = [(channel.value, channel.label) for channel in Channel]
    for kind in kinds:
        setattr(ChoicesForm, kind.code.replace(".", "__"), RadioField(
            kind.label, choices=options, default=current[kind.code].value))
    return ChoicesForm(formdata=formdata) if formdata is not None else ChoicesForm()


def chosen(form, kinds) -> dict[str, Channel]:
    return {kind.code: Channel(form[kind.code.replace(".", "__")].data) for kind in kinds}
