from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class NetworkError(DomainError):
    message = _l("The change was refused.")


class NameTaken(NetworkError):
    message = _l("A group or organisation with this name already exists.")


class UnknownMember(NetworkError):
    message = _l("No account uses that e-mail address. Ask the person to sign up first.")


class UnknownPhone(UnknownMember):
    message = _l("No account uses that phone number. Ask the person to sign up first, or a coordinator to make "
                 "their account.")


class SharedPhone(NetworkError):
    message = _l("Several accounts use that phone number (a household sharing a phone). Add the person by their "
                 "e-mail address, or ask them to sign up with a number of their own.")


class MemberChanged(NetworkError):
    message = _l("That number now names another account: check who it is before adding them.")


class AlreadyMember(NetworkError):
    message = _l("This person is already a member.")
