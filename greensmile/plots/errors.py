from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class PlotError(DomainError):
    message = _l("The plot could not be saved.")


class NotAFarmer(PlotError):
    message = _l("No farmer account uses that e-mail address or phone number.")


class NotInGroup(PlotError):
    message = _l("The farmer is not a member of that group.")


class CropTaken(PlotError):
    message = _l("The catalogue already has a crop with this name.")


class PhotoRefused(PlotError):
    message = _l("The photo was refused.")


class BadArea(PlotError):
    message = _l("The area must be more than 0 and at most 100,000 rai.")


class BadCropName(PlotError):
    message = _l("A crop name cannot contain “|”.")


class ImportNotAllowed(PlotError):
    message = _l("Only coordinators import plot files.")
