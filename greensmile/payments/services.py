"""The payments core: start a payment by Stripe or straight to the seller's PromptPay, take slips and the seller's
word, refund. Stripe's webhooks are in webhooks.py, what coordinators sort out in reconcile.py.

Invariants:
- A payment moves only through PAYMENT_MOVES, by one conditional UPDATE on the status it was read with
  (compare_and_set): of a double tap, a webhook and an expiry at once, exactly one move goes through.
- When a move succeeds the payment's Payable (registry.py) is told in the same transaction; a domain's failure
  rolls the payment back with it.
- Webhooks may come twice, late or out of order: each event is stored once (unique event id), a stale one is kept
  and ignored, a malformed one is kept and refused.
- A slip's reference pays one thing only: unique across every payment, refused slips included.
- Money that cannot be used as meant is refunded or flagged for coordinators: it is never silently kept.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from greensmile.db import compare_and_set, squeeze, utcnow
from greensmile.extensions import db
from greensmile.payments import gateway, promptpay, registry, slips, verifier
from greensmile.payments.errors import AmountTooSmall, NotAllowed, PaymentError, SlipRefused
from greensmile.payments.models import (
    PAYMENT_MOVES,
    REFUND_MOVES,
    Channel,
    Payment,
    PaymentSlip,
    PaymentStatus,
    PromptPayAccount,
    Refund,
)

log = logging.getLogger(__name__)


class PaymentChanged(PaymentError):
    message = _l("Someone else changed this payment a moment ago; look at it again.")


# ---------------------------------------------------------------- looking up
def by_reference(reference: str) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.reference == str(reference)[:24]))


def payments_for(kind: str, subject_ids: list[int]) -> list[Payment]:
    """Every attempt for these subjects, oldest first."""
    if not subject_ids:
        return []
    return list(db.session.scalars(sa.select(Payment).where(Payment.kind == kind, Payment.subject_id.in_(subject_ids))
                                   .order_by(Payment.id)))


def latest(kind: str, subject_id: int) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.kind == kind, Payment.subject_id == subject_id)
                             .order_by(Payment.id.desc()).limit(1))


def succeeded_payment(kind: str, subject_id: int) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(
        Payment.kind == kind, Payment.subject_id == subject_id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.id).limit(1))


def _payable(payment: Payment) -> registry.Payable:
    found = registry.payable(payment.kind)
    if found is None:
        raise PaymentError(_l("This payment belongs to nothing we know."))
    return found


def may_view(user, payment: Payment) -> bool:
    found = registry.payable(payment.kind)
    return bool(user.is_authenticated and found and (found.may_view(user, payment) or found.may_pay(user, payment)
                                                     or found.may_confirm(user, payment)))


def may_pay(user, payment: Payment) -> bool:
    found = registry.payable(payment.kind)
    return bool(user.is_authenticated and found and found.may_pay(user, payment)
                and not found.may_confirm(user, payment))


def may_confirm(user, payment: Payment) -> bool:
    found = registry.payable(payment.kind)
    return bool(user.is_authenticated and found and found.may_confirm(user, payment))


# ---------------------------------------------------------------- the one table of moves
def move(payment: Payment, target: PaymentStatus) -> bool:
    """Move along PAYMENT_MOVES; False when the table refuses (a stale event). Raises if someone moved it first."""
    if target not in PAYMENT_MOVES[payment.status]:
        return False
    if not compare_and_set(payment, "status", target):
        raise PaymentChanged()
    return True


def flag(payment: Payment, note: str) -> None:
    """Money that cannot be used as meant (paid twice, too late, closed meanwhile): kept for the coordinators."""
    payment.needs_attention = True
    payment.attention_note = "\n".join(filter(None, [payment.attention_note, note]))[:4000]
    log.warning("payment %s needs attention: %s", payment.reference, note)


def _succeed(payment: Payment, confirmed_by_id: int | None = None) -> str:
    payment.paid_at = utcnow()
    payment.confirmed_by_id = confirmed_by_id
    db.session.flush()
    return _payable(payment).paid(payment)


# ---------------------------------------------------------------- starting a payment
def start_stripe(kind: str, subject_id: int, amount_satang: int, *, card: bool, description: str, email: str,
                 payer_id: int | None) -> Payment:
    """A Stripe PaymentIntent for this subject; PromptPay comes back with Stripe's QR code."""
    if not gateway.enabled():
        raise PaymentError(_l("Online payment is not available; pay another way."))
    if amount_satang < gateway.STRIPE_MIN_THB_SATANG:
        raise AmountTooSmall()
    if not card and not email:
        raise PaymentError(_l("PromptPay through Stripe needs an e-mail address on your account: add one, or pay "
                              "another way."))
    payment = Payment(kind=kind, subject_id=subject_id, amount_satang=amount_satang, payer_id=payer_id,
                      channel=Channel.STRIPE_CARD if card else Channel.STRIPE_PROMPTPAY, status=PaymentStatus.PENDING)
    db.session.add(payment)
    db.session.flush()
    # The metadata lets a webhook find the subject even if we stop between Stripe's answer and our commit.
    metadata = {"payment_reference": payment.reference, "kind": kind, "subject_id": str(subject_id)}
    intent = gateway.create_intent(amount_satang, card, description, metadata, email,
                                   purpose=f"{kind}-{subject_id}-{payment.reference}")
    payment.intent_id = intent.id
    payment.qr_image_url, payment.hosted_instructions_url = gateway.promptpay_qr(intent)
    db.session.flush()
    return payment


def client_secret(payment: Payment) -> str:
    """For Stripe.js on the card page; fetched, not stored."""
    return gateway.retrieve_intent(payment.intent_id).client_secret


def account_of(owner: str) -> PromptPayAccount | None:
    return db.session.scalar(sa.select(PromptPayAccount).where(PromptPayAccount.owner == owner,
                                                               PromptPayAccount.active.is_(True)))


def accounts_of(owners: list[str]) -> dict[str, PromptPayAccount]:
    if not owners:
        return {}
    rows = db.session.scalars(sa.select(PromptPayAccount).where(PromptPayAccount.owner.in_(owners),
                                                                PromptPayAccount.active.is_(True)))
    return {row.owner: row for row in rows}


def set_account(owner: str, id_text: str, account_name: str, acting_id: int | None) -> PromptPayAccount:
    """Register or change an owner's PromptPay ID (the caller has checked that the acting user speaks for them)."""
    try:
        parsed = promptpay.normalise_promptpay_id(id_text)
    except promptpay.BadPromptPayId as error:
        raise PaymentError(str(error)) from None
    name = squeeze(account_name)[:120]
    if not name:
        raise PaymentError(_l("Enter the account name as the bank app shows it, so payers can check it."))
    account = db.session.scalar(sa.select(PromptPayAccount).where(PromptPayAccount.owner == owner).with_for_update())
    if account is None:
        account = PromptPayAccount(owner=owner)
        db.session.add(account)
    account.id_kind, account.id_value, account.account_name = parsed.kind, parsed.value, name
    account.active, account.updated_by_id = True, acting_id
    db.session.flush()
    return account


def remove_account(owner: str, acting_id: int | None) -> None:
    account = account_of(owner)
    if account is not None:
        account.active, account.updated_by_id = False, acting_id
        db.session.flush()


def start_direct(kind: str, subject_id: int, amount_satang: int, account: PromptPayAccount,
                 payer_id: int | None) -> Payment:
    """A Thai QR payment to the seller's own PromptPay ID. Made here, with no network."""
    if amount_satang <= 0:
        raise PaymentError(_l("There is nothing to pay."))
    payment = Payment(kind=kind, subject_id=subject_id, amount_satang=amount_satang, payer_id=payer_id,
                      channel=Channel.PROMPTPAY_DIRECT, status=PaymentStatus.PENDING, payee=account.owner,
                      payee_id_kind=account.id_kind, payee_id_value=account.id_value, payee_name=account.account_name)
    db.session.add(payment)
    db.session.flush()
    return payment


def direct_payload(payment: Payment) -> str:
    """The EMVCo payload of a direct payment's QR code (a pure function of what the payment recorded)."""
    return promptpay.payload(promptpay.PromptPayId(payment.payee_id_kind, payment.payee_id_value),
                             payment.amount_satang, payment.reference)


# ---------------------------------------------------------------- slips and the seller's word
# Slips a seller has refused on one payment before it takes no more: a made-up reference cannot hold stock forever.
MAX_REFUSED_SLIPS = 3


@dataclass
class SlipData:
    image: bytes | None = None
    typed_reference: str = ""
    amount_satang: int | None = None


def _read_slip(data: SlipData) -> tuple[str, str, str, str]:
    """(reference as stored, reference as printed, sending bank, source) from the slip's QR code or typed."""
    found = None
    if data.image:
        try:
            found = slips.reference_from_slip(data.image, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        except slips.BadSlip as error:
            raise SlipRefused(str(error)) from None
    if found is not None:
        # Stored in upper case, as a typed one is: the same transfer scanned once and typed once is one slip.
        return found.transaction_ref.upper(), found.transaction_ref, found.sending_bank, "qr"
    if data.typed_reference.strip():
        try:
            typed = slips.normalise_typed_reference(data.typed_reference)
        except slips.BadSlip as error:
            raise SlipRefused(str(error)) from None
        return typed, typed, "", "typed"
    raise SlipRefused(_l("We could not read a QR code on this slip. Type the reference printed on it."))


def _verified(payment: Payment, printed: str, bank: str) -> tuple[int, str] | None:
    """With a slip-verification provider: (amount the bank reports, provider name); else None. A slip the bank
    does not know, money to someone else, or a transfer made before this payment was asked for is refused."""
    checked = verifier.configured()
    if checked is None:
        return None
    try:
        result = checked.verify(printed, bank)
    except Exception as error:  # a provider down or confused is a refusal to try again, never our crash
        current_app.logger.warning("slip verifier %s failed: %s", getattr(checked, "name", "?"), error)
        raise SlipRefused(_l("The slip could not be checked with the bank just now. Try again in a few minutes."))
    if result is None:
        raise SlipRefused(_l("The bank does not know this slip. Check the reference, or send the slip again."))
    if result.receiver_id != payment.payee_id_value:
        raise SlipRefused(_l("This slip paid someone else, not %(name)s.", name=payment.payee_name))
    if result.paid_at is None or result.paid_at < payment.created_at:
        raise SlipRefused(_l("This transfer was made before this payment was asked for: it pays something else."))
    return result.amount_satang, checked.name


def send_slip(payment: Payment, acting, data: SlipData) -> PaymentSlip:
    """The payer's proof of a direct PromptPay transfer: the slip's own QR code, read here, or its reference typed.
    With a slip-verification provider configured, a verified slip confirms the payment at once."""
    payable = _payable(payment)
    if not may_pay(acting, payment):
        raise NotAllowed()
    if payment.channel is not Channel.PROMPTPAY_DIRECT:
        raise SlipRefused(_l("This payment is not paid by slip."))
    if payment.status is not PaymentStatus.PENDING:
        raise SlipRefused(_l("This payment is %(status)s: no slip is needed now.", status=payment.status.label))
    if sum(slip.status == "refused" for slip in payment.slips) >= MAX_REFUSED_SLIPS:
        raise SlipRefused(_l("The seller did not find the money for several slips. Talk to the seller, or to the "
                             "network's coordinators."))
    reference, printed, bank, source = _read_slip(data)
    verified = _verified(payment, printed, bank)
    amount = verified[0] if verified else data.amount_satang
    if amount != payment.amount_satang:
        raise SlipRefused(_l("The slip's amount must be exactly what is owed: %(amount)s.",
                             amount=f"฿{payment.amount_satang / 100:,.2f}"))
    used = _l("This slip has been sent for a payment before. Each transfer pays for one thing only.")
    if db.session.scalar(sa.select(PaymentSlip.id).where(PaymentSlip.reference == reference)) is not None:
        raise SlipRefused(used)
    slip = PaymentSlip(payment_id=payment.id, reference=reference, sending_bank=bank, amount_satang=amount,
                       source=source, verified_by=verified[1] if verified else "", sent_by_id=acting.id)
    try:
        with db.session.begin_nested():
            db.session.add(slip)
    except IntegrityError:  # the same slip sent for another payment at this very moment
        raise SlipRefused(used) from None
    if data.image:  # kept only once the slip is taken: a refused one leaves no file behind
        slip.image_key = _keep_slip_image(data.image)
    move(payment, PaymentStatus.SLIP_SENT)
    payment.slip_sent_at = utcnow()
    payable.slip_sent(payment)
    if verified:
        slip.status = "accepted"
        move(payment, PaymentStatus.SUCCEEDED)
        _succeed(payment)
    db.session.flush()
    return slip


def _keep_slip_image(data: bytes) -> str:
    from greensmile.media.images import process_photo
    from greensmile.media.storage import save_image

    return save_image("slips", process_photo(data, current_app.config["PHOTO_MAX_BYTES"]))


def confirm(payment: Payment, acting) -> str:
    """The seller says the money is in their account: the payment succeeds and what it paid for moves on."""
    if not may_confirm(acting, payment):
        raise NotAllowed()
    if payment.channel is not Channel.PROMPTPAY_DIRECT:
        raise PaymentError(_l("Payments through Stripe are confirmed by Stripe."))
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.SLIP_SENT):
        raise PaymentError(_l("This payment is %(status)s already.", status=payment.status.label))
    if not move(payment, PaymentStatus.SUCCEEDED):
        raise PaymentChanged()
    for slip in payment.slips:
        if slip.status == "sent":
            slip.status = "accepted"
    return _succeed(payment, acting.id)


def refuse_slip(payment: Payment, acting, reason: str) -> None:
    """The seller says the money did not come: the payer may send another slip (the refused one stays used)."""
    if not may_confirm(acting, payment):
        raise NotAllowed()
    reason = squeeze(reason)
    if not reason:
        raise PaymentError(_l("Say what is wrong with the slip: the payer will read it."))
    if payment.status is not PaymentStatus.SLIP_SENT or not move(payment, PaymentStatus.PENDING):
        raise PaymentError(_l("There is no slip waiting on this payment."))
    for slip in payment.slips:
        if slip.status == "sent":
            slip.status, slip.refused_reason = "refused", reason[:1000]
    payment.slip_sent_at = None
    _payable(payment).failed(payment)
    db.session.flush()


def cancel_by_payer(payment: Payment, acting) -> None:
    """The payer drops a direct QR code they have not paid (to pay another amount or another way)."""
    payable = _payable(payment)
    if not may_pay(acting, payment) or not payable.payer_may_cancel:
        raise NotAllowed()
    if payment.channel is not Channel.PROMPTPAY_DIRECT or payment.status is not PaymentStatus.PENDING:
        raise PaymentError(_l("This payment is %(status)s: it cannot be called off now.", status=payment.status.label))
    move(payment, PaymentStatus.CANCELLED)
    payable.cancelled(payment)
    db.session.flush()


# ---------------------------------------------------------------- refunds
def move_refund(refund: Refund, target: str) -> bool:
    """Along REFUND_MOVES, by one conditional UPDATE: a stale event (pending after failed) changes nothing."""
    if target not in REFUND_MOVES.get(refund.status, frozenset()):
        return False
    return compare_and_set(refund, "status", target)


def refund_part(payment: Payment, part: str, amount_satang: int, acting_id: int | None = None) -> Refund:
    """Give back one part of a payment (idempotent per part). Through Stripe at once (raises if Stripe refuses);
    direct, a refund due that the seller records once they have transferred it back."""
    if payment.status is not PaymentStatus.SUCCEEDED:
        raise PaymentError(_l("There is no payment to refund."))
    existing = db.session.scalar(sa.select(Refund).where(Refund.payment_id == payment.id, Refund.part == part))
    if existing is not None:
        return existing
    if payment.channel.through_stripe:
        made = gateway.refund(payment.intent_id, amount_satang, {"payment_reference": payment.reference, "part": part},
                              purpose=f"refund-{payment.reference}-{part}")
        status = made.status if made.status in REFUND_MOVES else "pending"
        row = Refund(payment_id=payment.id, part=part, amount_satang=amount_satang, provider_ref=made.id,
                     status=status, recorded_by_id=acting_id)
    else:
        row = Refund(payment_id=payment.id, part=part, amount_satang=amount_satang, provider_ref=None, status="due",
                     recorded_by_id=acting_id)
    db.session.add(row)
    db.session.flush()
    return row


def record_direct_refund(refund: Refund, acting, reference: str) -> None:
    """The seller transferred the money back: their transfer's reference. The payer then says it arrived (or a
    coordinator settles it); until then it stays on the reconciliation page."""
    payment = refund.payment
    if not may_confirm(acting, payment):
        raise NotAllowed()
    reference = squeeze(reference).upper()[:255]
    if len(reference) < 6:
        raise PaymentError(_l("Enter the reference of your transfer back, as your bank app shows it."))
    taken = sa.select(Refund.id).where(Refund.provider_ref == reference)
    if db.session.scalar(taken) is not None or db.session.scalar(
            sa.select(PaymentSlip.id).where(PaymentSlip.reference == reference)) is not None:
        raise PaymentError(_l("A refund with this reference is recorded already."))
    if payment.channel.through_stripe or not move_refund(refund, "sent"):
        raise PaymentError(_l("This refund is not waiting for a transfer."))
    refund.provider_ref, refund.recorded_by_id = reference, acting.id
    db.session.flush()


def refund_received(refund: Refund, acting) -> None:
    """The payer says the seller's transfer back arrived: the refund is done."""
    if not may_pay(acting, refund.payment):
        raise NotAllowed()
    if not move_refund(refund, "received"):
        raise PaymentError(_l("This refund is not waiting for you."))
    db.session.flush()
