from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class PaymentError(DomainError):
    message = _l("The payment was refused.")


class NotAllowed(PaymentError):
    message = _l("You may not act on this payment.")


class AmountTooSmall(PaymentError):
    message = _l("Online payment through Stripe starts at ฿10. Pay a smaller amount another way.")


class SlipRefused(PaymentError):
    message = _l("This slip was not accepted.")


class NoPromptPayId(PaymentError):
    message = _l("The seller has no PromptPay ID yet: choose another way to pay.")
