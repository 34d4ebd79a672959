"""The base of every domain's exceptions: a refusal whose message is fit to show the user."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused an operation; str(error) is the translated message for the user."""

    message = _l("The operation was refused.")  # each subclass says more precisely what

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
