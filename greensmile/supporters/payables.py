"""What paying a money pledge means, told to the payments core at start-up: the money is recorded as a delivery,
once (the payment's reference is unique among deliveries); money for a pledge closed meanwhile is flagged."""
from __future__ import annotations

import logging

from flask import url_for
from flask_babel import gettext as _

from greensmile.accounts.models import Role
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network.models import Membership, Position
from greensmile.payments import registry
from greensmile.payments import services as payments
from greensmile.payments.models import NETWORK, Channel, Payment
from greensmile.supporters.models import DeliveryVia, SupportPledge
from greensmile.supporters.services import (
    DeliveryData,
    SupportError,
    delivered_satang,
    may_see_private,
    record_delivery,
    speaks_for,
)

log = logging.getLogger(__name__)


def _pledge_of(payment: Payment) -> SupportPledge | None:
    return db.session.get(SupportPledge, payment.subject_id)


def _paid(payment: Payment) -> str:
    pledge = _pledge_of(payment)
    via = DeliveryVia.PROMPTPAY if payment.channel is Channel.PROMPTPAY_DIRECT else DeliveryVia.STRIPE
    owed = pledge.amount_satang - delivered_satang(pledge)
    if payment.amount_satang > owed:  # a transfer recorded meanwhile: more came than was still owed
        payments.flag(payment, f"support pledge {pledge.id}: {payment.amount_satang} satang paid, "
                               f"{max(owed, 0)} still owed; the rest to give back")
    try:
        with db.session.begin_nested():
            record_delivery(None, pledge, DeliveryData(today(), via, amount_satang=payment.amount_satang,
                                                       reference=payment.intent_id or payment.reference))
    except SupportError as error:  # withdrawn or fully paid meanwhile: the money goes back, by a person
        payments.flag(payment, f"support pledge {payment.subject_id} closed ({error}); "
                               f"{payment.amount_satang} satang to give back")
        return "flagged: pledge closed"
    return f"support pledge {payment.subject_id}: {payment.amount_satang} satang delivered"


def _may_view(user, payment: Payment) -> bool:
    pledge = _pledge_of(payment)
    return pledge is not None and speaks_for(user, pledge.supporter) and may_see_private(user, pledge)


def _may_pay(user, payment: Payment) -> bool:
    pledge = _pledge_of(payment)
    return pledge is not None and speaks_for(user, pledge.supporter)


def _wanted(payment: Payment) -> bool:
    pledge = _pledge_of(payment)
    return pledge is not None and pledge.status.is_open


def _may_confirm(user, payment: Payment) -> bool:
    """The receiver sees the money come in: the network's coordinators, or the managers of the group paid."""
    if payment.channel is not Channel.PROMPTPAY_DIRECT:
        return False
    if payment.payee == NETWORK:
        return user.has_role(Role.COORDINATOR)
    kind, _, group_id = payment.payee.partition(":")
    membership = db.session.get(Membership, (int(group_id), user.id)) if kind == "organisation" else None
    return membership is not None and membership.position is Position.MANAGER


def register() -> None:
    registry.register(registry.Payable(
        "pledge", paid=_paid, may_view=_may_view, may_pay=_may_pay, may_confirm=_may_confirm, wanted=_wanted,
        payer_may_cancel=True,
        title=lambda payment: _("Support pledge: %(title)s", title=_pledge_of(payment).title),
        back_url=lambda payment: url_for("support.pledge", pledge_id=payment.subject_id)))
