from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class NetworkError(DomainError):
    message = _l("The change was refused.")


class NameTaken(NetworkError):
    message = _l("A group or organisation with this name already exists.")


class UnknownMember(NetworkError):
    message = _l("No account uses that e-mail address. Ask the person to sign up first.")


class AlreadyMember(NetworkError):
    message = _l("This person is already a member.")
