"""E-mails about orders, each in its reader's language, sent only once the transaction commits."""
from __future__ import annotations

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from greensmile.accounts.models import User
from greensmile.i18n import format_baht as _format_baht
from greensmile.i18n import format_quantity_for
from greensmile.mail import queue_mail
from greensmile.urls import public_url


def format_baht(satang: int) -> str:
    return _format_baht(satang, str(get_locale()))


def _lines(order) -> str:
    locale = str(get_locale())
    return "\n".join(f"- {line.title}: {format_quantity_for(line.quantity, locale)} {line.unit.label} = "
                     f"{format_baht(line.total_satang)}" for line in order.lines)


def _tell(user: User, subject, body) -> None:
    with force_locale(user.locale or "th"):
        queue_mail(user.email, subject(), body())


def order_placed(order) -> None:
    link = public_url("orders.detail", order_id=order.id)
    _tell(order.consumer, lambda: _("Green Smile: order %(number)s placed", number=order.number),
          lambda: _("Your order %(number)s from %(farmer)s:\n%(lines)s\nTotal %(total)s, collect at %(point)s.\n\n"
                    "%(link)s", number=order.number, farmer=order.farmer.display_name, lines=_lines(order),
                    total=format_baht(order.total_satang), point=order.pickup_point.name, link=link))
    _tell(order.farmer, lambda: _("Green Smile: new order %(number)s", number=order.number),
          lambda: _("New order %(number)s from %(buyer)s:\n%(lines)s\nTotal %(total)s, to hand over at %(point)s."
                    "\n\n%(link)s", number=order.number, buyer=order.consumer.display_name, lines=_lines(order),
                    total=format_baht(order.total_satang), point=order.pickup_point.name, link=link))


def order_ready(order) -> None:
    _tell(order.consumer, lambda: _("Green Smile: order %(number)s is ready", number=order.number),
          lambda: _("Your order %(number)s is ready to collect at %(point)s.\n\n%(link)s", number=order.number,
                    point=order.pickup_point.name, link=public_url("orders.detail", order_id=order.id)))


def order_cancelled(order, actor: User) -> None:
    for reader in {order.consumer, order.farmer} - {actor} or {order.consumer}:
        _tell(reader, lambda: _("Green Smile: order %(number)s cancelled", number=order.number),
              lambda: _("Order %(number)s was cancelled (%(status)s). %(reason)s", number=order.number,
                        status=order.status.label, reason=order.cancel_reason))
