"""Orders' part in privacy. Erasure waits while an order of the person's, as a buyer or a seller, is still to be paid,
prepared or handed over (or expired within the week: a late payment brings it back). It removes the delivery addresses and notes the person wrote, and the seller's PromptPay ID
(a phone number or a national ID) with the name on its account, whose values, as copied onto past payments, are
swept with the person's other values. It keeps their orders pseudonymised (accounting law); when that hold ends, the
transfer slips they sent go. The retention run blanks the delivery addresses of orders finished more than 90 days
ago.

Here rather than in payments: the payments core imports no room, privacy included."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import User
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.orders.models import Order, OrderStatus
from greensmile.payments.models import Payment, PaymentSlip, PromptPayAccount
from greensmile.privacy import erasure, retention
from greensmile.privacy.models import HoldKind

KEEP_ADDRESS = timedelta(days=90)
ENDED = (OrderStatus.COLLECTED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REFUNDED)
SLIP_KIND = "slips"
RECENTLY_EXPIRED = timedelta(days=7)  # a payment that comes late brings an expired order back (ORDER_MOVES)
COPIES = [("orders", "note"), ("orders", "cancel_reason"), ("order_events", "reason"), ("order_lines", "title"),
          ("payments", "payee_name"),
          ("payments", "payee_id_value"), ("payments", "attention_note"), ("payment_slips", "refused_reason"),
          ("webhook_events", "payload")]


def blocks(person: User) -> str | None:
    open_orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(
        sa.or_(Order.consumer_id == person.id, Order.farmer_id == person.id),
        sa.or_(Order.status.not_in(ENDED),
               sa.and_(Order.status == OrderStatus.EXPIRED, Order.updated_at > utcnow() - RECENTLY_EXPIRED))))
    if open_orders:
        return _("%(count)s orders of theirs are still to be paid, prepared or handed over: finish or cancel them "
                 "first.", count=open_orders)
    return None


def erase(person: User, pseudonym: str) -> erasure.Erased:
    blanked = db.session.execute(sa.update(Order).where(
        Order.consumer_id == person.id, sa.or_(Order.delivery_address != "", Order.note != ""),
    ).values(delivery_address="", note="", updated_at=Order.updated_at)
        .execution_options(synchronize_session=False)).rowcount
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


def end(user_id: int) -> int:
    """The hold is over: the images of the transfer slips the person sent go; the payments keep their references."""
    removed = 0
    for slip in db.session.scalars(sa.select(PaymentSlip).join(Payment, Payment.id == PaymentSlip.payment_id).where(
            Payment.payer_id == user_id, PaymentSlip.image_key != "")):
        storage.delete_after_commit(db.session, SLIP_KIND, slip.image_key)
        slip.image_key = ""
        removed += 1
    return removed


def forget_addresses(now: datetime) -> int:
    return db.session.execute(sa.update(Order).where(
        Order.status.in_(ENDED), Order.updated_at < now - KEEP_ADDRESS, Order.delivery_address != "",
    ).values(delivery_address="", updated_at=Order.updated_at).execution_options(synchronize_session=False)).rowcount


def register() -> None:
    erasure.register("orders", erase, keeps, blocks=blocks, copies=COPIES)
    erasure.on_hold_end(HoldKind.ACCOUNTS, end)
    retention.rule("orders.addresses", _l("Delivery addresses of orders finished more than 90 days ago"),
                   forget_addresses)
