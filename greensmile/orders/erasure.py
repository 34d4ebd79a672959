"""Orders' part in privacy: erasure removes the delivery addresses and notes the person wrote, and the seller's
PromptPay ID (a phone number or a national ID) with the name on its account, whose values, as copied onto past
payments, are swept with the person's other values. It keeps their orders, as a buyer or a seller, pseudonymised
(accounting law). The retention run blanks the delivery addresses of orders finished more than 90 days ago.

Here rather than in payments: the payments core imports no domain, privacy included."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.orders.models import Order, OrderStatus
from greensmile.payments.models import PromptPayAccount
from greensmile.privacy import erasure, retention
from greensmile.privacy.models import HoldKind


def erase(person: User, pseudonym: str) -> erasure.Erased:
    blanked = db.session.execute(sa.update(Order).where(
        Order.consumer_id == person.id, sa.or_(Order.delivery_address != "", Order.note != ""),
    ).values(delivery_address="", note="").execution_options(synchronize_session=False)).rowcount
    found = erasure.Erased({"addresses_and_notes": blanked, "promptpay_ids": 0})
    for account in db.session.scalars(sa.select(PromptPayAccount).where(PromptPayAccount.owner == f"user:{person.id}")):
        found.values |= {account.id_value, account.account_name}
        db.session.delete(account)
        found.counts["promptpay_ids"] += 1
    return found


def keeps(person: User) -> list[HoldKind]:
    any_order = db.session.scalar(sa.select(sa.exists().where(
        sa.or_(Order.consumer_id == person.id, Order.farmer_id == person.id))))
    return [HoldKind.ACCOUNTS] if any_order else []


KEEP_ADDRESS = timedelta(days=90)
ENDED = (OrderStatus.COLLECTED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED)


def forget_addresses(now: datetime) -> int:
    return db.session.execute(sa.update(Order).where(
        Order.status.in_(ENDED), Order.updated_at < now - KEEP_ADDRESS, Order.delivery_address != "",
    ).values(delivery_address="", updated_at=Order.updated_at).execution_options(synchronize_session=False)).rowcount


def register() -> None:
    erasure.register("orders", erase, keeps)
    retention.rule("orders.addresses", _l("Delivery addresses of orders finished more than 90 days ago"),
                   forget_addresses)
