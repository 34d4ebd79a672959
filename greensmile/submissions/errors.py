from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError

# The words of an expired page: a form from before the key existed, or a key that is not this person's.
EXPIRED = _l("This form has expired or was not sent from our site. Reload the page and send it again.")


class SubmissionError(DomainError):
    message = EXPIRED


class AlreadyReceived(SubmissionError):
    """The same form was posted before (or at the same moment): `made_url` shows what its first post made."""

    message = _l("This was already sent; here it is.")

    def __init__(self, made_url: str | None):
        super().__init__()
        self.made_url = made_url
