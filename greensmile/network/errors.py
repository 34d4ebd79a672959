from flask_babel import lazy_gettext as _l


class NetworkError(Exception):
    """A refused change to a group or organisation; str(error) is fit to show the user."""

    message = _l("The change was refused.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))


class NameTaken(NetworkError):
    message = _l("A group or organisation with this name already exists.")


class UnknownMember(NetworkError):
    message = _l("No account uses that e-mail address. Ask the person to sign up first.")


class AlreadyMember(NetworkError):
    message = _l("This person is already a member.")
