from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class CertificationError(DomainError):
    message = _l("The certification step was refused.")


class IllegalTransition(CertificationError):
    message = _l("This status change is not allowed.")


class FrozenVersion(CertificationError):
    message = _l("A published charter version is never edited: draft a new version instead.")


class NoCharterInForce(CertificationError):
    message = _l("This standard has no published charter version yet.")


class ConflictOfInterest(CertificationError):
    message = _l("Conflict of interest.")


class NotAllowed(CertificationError):
    message = _l("You may not do this.")


class AlreadyDecided(CertificationError):
    message = _l("This application is decided already; nothing more was recorded.")


class AlreadyApplied(CertificationError):
    message = _l("This plot already has an open application under this standard.")


class BadSubmission(CertificationError):
    message = _l("The inspection could not be read. Check every item has an answer.")


class DuplicateSubmission(CertificationError):
    message = _l("This phone already sent an inspection with the same id for another plot. Start the form again.")
