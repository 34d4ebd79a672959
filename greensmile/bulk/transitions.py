"""The bulk order and share status tables. Anything not in them is refused."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from greensmile.bulk.errors import IllegalMove
from greensmile.bulk.models import BulkStatus, InvoiceStatus, ShareStatus, StandingStatus

B = BulkStatus
BULK_MOVES: dict[BulkStatus, frozenset[BulkStatus]] = {
    B.OPEN: frozenset({B.ALLOCATING, B.SKIPPED, B.CANCELLED}),
    # Back to OPEN when every share was declined or withdrawn and nothing is asked of any farm.
    B.ALLOCATING: frozenset({B.OPEN, B.CONFIRMED, B.DELIVERED, B.CANCELLED}),  # delivered: all weighed in
    # The kitchen records the delivery; a share the coordinator adds later re-opens confirmation.
    B.CONFIRMED: frozenset({B.ALLOCATING, B.DELIVERED, B.CANCELLED}),
    B.DELIVERED: frozenset(),
    B.SKIPPED: frozenset({B.OPEN}),  # the buyer changes their mind about skipping the week
    B.CANCELLED: frozenset(),
}

S = ShareStatus
SHARE_MOVES: dict[ShareStatus, frozenset[ShareStatus]] = {
    S.PROPOSED: frozenset({S.CONFIRMED, S.DECLINED, S.WITHDRAWN}),
    S.CONFIRMED: frozenset({S.RECEIVED, S.REJECTED, S.WITHDRAWN}),  # withdrawn only if the order is cancelled
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.RECEIVED: frozenset(),
    S.REJECTED: frozenset(),
}


INVOICE_MOVES: dict[InvoiceStatus, frozenset[InvoiceStatus]] = {
    InvoiceStatus.ISSUED: frozenset({InvoiceStatus.PAID}),
    InvoiceStatus.PAID: frozenset(),
}

STANDING_MOVES: dict[StandingStatus, frozenset[StandingStatus]] = {
    StandingStatus.ACTIVE: frozenset({StandingStatus.ENDED}),
    StandingStatus.ENDED: frozenset(),
}


def check_invoice_move(current: InvoiceStatus, target: InvoiceStatus) -> None:
    if target not in INVOICE_MOVES[current]:
        raise IllegalMove(_l("This invoice is paid already."))


def check_standing_move(current: StandingStatus, target: StandingStatus) -> None:
    if target not in STANDING_MOVES[current]:
        raise IllegalMove()


def check_bulk_move(current: BulkStatus, target: BulkStatus) -> None:
    if target not in BULK_MOVES[current]:
        raise IllegalMove()


def check_share_move(current: ShareStatus, target: ShareStatus) -> None:
    if target not in SHARE_MOVES[current]:
        raise IllegalMove()
