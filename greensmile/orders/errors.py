from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError
from greensmile.payments.gateway import PaymentProviderError  # noqa: F401  (orders' callers catch it)


class OrderError(DomainError):
    message = _l("The order was refused.")


class SoldOut(OrderError):
    message = _l("Sold out: someone else ordered the last of it.")


class IllegalTransition(OrderError):
    message = _l("This order cannot move to that status now.")


class OrderChanged(IllegalTransition):
    message = _l("Someone else changed this order a moment ago; look at it again.")


class NotYourOrder(OrderError):
    message = _l("You may not change this order.")


class PaymentUnavailable(OrderError):
    message = _l("Online payment is not available; choose cash or bank transfer at pickup.")
