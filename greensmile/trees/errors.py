from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class TreeError(DomainError):
    message = _l("The tree record was refused.")


class NotAllowed(TreeError):
    message = _l("You may not do this for that plot's trees.")


class Pledged(TreeError):
    message = _l("This tree is pledged as collateral: it cannot be felled or removed until the pledge is released.")


class NeedsConfirmation(TreeError):
    message = _l("Some measurements are smaller than last time: check them, then confirm.")
