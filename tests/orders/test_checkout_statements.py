"""A checkout's statements: the cart read once (the page's read serves the order too), stock reserved with one
conditional UPDATE per listing, and nothing but a line's reservation and row growing with the basket."""
from __future__ import annotations

from decimal import Decimal

from greensmile.listings import services as listings
from tests.conftest import login, post_form
from tests.factories import PASSWORD
from tests.orders.helpers import listing_data, make_market
from tests.public.test_public_pages import counting_queries

SKIPPED = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def _checkout(client, app, listing_ids, farmer_id, stall_id) -> list[str]:
    for listing_id in listing_ids:
        post_form(client, f"/cart/add/{listing_id}", {"quantity": "1"}, page=f"/market/{listing_id}")
    page = "/cart"
    from tests.conftest import form_keys

    keys = form_keys(client, page)
    with counting_queries(app) as statements:
        placed = client.post("/checkout", data={**keys, f"pickup_{farmer_id}": str(stall_id),
                                                "payment_method": "cash"})
    assert placed.status_code == 302 and placed.location.startswith("/orders")
    return [s for s in statements if not s.startswith(SKIPPED)]


def test_a_checkout_runs_few_statements_however_many_lines(client, given, app):
    with given():
        market = make_market(quantity=Decimal("50"))
        more = [listings.create_listing(market.farmer, listing_data(
            market.cycle.plot.id, [market.stall.id], title=f"ผักรายการ {n}", quantity=Decimal("50"))).id
            for n in range(3)]
        ids = {"listing": market.listing.id, "farmer": market.farmer.id, "stall": market.stall.id, "more": more}
    login(client, "buyer@example.com", PASSWORD)
    one = _checkout(client, app, [ids["listing"]], ids["farmer"], ids["stall"])
    four = _checkout(client, app, [ids["listing"], *ids["more"]], ids["farmer"], ids["stall"])
    carts = [s for s in one if s.startswith("SELECT listings.id, listings.plot_id")]
    assert len(carts) == 1  # the page's read of the cart serves the order too
    reserves = [s for s in four if s.startswith("UPDATE listings SET quantity_reserved")]
    assert len(reserves) == 4  # one conditional UPDATE per listing
    # Each more line costs its reservation and its row; nothing else grows with the basket.
    assert len(four) - len(one) <= 2 * 3, (len(one), len(four))
    # 29 on SQLite: the session (3), an expiry sweep, the cart and what may be sold from it (9), the PromptPay IDs once,
    # the form's key (2), the checkout, order, history and line, the reservation, two notices (3 each: the channel,
    # the row, its job) and the plot's snapshot (2).
    assert len(one) <= 29, one
