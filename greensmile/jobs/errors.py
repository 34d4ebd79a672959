from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class UnknownJob(DomainError):
    message = _l("No part of the app runs jobs of this kind.")


class NotAllowed(DomainError):
    message = _l("Only a coordinator sends a failed job again.")
