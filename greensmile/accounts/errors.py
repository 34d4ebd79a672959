from flask_babel import lazy_gettext as _l

from greensmile.errors import DomainError


class AccountError(DomainError):
    message = _l("The account operation was refused.")


class EmailTaken(AccountError):
    message = _l("An account with this e-mail address already exists.")


class InvalidCredentials(AccountError):
    message = _l("Wrong e-mail, phone number or password.")


class InvalidResetToken(AccountError):
    message = _l("This password reset link is invalid, expired or already used. Ask for a new one.")


class LastCoordinator(AccountError):
    message = _l("The network needs at least one coordinator: grant the role to someone else first.")


class CannotIssueResetLink(AccountError):
    message = _l(
        "A reset link can only be made here for an account without e-mail that has a phone number to sign in "
        "with; people with e-mail use “Forgot your password?”."
    )


class InvalidConfirmToken(AccountError):
    message = _l("This link is invalid, expired or already used. Sign in, or sign up again.")


class CannotCloseOwnAccount(AccountError):
    message = _l("You cannot close your own account here.")


class LineAlreadyLinked(AccountError):
    message = _l(
        "This LINE account is already linked to another Green Smile account. Sign in with LINE to use that account, "
        "or unlink LINE there first."
    )


class OtherLineLinked(AccountError):
    message = _l("Your account is already linked to another LINE account. Unlink that one first.")


class LineIsTheOnlyWayIn(AccountError):
    message = _l(
        "LINE is the only way to sign in to this account, so it cannot be unlinked. Ask a coordinator for a one-time "
        "link to choose a password first."
    )


class LineAccountClosed(AccountError):
    message = _l("The account linked to this LINE account is closed. Ask the network's coordinator.")
