"""The market's filter offers only crops on sale; the cart's remove button (quantity 0) takes a line out."""
from __future__ import annotations

import re

from tests.conftest import post_form
from tests.factories import crop
from tests.orders.helpers import make_market


def _crop_options(page: str) -> set[str]:
    select = re.search(r'<select[^>]*name="crop".*?</select>', page, re.S).group(0)
    return set(re.findall(r">([^<]+)</option>", select))


def test_the_crop_filter_offers_only_crops_on_sale(client, given):
    with given():
        make_market(crops=("ผักบุ้ง", "คะน้า"))  # the plot grows both; only ผักบุ้ง is listed
        crop("ทุเรียน", "Durian")
    options = _crop_options(client.get("/market").get_data(as_text=True))
    assert "ผักบุ้ง" in options
    assert "คะน้า" not in options and "ทุเรียน" not in options


def test_the_cart_remove_button_takes_the_line_out(client, given):
    with given():
        market = make_market()
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "2"}, page=f"/market/{market.listing.id}")
    page = client.get("/cart").get_data(as_text=True)
    assert 'class="remove-form"' in page and 'name="quantity" value="0"' in page
    post_form(client, "/cart", {"listing_id": str(market.listing.id), "quantity": "0"}, page="/cart")
    assert "ผักบุ้งอินทรีย์" not in client.get("/cart").get_data(as_text=True)
