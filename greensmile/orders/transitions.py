"""The order status machine, one table. Anything not in it is refused."""
from __future__ import annotations

from greensmile.orders.errors import IllegalTransition
from greensmile.orders.models import OrderStatus

S = OrderStatus
ORDER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.CONFIRMED: frozenset({S.READY, S.CANCELLED, S.REFUNDED}),
    S.READY: frozenset({S.COLLECTED, S.CANCELLED, S.REFUNDED}),
    S.COLLECTED: frozenset(),
    # A payment that arrives after cancelling or expiry is given back (or, for an expired order whose
    # stock is still there, the order is revived): see payments.services.
    S.CANCELLED: frozenset({S.REFUNDED}),
    S.EXPIRED: frozenset({S.CONFIRMED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
}


def check_order_move(current: OrderStatus, target: OrderStatus) -> None:
    if target not in ORDER_MOVES[current]:
        raise IllegalTransition()
