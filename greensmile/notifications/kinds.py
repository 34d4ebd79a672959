"""Every kind of notification: who may get it, what it is called on the choices page, where it goes by default.

Mandatory kinds (an account's own security) always go by e-mail, whatever the person chose elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role


@dataclass(frozen=True)
class Kind:
    code: str
    label: object  # a lazy string
    roles: tuple[Role, ...] = ()  # whose choices page lists it; empty: everyone's
    mandatory: bool = False  # always e-mail; not on the choices page


_ALL = [
    # accounts
    Kind("account.confirm_email", _l("Confirm your e-mail address"), mandatory=True),
    Kind("account.signup_attempt", _l("Someone tried to sign up with your address"), mandatory=True),
    Kind("account.password_reset", _l("Reset your password"), mandatory=True),
    # orders
    Kind("order.placed", _l("An order is placed"), (Role.CONSUMER, Role.FARMER)),
    Kind("order.paid", _l("An order is paid"), (Role.CONSUMER, Role.FARMER)),
    Kind("order.ready", _l("An order is ready to collect"), (Role.CONSUMER,)),
    Kind("order.cancelled", _l("An order is cancelled"), (Role.CONSUMER, Role.FARMER)),
    Kind("payment.slip", _l("A transfer slip to confirm"), (Role.FARMER, Role.COORDINATOR)),
    Kind("listing.withdrawn", _l("A listing is withdrawn from sale"), (Role.FARMER,)),
    # certification
    Kind("inspection.assigned", _l("An inspection is assigned to you"), (Role.INSPECTOR,)),
    Kind("certification.decided", _l("A certification decision is made"), (Role.FARMER,)),
    Kind("certificate.expiring", _l("A certificate will expire soon"), (Role.FARMER,)),
    Kind("corrective.due", _l("A corrective action is due or overdue"), (Role.FARMER,)),
    # kitchens
    Kind("share.requested", _l("A kitchen asks you for a share"), (Role.FARMER,)),
    Kind("share.cancelled", _l("A share a kitchen asked for is no longer needed"), (Role.FARMER,)),
    # Coordinators hear of declines: they ask another farm.
    Kind("share.answered", _l("A farmer confirms or declines a share"), (Role.BUYER, Role.COORDINATOR)),
    # Buyers only: the note's page is the kitchen's (a farm sees its shares on its own page).
    Kind("delivery.note", _l("A delivery note is ready"), (Role.BUYER,)),
    Kind("invoice.issued", _l("An invoice is issued"), (Role.BUYER,)),
    # supporters
    Kind("pledge.delivered", _l("A pledge is delivered"), (Role.SUPPORTER, Role.FARMER)),
    # the network
    Kind("concern.reported", _l("A concern about a plot is reported"), (Role.COORDINATOR,)),
    Kind("privacy.erasure_asked", _l("Someone asks for their data to be erased"), (Role.COORDINATOR,)),
    Kind("privacy.erasure_refused", _l("Your request for erasure is refused"), ()),
    Kind("privacy.export_ready", _l("A data download is ready"), ()),
    Kind("privacy.erasure_overdue", _l("Erasure requests are past their day"), (Role.COORDINATOR,)),
]

KINDS: dict[str, Kind] = {kind.code: kind for kind in _ALL}
# An account's own safety mail carries a link that opens the account (a reset, a confirmation): it is shown nowhere
# but in the mailbox, and its text is blanked once sent.
SECRET: frozenset[str] = frozenset(kind.code for kind in _ALL if kind.mandatory)


def for_user(user) -> list[Kind]:
    """The kinds a person can choose about: those of their roles, never the mandatory ones."""
    return [kind for kind in _ALL if not kind.mandatory and (not kind.roles or user.has_role(*kind.roles))]
