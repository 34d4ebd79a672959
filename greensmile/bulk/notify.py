"""What farms and kitchens hear about bulk orders, through the notification centre: a farm asked for a share (or told
it is no longer wanted), a kitchen told of each farm's answer, of its delivery note and of its invoice. Each message
is written in its reader's language, in the transaction of the change that causes it."""
from __future__ import annotations

from collections import defaultdict

from flask_babel import get_locale
from flask_babel import gettext as _

from greensmile.accounts.models import Role, User
from greensmile.bulk.models import BulkOrder, Invoice, Share, ShareStatus
from greensmile.i18n import format_date, format_money, format_quantity
from greensmile.network import services as network
from greensmile.network.models import Organisation
from greensmile.notifications.services import Message, notify, notify_coordinators
from greensmile.urls import public_url


def _locale() -> str:
    return str(get_locale())



def _amount(share: Share) -> str:
    """'30 kg of morning glory from plot SK001', in the reader's language."""
    return _("%(quantity)s %(unit)s of %(crop)s from plot %(plot)s",
             quantity=format_quantity(share.quantity), unit=share.line.unit.label,
             crop=share.line.crop.name(_locale()), plot=share.plot.code)


def buyers_of(organisation: Organisation) -> list[User]:
    """The kitchen's own buyers: its members who order for it."""
    return [user for user in network.members_of(organisation.id) if user.has_role(Role.BUYER)]


def _by_farmer_and_order(shares: list[Share]) -> dict[tuple[int, int], list[Share]]:
    grouped: dict[tuple[int, int], list[Share]] = defaultdict(list)
    for share in shares:
        grouped[(share.farmer_id, share.line.order_id)].append(share)
    return grouped


# ---------------------------------------------------------------- to farms
def shares_requested(shares: list[Share], changed: bool = False) -> None:
    """Farms asked for shares of an order: one message per farm and order, listing what is asked of it."""
    for group in _by_farmer_and_order(shares).values():
        order = group[0].line.order
        notify(group[0].farmer, "share.requested", lambda group=group, order=order: Message(
            _("%(kitchen)s changed its request for %(date)s", kitchen=order.organisation.name,
              date=format_date(order.delivery_on)) if changed else
            _("%(kitchen)s asks you for produce on %(date)s", kitchen=order.organisation.name,
              date=format_date(order.delivery_on)),
            _("%(kitchen)s asks for, delivered on %(date)s:\n%(lines)s\nConfirm or decline on your kitchen orders "
              "page.", kitchen=order.organisation.name, date=format_date(order.delivery_on),
              lines="\n".join(f"- {_amount(share)}" for share in group)),
            public_url("bulk_farm.shares"),
            [(_("Kitchen"), order.organisation.name), (_("Delivery date"), format_date(order.delivery_on)),
             (_("Order"), order.number)]))


def shares_cancelled(shares: list[Share], reason: str = "") -> None:
    """Shares no longer wanted (the kitchen cancelled, or the coordinator took the request back): the farm need not
    harvest for them. `reason`: the kitchen's words; empty, the coordinator took it back."""
    for group in _by_farmer_and_order(shares).values():
        order = group[0].line.order
        notify(group[0].farmer, "share.cancelled", lambda group=group, order=order: Message(
            _("%(kitchen)s no longer needs produce on %(date)s", kitchen=order.organisation.name,
              date=format_date(order.delivery_on)),
            _("This is no longer needed, do not deliver it:\n%(lines)s\n%(why)s",
              lines="\n".join(f"- {_amount(share)}" for share in group),
              why=_("The kitchen cancelled its order: %(reason)s", reason=reason) if reason else
              _("The coordinator took the request back.")),
            public_url("bulk_farm.shares"),
            [(_("Kitchen"), order.organisation.name), (_("Delivery date"), format_date(order.delivery_on)),
             (_("Order"), order.number)]))


# ---------------------------------------------------------------- to kitchens
def share_answered(share: Share) -> None:
    """A farm confirmed or declined its share: the kitchen's buyers hear it; of a decline, so do the coordinators,
    who ask another farm."""
    order = share.line.order
    confirmed = share.status is ShareStatus.CONFIRMED

    def facts() -> list[tuple[str, str]]:
        return [(_("Order"), order.number), (_("Delivery date"), format_date(order.delivery_on)),
                (_("Farm"), share.farmer.display_name)]

    def for_buyers() -> Message:
        if confirmed:
            return Message(
                _("%(farm)s confirmed its share for %(date)s", farm=share.farmer.display_name,
                  date=format_date(order.delivery_on)),
                _("%(farm)s will deliver %(amount)s on %(date)s (order %(number)s).", farm=share.farmer.display_name,
                  amount=_amount(share), date=format_date(order.delivery_on), number=order.number),
                public_url("bulk.order", order_id=order.id), facts())
        return Message(
            _("%(farm)s cannot deliver its share for %(date)s", farm=share.farmer.display_name,
              date=format_date(order.delivery_on)),
            _("%(farm)s declined %(amount)s for %(date)s (order %(number)s): %(reason)s\nThe coordinator will ask "
              "another farm.", farm=share.farmer.display_name, amount=_amount(share), date=format_date(order.delivery_on),
              number=order.number, reason=share.answer_note),
            public_url("bulk.order", order_id=order.id), facts())

    for buyer in buyers_of(order.organisation):
        notify(buyer, "share.answered", for_buyers)
    if not confirmed:
        notify_coordinators("share.answered", lambda: Message(
            _("%(farm)s declined a share of order %(number)s", farm=share.farmer.display_name, number=order.number),
            _("%(farm)s declined %(amount)s for %(kitchen)s on %(date)s: %(reason)s\nAsk another farm on the order's "
              "page.", farm=share.farmer.display_name, amount=_amount(share), kitchen=order.organisation.name,
              date=format_date(order.delivery_on), reason=share.answer_note),
            public_url("bulk.order", order_id=order.id), facts()))


def note_ready(order: BulkOrder) -> None:
    """The farms confirmed the order (or the coordinator accepted a shortfall): its delivery note is ready."""
    short = [line for line in order.lines if line.shortfall > 0]
    farms = {share.farmer_id for line in order.lines for share in line.shares
             if share.status is ShareStatus.CONFIRMED}

    def render() -> Message:
        body = _("The farms confirmed order %(number)s for %(date)s. The delivery note lists what comes from which "
                 "farm and plot, with each plot's certificate: keep it at hand to weigh the delivery in.",
                 number=order.number, date=format_date(order.delivery_on))
        if short:
            missing = [_("%(crop)s %(quantity)s %(unit)s short", crop=line.crop.name(_locale()),
                         quantity=format_quantity(line.shortfall), unit=line.unit.label)
                       for line in short]
            body += "\n" + _("Not everything could be found: %(lines)s.", lines=", ".join(missing))
        return Message(
            _("Delivery note for %(date)s is ready", date=format_date(order.delivery_on)), body,
            public_url("bulk.delivery_note", organisation_id=order.organisation_id,
                       delivery_on=order.delivery_on.isoformat()),
            [(_("Order"), order.number), (_("Delivery date"), format_date(order.delivery_on)),
             (_("Farms"), str(len(farms)))])

    for buyer in buyers_of(order.organisation):
        notify(buyer, "delivery.note", render)


def invoice_issued(invoice: Invoice) -> None:
    """A month's invoice for the kitchen: what it comes to and when it is due."""
    def render() -> Message:
        month = format_date(invoice.month, "month")
        total = format_money(invoice.total_satang)
        return Message(
            _("Invoice %(number)s for %(month)s", number=invoice.number, month=month),
            _("The invoice for what %(kitchen)s received in %(month)s is issued: %(total)s, due on %(date)s. Pay it on "
              "its page, or by bank transfer.", kitchen=invoice.organisation.name, month=month, total=total,
              date=format_date(invoice.due_on)),
            public_url("bulk.invoice", invoice_id=invoice.id),
            [(_("Invoice"), invoice.number), (_("Month"), month), (_("Total"), total),
             (_("Due date"), format_date(invoice.due_on))])

    for buyer in buyers_of(invoice.organisation):
        notify(buyer, "invoice.issued", render)
