"""What supporters and the farmers they back hear when a pledge is delivered, through the notification centre: each
delivery recorded (by hand, or by a payment arriving) is told to the supporting organisation's members and to whoever
receives it (the plot's farmer, or the farmer group's managers), never to the person who recorded it."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from greensmile.accounts.models import User
from greensmile.i18n import format_baht, format_date_for, format_quantity_for
from greensmile.network import services as network
from greensmile.network.models import Position
from greensmile.notifications.services import Message, notify
from greensmile.supporters.models import SupportDelivery, SupportKind, SupportPledge, SupportStatus
from greensmile.urls import public_url


def receivers(pledge: SupportPledge) -> list[User]:
    """Who receives the support: the plot's farmer, or the managers of the group backed (none for the network)."""
    if pledge.plot is not None:
        return [pledge.plot.owner]
    if pledge.group_id is not None:
        return network.members_of(pledge.group_id, Position.MANAGER)
    return []


def _what(pledge: SupportPledge, delivery: SupportDelivery, locale: str) -> str:
    """What this delivery brought: an amount of money, kilograms, or the supporter's note."""
    if pledge.kind is SupportKind.MONEY:
        return format_baht(delivery.amount_satang, locale)
    if delivery.quantity_kg:
        return _("%(kg)s kg", kg=format_quantity_for(delivery.quantity_kg, locale))
    return delivery.note or pledge.kind.label


def pledge_delivered(pledge: SupportPledge, delivery: SupportDelivery, acting: User | None) -> None:
    supporters = network.members_of(pledge.supporter_id)
    told: set[int] = {acting.id} if acting is not None else set()
    link = public_url("support.pledge", pledge_id=pledge.id)
    complete = pledge.status is SupportStatus.DELIVERED

    def facts(locale: str) -> list[tuple[str, str]]:
        rows = [(_("Pledge"), pledge.title), (_("Date"), format_date_for(delivery.delivered_on, locale)),
                (_("Delivered"), _what(pledge, delivery, locale))]
        if pledge.kind is SupportKind.MONEY:
            so_far = sum(d.amount_satang or 0 for d in pledge.deliveries)
            rows.append((_("So far"), _("%(delivered)s of %(pledged)s", delivered=format_baht(so_far, locale),
                                        pledged=format_baht(pledge.amount_satang, locale))))
        return rows

    def for_supporter() -> Message:
        locale = str(get_locale())
        return Message(
            _("Pledge delivered: %(title)s", title=pledge.title) if complete else
            _("Delivery recorded: %(title)s", title=pledge.title),
            _("A delivery of %(what)s on %(date)s (%(via)s) is recorded for your pledge \"%(title)s\". The pledge is "
              "now: %(status)s.", what=_what(pledge, delivery, locale),
              date=format_date_for(delivery.delivered_on, locale), via=delivery.via.label, title=pledge.title,
              status=pledge.status.label),
            link, facts(locale))

    def for_receiver() -> Message:
        locale = str(get_locale())
        in_full = _("The pledge is now delivered in full.")
        return Message(
            _("Support from %(supporter)s: %(title)s", supporter=pledge.supporter.display_name(locale),
              title=pledge.title),
            _("%(supporter)s delivered %(what)s on %(date)s for \"%(title)s\".%(complete)s",
              supporter=pledge.supporter.display_name(locale), what=_what(pledge, delivery, locale),
              date=format_date_for(delivery.delivered_on, locale), title=pledge.title,
              complete=(" " + in_full) if complete else ""),
            link, facts(locale))

    for user in supporters:
        if user.id not in told:
            told.add(user.id)
            notify(user, "pledge.delivered", for_supporter)
    for user in receivers(pledge):
        if user.id not in told:
            told.add(user.id)
            notify(user, "pledge.delivered", for_receiver)
