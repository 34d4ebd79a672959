"""A listing stays inside what was certified (issue 16): only a crop registered on the plot and covered by its
certificate, never one added since the inspection."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.errors import OutsideScope
from greensmile.listings.models import ListingStatus
from tests.certification.helpers import certified, grow, make_cycle
from tests.factories import crop
from tests.orders.helpers import listing_data, make_market, stall


def test_a_crop_the_plot_does_not_grow_cannot_be_listed(app_ctx):
    cycle = make_cycle(crops=("คะน้า", "ผักบุ้ง", "พริก"))
    certified(cycle)
    point = stall(cycle.coordinator)
    durian = crop("ทุเรียน", "Durian")
    with force_locale("en"), pytest.raises(OutsideScope, match="not registered on plot"):
        listings.create_listing(cycle.farmer, listing_data(cycle.plot.id, [point.id], crop_id=durian.id,
                                                           title="ทุเรียนอินทรีย์"))
    chilli = listings.create_listing(cycle.farmer, listing_data(cycle.plot.id, [point.id], crop_id=crop("พริก").id))
    assert listings.labels_for([chilli]) == {chilli.id: listings.ORGANIC}


def test_a_crop_added_after_certification_cannot_be_sold_as_certified(app_ctx):
    market = make_market()
    grow(market.cycle.plot, "ทุเรียน")
    durian = crop("ทุเรียน")
    with force_locale("en"), pytest.raises(OutsideScope, match="not yet inspected"):
        listings.create_listing(market.farmer, listing_data(market.cycle.plot.id, [market.stall.id],
                                                            crop_id=durian.id))
    # Nor by changing an existing listing's crop to it.
    with pytest.raises(OutsideScope):
        listings.update_listing(market.listing, market.farmer, listing_data(
            market.cycle.plot.id, [market.stall.id], crop_id=durian.id,
            harvest_on=date.today() + timedelta(days=4)))


def test_a_listing_whose_crop_left_the_plot_loses_its_label_and_is_not_put_back_on_sale(app_ctx):
    market = make_market()  # morning glory, certified
    listing = market.listing
    listings.withdraw(listing, market.farmer)
    plot = market.cycle.plot
    plot.crops = [crop("พริก")]  # the farmer stopped growing morning glory
    db.session.flush()
    assert listings.labels_for([listing]) == {listing.id: ""}  # never shown as certified organic
    with pytest.raises(OutsideScope):
        listings.put_back_on_sale(listing, market.farmer)
    assert listing.status is ListingStatus.WITHDRAWN


def test_a_listing_on_sale_whose_crop_leaves_the_plot_leaves_the_market_and_the_checkout(app_ctx):
    import sqlalchemy as sa

    from greensmile.listings.models import Listing
    from greensmile.orders import services as orders
    from greensmile.orders.errors import SoldOut
    from greensmile.orders.models import PaymentMethod

    market = make_market()  # morning glory, certified, on sale
    listing = market.listing

    def selling() -> list[int]:
        return list(db.session.scalars(sa.select(Listing.id).where(listings.on_sale())))

    assert selling() == [listing.id]
    market.cycle.plot.crops = [crop("พริก")]  # still active, never withdrawn: the crop left the plot
    db.session.flush()
    assert selling() == []
    with pytest.raises(SoldOut):  # a cart that still holds it cannot be checked out
        orders.place_order(market.consumer, {listing.id: listing.quantity / 10},
                           {market.farmer.id: orders.PickupChoice(market.stall.id)}, PaymentMethod.CASH)


def test_the_listing_and_capacity_forms_offer_only_crops_the_certificate_covers(client, given):
    import re

    from tests.conftest import login
    from tests.factories import PASSWORD

    with given():
        cycle = make_cycle(crops=("คะน้า",))
        certified(cycle)
        grow(cycle.plot, "ทุเรียน")  # not yet inspected
        crop("มะม่วง")  # in the catalogue, not on the plot
    login(client, "farmer@example.com", PASSWORD)
    for page in ("/farm/listings/new", "/farm/capacity/new"):
        html = client.get(page).get_data(as_text=True)
        select = re.search(r'<select[^>]*name="crop_id".*?</select>', html, re.S).group(0)
        assert "คะน้า" in select and "ทุเรียน" not in select and "มะม่วง" not in select, page
