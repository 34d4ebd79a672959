from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class ListingError(DomainError):
    message = _l("The listing was refused.")


class NotSellable(ListingError):
    message = _l("Only produce from a plot with a valid organic certificate, or in its conversion period, "
                 "can be sold.")


class OutsideScope(ListingError):
    message = _l("This crop is not covered by the plot's certificate.")


class NotYourListing(ListingError):
    message = _l("You may not change this.")


class BadQuantity(ListingError):
    message = _l("This quantity is not possible.")


class ListingClosed(ListingError):
    message = _l("This listing is not on sale.")
