"""The fair split on its own: never more than offered, fills what can be filled, spreads, exact shortfall."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest

from greensmile.bulk.allocation import fair_split

D = Decimal


def test_spread_across_farms_instead_of_one_taking_everything():
    split = fair_split(D("60"), {"a": D("40"), "b": D("40"), "c": D("5")})
    assert split.shares == {"a": D("27.5"), "b": D("27.5"), "c": D("5")} and split.shortfall == 0


def test_what_cannot_be_filled_is_the_exact_shortfall():
    split = fair_split(D("100"), {"a": D("40"), "b": D("30")})
    assert split.shares == {"a": D("40"), "b": D("30")} and split.shortfall == D("30")


def test_counted_units_are_split_in_whole_steps():
    split = fair_split(D("10"), {"a": D("40"), "b": D("30"), "c": D("30")}, step=D("1"))
    assert sorted(split.shares.values()) == [D("3"), D("3"), D("4")] and split.shortfall == 0


def test_no_offers_means_everything_is_short():
    assert fair_split(D("7"), {}).shares == {} and fair_split(D("7"), {"a": D("0")}).shortfall == D("7")


def test_refuses_nonsense():
    with pytest.raises(ValueError):
        fair_split(D("-1"), {"a": D("1")})


@pytest.mark.parametrize("seed", range(200))
def test_properties_hold_for_random_offers(seed):
    rng = random.Random(seed)
    step = rng.choice([D("1"), D("0.01")])
    offers = {f"farm{n}": D(rng.randint(0, 5000)) * step for n in range(rng.randint(1, 7))}
    demand = D(rng.randint(0, 12000)) * step
    split = fair_split(demand, offers, step)
    assert all(split.shares[farm] <= offers[farm] for farm in split.shares)  # never more than offered
    assert all(quantity % step == 0 and quantity > 0 for quantity in split.shares.values())
    total_offered = sum(offers.values(), D(0))
    assert split.allocated == min(demand, total_offered)  # fills what can be filled
    assert split.shortfall == demand - split.allocated == max(D(0), demand - total_offered)
    # Fair: a farm given less than another was given all it offered (up to one step of rounding).
    for farm, quantity in split.shares.items():
        for other, other_quantity in split.shares.items():
            if other_quantity > quantity + step:
                assert quantity == offers[farm]
    # Spread: when two or more farms can each supply and the demand is at least two steps, nobody takes it all.
    able = [farm for farm, offer in offers.items() if offer >= step]
    if len(able) >= 2 and demand >= 2 * step:
        assert len(split.shares) >= 2
