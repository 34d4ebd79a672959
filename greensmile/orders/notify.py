"""What buyers and farmers hear about their orders, through the notification centre (each in their language, by
LINE or e-mail as they chose, written in the order's own transaction)."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from greensmile.accounts.models import User
from greensmile.i18n import format_money, format_quantity_for
from greensmile.notifications.services import Message, notify
from greensmile.urls import public_url


def _lines(order) -> str:
    locale = str(get_locale())
    return "\n".join(f"- {line.title}: {format_quantity_for(line.quantity, locale)} {line.unit.label} = "
                     f"{format_money(line.total_satang)}" for line in order.lines)


def _facts(order, other_label: str, other: User) -> list[tuple[str, str]]:
    return [(_("Order"), order.number), (other_label, other.display_name), (_("Total"), format_money(order.total_satang)),
            (_("Pickup point"), order.pickup_point.name)]


def order_placed(order, *, paid: bool = False) -> None:
    """A new order: the buyer's receipt and the farmer's order to fill (`paid`: its online payment arrived)."""
    link = public_url("orders.detail", order_id=order.id)
    kind = "order.paid" if paid else "order.placed"
    notify(order.consumer, kind, lambda: Message(
        _("Order %(number)s paid", number=order.number) if paid else
        _("Order %(number)s placed", number=order.number),
        _("Your order %(number)s from %(farmer)s:\n%(lines)s\nTotal %(total)s, collect at %(point)s.",
          number=order.number, farmer=order.farmer.display_name, lines=_lines(order),
          total=format_money(order.total_satang), point=order.pickup_point.name),
        link, _facts(order, _("Farmer"), order.farmer)))
    notify(order.farmer, kind, lambda: Message(
        _("New order %(number)s", number=order.number),
        _("New order %(number)s from %(buyer)s:\n%(lines)s\nTotal %(total)s, to hand over at %(point)s.",
          number=order.number, buyer=order.consumer.display_name, lines=_lines(order),
          total=format_money(order.total_satang), point=order.pickup_point.name),
        link, _facts(order, _("Buyer"), order.consumer)))


def order_ready(order) -> None:
    notify(order.consumer, "order.ready", lambda: Message(
        _("Order %(number)s is ready", number=order.number),
        _("Your order %(number)s is ready to collect at %(point)s.", number=order.number,
          point=order.pickup_point.name),
        public_url("orders.detail", order_id=order.id), _facts(order, _("Farmer"), order.farmer)))


def order_cancelled(order, actor: User) -> None:
    for reader in {order.consumer, order.farmer} - {actor} or {order.consumer}:
        notify(reader, "order.cancelled", lambda: Message(
            _("Order %(number)s cancelled", number=order.number),
            _("Order %(number)s was cancelled (%(status)s). %(reason)s", number=order.number,
              status=order.status.label, reason=order.cancel_reason),
            public_url("orders.detail", order_id=order.id)))


def slip_to_confirm(order) -> None:
    """A buyer paid straight to the farmer and sent the slip: the farmer looks for the money and confirms."""
    notify(order.farmer, "payment.slip", lambda: Message(
        _("A transfer slip for order %(number)s", number=order.number),
        _("%(buyer)s sent a transfer slip for order %(number)s (%(total)s). Check that the money arrived in your "
          "account, then confirm it on the order's page.", buyer=order.consumer.display_name, number=order.number,
          total=format_money(order.total_satang)),
        public_url("orders.detail", order_id=order.id), _facts(order, _("Buyer"), order.consumer)))
