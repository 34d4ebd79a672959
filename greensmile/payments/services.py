"""The payments core: start a payment by Stripe or straight to the seller's PromptPay, take slips and the seller's
word, take Stripe's webhooks once each, refund, and show coordinators whatever needs a person.

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

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    Channel,
    Payment,
    PaymentSlip,
    PaymentStatus,
    PromptPayAccount,
    Refund,
    WebhookEvent,
)

log = logging.getLogger(__name__)
UNMATCHED = "unmatched"  # the kind of money that arrived for nothing we know: kept for coordinators


class BadEvent(PaymentError):
    message = _l("This webhook could not be read.")


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
    return bool(user.is_authenticated and found and (found.may_view(user, payment) or found.may_confirm(user, payment)))


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


def _flag(payment: Payment, note: str) -> None:
    payment.needs_attention = True
    payment.attention_note = "\n".join(filter(None, [payment.attention_note, note]))[:4000]
    log.warning("payment %s needs attention: %s", payment.reference, note)


def flag(payment: Payment, note: str) -> None:
    """For a Payable that cannot use the money as meant (paid twice, too late, closed meanwhile)."""
    _flag(payment, note)


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


def cancel_open(kind: str, subject_ids: list[int]) -> None:
    """What was paid for was called off: its direct payments still waiting are cancelled (Stripe's lapse by
    themselves; a late payment is refunded when its webhook comes)."""
    for payment in payments_for(kind, subject_ids):
        if payment.channel is Channel.PROMPTPAY_DIRECT and payment.status is PaymentStatus.PENDING:
            move(payment, PaymentStatus.CANCELLED)


# ---------------------------------------------------------------- slips and the seller's word
@dataclass
class SlipData:
    image: bytes | None = None
    typed_reference: str = ""
    amount_satang: int | None = None


def send_slip(payment: Payment, acting, data: SlipData) -> PaymentSlip:
    """The payer's proof of a direct PromptPay transfer: the slip's own QR code, read here, or its reference typed.
    With a slip-verification provider configured, a verified slip confirms the payment at once."""
    payable = _payable(payment)
    # The payer's side sends the slip; the seller's side confirms it (never both for one payment).
    if not payable.may_view(acting, payment) or payable.may_confirm(acting, payment):
        raise NotAllowed()
    if payment.channel is not Channel.PROMPTPAY_DIRECT:
        raise SlipRefused(_l("This payment is not paid by slip."))
    if payment.status is not PaymentStatus.PENDING:
        raise SlipRefused(_l("This payment is %(status)s: no slip is needed now.", status=payment.status.label))
    found = None
    if data.image:
        try:
            found = slips.reference_from_slip(data.image, max_bytes=current_app.config["PHOTO_MAX_BYTES"])
        except slips.BadSlip as error:
            raise SlipRefused(str(error)) from None
    if found is not None:
        # Upper case, as a typed reference is: the same transfer scanned once and typed once is still one slip.
        reference, bank, source = found.transaction_ref.upper(), found.sending_bank, "qr"
    elif data.typed_reference.strip():
        try:
            reference, bank, source = slips.normalise_typed_reference(data.typed_reference), "", "typed"
        except slips.BadSlip as error:
            raise SlipRefused(str(error)) from None
    else:
        raise SlipRefused(_l("We could not read a QR code on this slip. Type the reference printed on it."))
    amount = data.amount_satang
    checked = verifier.configured()
    verified_by = ""
    if checked is not None:
        result = checked.verify(reference)
        if result is None:
            raise SlipRefused(_l("The bank does not know this slip. Check the reference, or send the slip again."))
        if result.receiver_id and result.receiver_id != payment.payee_id_value:
            raise SlipRefused(_l("This slip paid someone else, not %(name)s.", name=payment.payee_name))
        amount, verified_by = result.amount_satang, checked.name
    if amount != payment.amount_satang:
        raise SlipRefused(_l("The slip's amount must be exactly what is owed: %(amount)s.",
                             amount=f"฿{payment.amount_satang / 100:,.2f}"))
    if db.session.scalar(sa.select(PaymentSlip.id).where(PaymentSlip.reference == reference)) is not None:
        raise SlipRefused(_l("This slip has been sent for a payment before. Each transfer pays for one thing only."))
    image_key = _keep_slip_image(data.image) if data.image else ""
    slip = PaymentSlip(payment_id=payment.id, reference=reference, sending_bank=bank, amount_satang=amount,
                       source=source, image_key=image_key, verified_by=verified_by, sent_by_id=acting.id)
    try:
        with db.session.begin_nested():
            db.session.add(slip)
    except IntegrityError:  # the same slip sent for another payment at this very moment
        raise SlipRefused(_l("This slip has been sent for a payment before. Each transfer pays for one thing "
                             "only.")) from None
    move(payment, PaymentStatus.SLIP_SENT)
    payment.slip_sent_at = utcnow()
    _payable(payment).slip_sent(payment)
    if verified_by:
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


# ---------------------------------------------------------------- refunds
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
        row = Refund(payment_id=payment.id, part=part, amount_satang=amount_satang, provider_ref=made.id,
                     status=made.status or "pending", recorded_by_id=acting_id)
    else:
        row = Refund(payment_id=payment.id, part=part, amount_satang=amount_satang, provider_ref=None, status="due",
                     recorded_by_id=acting_id)
    db.session.add(row)
    db.session.flush()
    return row


def record_direct_refund(refund: Refund, acting, reference: str) -> None:
    """The seller transferred the money back: their transfer's reference closes the refund."""
    payment = refund.payment
    if not may_confirm(acting, payment):
        raise NotAllowed()
    if payment.channel.through_stripe or refund.status != "due":
        raise PaymentError(_l("This refund is not waiting for a transfer."))
    reference = squeeze(reference).upper()[:255]
    if len(reference) < 6:
        raise PaymentError(_l("Enter the reference of your transfer back, as your bank app shows it."))
    if db.session.scalar(sa.select(Refund.id).where(Refund.provider_ref == reference)) is not None:
        raise PaymentError(_l("A refund with this reference is recorded already."))
    refund.provider_ref, refund.status, refund.recorded_by_id = reference, "sent", acting.id
    db.session.flush()


# ---------------------------------------------------------------- Stripe's webhooks
def receive_webhook(payload: bytes, signature: str) -> str:
    """Verify, store once, act. Returns what was done (kept on the event row and logged). A signed event that
    cannot be read is stored with its refusal, then BadEvent is raised: the caller commits the record, answers 400."""
    gateway.verify(payload, signature)  # raises gateway.BadSignature
    text = payload.decode("utf-8")
    try:
        event = json.loads(text)
    except ValueError:
        event = None
    problem = _malformed(event)
    event_id = event.get("id") if isinstance(event, dict) and isinstance(event.get("id"), str) else None
    event_id = (event_id or "malformed-" + hashlib.sha256(payload).hexdigest())[:255]
    event_type = str(event.get("type"))[:100] if isinstance(event, dict) else "?"
    row = WebhookEvent(event_id=event_id, type=event_type, payload=text)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return "duplicate: already received"
    if problem:
        row.outcome = f"refused: {problem}"[:200]
        db.session.flush()
        log.warning("stripe event %s refused: %s", event_id, problem)
        raise BadEvent()
    handler = HANDLERS.get(event_type)
    row.outcome = (handler(event["data"]["object"]) if handler else "ignored: not an event we act on")[:200]
    db.session.flush()
    log.info("stripe event %s %s: %s", event_id, event_type, row.outcome)
    return row.outcome


def _malformed(event) -> str:
    """What is wrong with a signed event's shape, or '' (read before anything acts on it)."""
    if not isinstance(event, dict):
        return "not a JSON object"
    for name in ("id", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            return f"{name} is not a string"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "data.object is not an object"
    obj = data["object"]
    if not isinstance(obj.get("id"), str):
        return "data.object.id is not a string"
    for name in ("amount", "amount_received"):
        if name in obj and obj[name] is not None and (type(obj[name]) is not int or obj[name] < 0):
            return f"data.object.{name} is not a whole number"
    for name in ("metadata", "last_payment_error"):
        if obj.get(name) is not None and not isinstance(obj[name], dict):
            return f"data.object.{name} is not an object"
    if obj.get("status") is not None and not isinstance(obj["status"], str):
        return "data.object.status is not a string"
    return ""


def _for_intent(obj: dict) -> Payment | None:
    return db.session.scalar(sa.select(Payment).where(Payment.intent_id == obj["id"]).with_for_update()
                             .execution_options(populate_existing=True))


def _recovered(obj: dict) -> Payment | None:
    """A success for an intent we hold no row for: the app stopped between Stripe's answer and its commit. The
    intent names its subject in its metadata, so the money still finds what it paid for."""
    metadata = obj.get("metadata") or {}
    kind, subject = str(metadata.get("kind") or ""), str(metadata.get("subject_id") or "")
    if registry.payable(kind) is None or not subject.isdigit():
        return None
    channel = Channel.STRIPE_CARD if "card" in (obj.get("payment_method_types") or []) else Channel.STRIPE_PROMPTPAY
    reference = str(metadata.get("payment_reference") or "")[:24]
    payment = Payment(kind=kind, subject_id=int(subject), amount_satang=int(obj.get("amount") or 1),
                      channel=channel, intent_id=obj["id"], status=PaymentStatus.PENDING)
    if reference and by_reference(reference) is None:
        payment.reference = reference
    db.session.add(payment)
    db.session.flush()
    log.warning("payment %s for %s %s was unknown; recorded from its webhook", obj["id"], kind, subject)
    return payment


def _succeeded(obj: dict) -> str:
    payment = _for_intent(obj) or _recovered(obj)
    received = obj.get("amount_received") or obj.get("amount") or 0
    if payment is None:
        # Money for nothing we know: kept as a row of its own for coordinators, never silently.
        payment = Payment(kind=UNMATCHED, subject_id=0, amount_satang=max(int(received), 1),
                          channel=Channel.STRIPE_PROMPTPAY, intent_id=obj["id"], status=PaymentStatus.SUCCEEDED,
                          paid_at=utcnow())
        db.session.add(payment)
        _flag(payment, f"money for an unknown payment intent {obj['id']}: {received} satang")
        db.session.flush()
        return "flagged: unknown payment intent"
    if not move(payment, PaymentStatus.SUCCEEDED):
        return f"ignored: payment already {payment.status.value}"
    if received != payment.amount_satang:
        _flag(payment, f"received {received} satang, expected {payment.amount_satang}")
    return "paid; " + _succeed(payment)


def _failed(obj: dict) -> str:
    payment = _for_intent(obj)
    if payment is None:
        return "ignored: unknown payment intent"
    if not move(payment, PaymentStatus.FAILED):
        return f"ignored: payment already {payment.status.value}"
    payment.failure_message = ((obj.get("last_payment_error") or {}).get("message") or "")[:1000]
    return "failed; " + _payable(payment).failed(payment)


def _cancelled(obj: dict) -> str:
    payment = _for_intent(obj)
    if payment is None:
        return "ignored: unknown payment intent"
    if not move(payment, PaymentStatus.CANCELLED):
        return f"ignored: payment {payment.status.value}"
    return "cancelled; " + _payable(payment).cancelled(payment)


def _refund_changed(obj: dict) -> str:
    refund = db.session.scalar(sa.select(Refund).where(Refund.provider_ref == obj["id"]).with_for_update())
    if refund is None:
        return "ignored: unknown refund"
    refund.status = str(obj.get("status") or refund.status)[:32]
    if refund.status in ("failed", "canceled"):
        _flag(refund.payment, f"refund {refund.provider_ref} of {refund.amount_satang} satang {refund.status}")
    return f"refund {refund.status}"


HANDLERS = {
    "payment_intent.succeeded": _succeeded,
    "payment_intent.payment_failed": _failed,
    "payment_intent.canceled": _cancelled,
    "refund.created": _refund_changed,
    "refund.updated": _refund_changed,
    "refund.failed": _refund_changed,
    "charge.refund.updated": _refund_changed,
}


# ---------------------------------------------------------------- what coordinators sort out
@dataclass
class Reconciliation:
    unmatched: list[Payment]  # money for nothing we know
    flagged: list[Payment]  # paid twice, too late, the wrong amount, closed meanwhile
    slips_waiting: list[Payment]  # slips the seller has not confirmed in time
    refunds_due: list[Refund]  # direct refunds not yet transferred back, Stripe refunds that failed

    @property
    def count(self) -> int:
        return len(self.unmatched) + len(self.flagged) + len(self.slips_waiting) + len(self.refunds_due)


def reconciliation(now: datetime | None = None) -> Reconciliation:
    now = now or utcnow()
    flagged = list(db.session.scalars(sa.select(Payment).where(Payment.needs_attention.is_(True))
                                      .order_by(Payment.id)))
    waited = now - timedelta(hours=current_app.config["SLIP_CONFIRM_HOURS"])
    slips_waiting = list(db.session.scalars(sa.select(Payment).where(
        Payment.status == PaymentStatus.SLIP_SENT, Payment.slip_sent_at <= waited).order_by(Payment.slip_sent_at)))
    refunds_due = list(db.session.scalars(sa.select(Refund).where(Refund.status.in_(["due", "failed", "canceled"]))
                                          .order_by(Refund.id)))
    return Reconciliation([p for p in flagged if p.kind == UNMATCHED], [p for p in flagged if p.kind != UNMATCHED],
                          slips_waiting, refunds_due)


def settle(payment: Payment, acting, note: str) -> None:
    """A coordinator has sorted out a flagged payment by hand (refunded it, matched it): the note says how."""
    note = squeeze(note)
    if not note:
        raise PaymentError(_l("Say how it was sorted out: the note stays with the payment."))
    if not payment.needs_attention:
        raise PaymentError(_l("This payment needs nothing more."))
    payment.needs_attention = False
    payment.attention_note = "\n".join(filter(None, [payment.attention_note,
                                                     f"[{utcnow():%Y-%m-%d}] {acting.display_name}: {note}"]))[:4000]
    db.session.flush()


def waiting_for_seller(payee: str) -> list[Payment]:
    """A seller's direct payments with a slip to look at, oldest first."""
    return list(db.session.scalars(sa.select(Payment).where(
        Payment.payee == payee, Payment.status == PaymentStatus.SLIP_SENT).order_by(Payment.slip_sent_at)))


def refunds_due_from(payee: str) -> list[Refund]:
    return list(db.session.scalars(sa.select(Refund).join(Payment, Payment.id == Refund.payment_id).where(
        Payment.payee == payee, Refund.status == "due").order_by(Refund.id)))
