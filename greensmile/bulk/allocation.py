"""Splitting a kitchen's line across farms: a pure function, so its fairness can be tested on its own.

Max-min fairness ("water filling"): every farm that can supply gets the same share, a farm that offered less
than that share gives all it offered, and what it could not take is spread over the others. So no farm takes
everything while others can supply, no farm is asked for more than it offered, and whatever cannot be filled
is the shortfall, exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Hashable


@dataclass(frozen=True)
class Split:
    shares: dict[Hashable, Decimal]  # farm -> quantity asked of it (farms given nothing are left out)
    shortfall: Decimal  # what no farm could supply

    @property
    def allocated(self) -> Decimal:
        return sum(self.shares.values(), Decimal("0"))


def fair_split(demand: Decimal, offers: dict[Hashable, Decimal], step: Decimal = Decimal("0.01")) -> Split:
    """Share `demand` across `offers` (farm -> most it can give), in multiples of `step` (0.01 kg, 1 bunch)."""
    demand = Decimal(demand)
    if demand < 0 or step <= 0:
        raise ValueError("demand must not be negative and step must be positive")
    offers = {farm: _down(Decimal(offer), step) for farm, offer in offers.items() if offer and offer > 0}
    given = {farm: Decimal("0") for farm in offers}
    remaining = _down(demand, step)
    # Smallest offers first: each farm in turn takes the lesser of its offer and an equal part of what is left.
    order = sorted(offers, key=lambda farm: (offers[farm], str(farm)))
    for index, farm in enumerate(order):
        if remaining <= 0:
            break
        equal = _down(remaining / (len(order) - index), step)
        take = min(offers[farm], equal)
        given[farm] += take
        remaining -= take
    # Rounding down to whole steps leaves at most one step per farm; hand those out one at a time, to the farms
    # with the most room first, so the split stays as even as the steps allow.
    while remaining >= step:
        room = [farm for farm in order if offers[farm] - given[farm] >= step]
        if not room:
            break
        for farm in sorted(room, key=lambda f: (given[f], str(f))):
            if remaining < step:
                break
            given[farm] += step
            remaining -= step
    shares = {farm: quantity for farm, quantity in given.items() if quantity > 0}
    allocated = sum(shares.values(), Decimal("0"))
    return Split(shares, demand - allocated)


def _down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step
