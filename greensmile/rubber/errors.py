from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class RubberError(DomainError):
    message = _l("The rubber record was refused.")


class NotAllowed(RubberError):
    message = _l("You may not do this for that plot or group.")


class OverCeiling(RubberError):
    message = _l("This harvest would take the plot over what its area can yield in a year.")


class AlreadyInLot(RubberError):
    message = _l("This harvest record is already in a lot: a harvest goes into one lot only.")


class EudrError(RubberError):
    message = _l("This due diligence record could not be saved.")
