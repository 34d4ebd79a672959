"""What can be paid for, filled by the domains that own it at start-up; the payments core calls nothing else.

A checkout, an order paid straight to its farmer, a kitchen's invoice, a supporter's pledge: each registers a
Payable under its kind. The core moves a payment through its one table of moves and then tells the Payable,
inside the same transaction, so a paid order and its payment commit together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from greensmile.payments.models import Payment


def _nothing(payment: Payment) -> str:
    return "nothing to do"


def _nobody(user, payment: Payment) -> bool:
    return False


@dataclass(frozen=True)
class Payable:
    kind: str
    # The money arrived. Returns what was done, for the payment's record; flags the payment itself when the money
    # can no longer be used as meant (paid twice, too late).
    paid: Callable[[Payment], str]
    # The payer's attempt failed, or the payment was called off before money moved.
    failed: Callable[[Payment], str] = _nothing
    cancelled: Callable[[Payment], str] = _nothing
    # A slip was sent (direct PromptPay): what is paid for should wait for the seller, not lapse meanwhile.
    slip_sent: Callable[[Payment], str] = _nothing
    # Who may see the payment's page; who pays it (sends its slip, says a refund arrived); who confirms that the
    # money arrived (the seller, who alone sees their own account). Never the same person for one payment.
    may_view: Callable[[object, Payment], bool] = _nobody
    may_pay: Callable[[object, Payment], bool] = _nobody
    may_confirm: Callable[[object, Payment], bool] = _nobody
    # Whether what it pays for still wants the money (an order cancelled or lapsed does not; a slip for money
    # already sent is still taken, and the money goes back or revives it).
    wanted: Callable[[Payment], bool] = lambda payment: True
    # Whether the payer may call off a direct QR code they have not paid (to pay another amount or another way).
    payer_may_cancel: bool = False
    # What the payment is for, in a few words for people, and the page it belongs to.
    title: Callable[[Payment], str] = lambda payment: payment.reference
    back_url: Callable[[Payment], str] = lambda payment: "/"


_PAYABLES: dict[str, Payable] = {}


def register(payable: Payable) -> None:
    """Called once per kind at start-up (again for each app a test builds: the newest wins)."""
    _PAYABLES[payable.kind] = payable


def payable(kind: str) -> Payable | None:
    return _PAYABLES.get(kind)


def kinds() -> list[str]:
    return sorted(_PAYABLES)
