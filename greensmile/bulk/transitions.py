"""The bulk order and share status tables. Anything not in them is refused."""
from __future__ import annotations

from greensmile.bulk.errors import IllegalMove
from greensmile.bulk.models import BulkStatus, ShareStatus

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


def check_bulk_move(current: BulkStatus, target: BulkStatus) -> None:
    if target not in BULK_MOVES[current]:
        raise IllegalMove()


def check_share_move(current: ShareStatus, target: ShareStatus) -> None:
    if target not in SHARE_MOVES[current]:
        raise IllegalMove()
