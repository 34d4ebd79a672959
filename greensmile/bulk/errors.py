from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class BulkError(DomainError):
    message = _l("The bulk order was refused.")


class NotAllowed(BulkError):
    message = _l("You may not do this for that organisation.")


class IllegalMove(BulkError):
    message = _l("This cannot be done at this stage of the order.")


class OverOffer(BulkError):
    message = _l("That is more than the farm offered for that week.")
