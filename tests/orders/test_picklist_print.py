"""The pick list is printable like the other printed pages: a Print button, wired by print.js (no inline script)."""
from __future__ import annotations

from tests.conftest import login
from tests.factories import PASSWORD
from tests.orders.helpers import make_market


def test_the_pick_list_has_a_print_button(client, given):
    with given():
        market = make_market()
    login(client, "farmer@example.com", PASSWORD)
    page = client.get(f"/farm/picklist?date={market.listing.harvest_on.isoformat()}").get_data(as_text=True)
    assert "data-print" in page and "js/print.js" in page
