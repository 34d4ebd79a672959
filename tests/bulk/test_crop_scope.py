"""A kitchen offer and a share stay inside what was certified (issue 16)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from greensmile.bulk import services as bulk
from greensmile.bulk import shares as sharing
from greensmile.bulk.errors import BulkError
from greensmile.bulk.models import ShareStatus
from greensmile.extensions import db
from greensmile.listings.models import Unit
from tests.bulk.helpers import make_kitchen, order_for
from tests.certification.helpers import grow
from tests.factories import crop


def test_a_kitchen_offer_of_a_crop_outside_the_certificate_is_refused(app_ctx):
    kitchen = make_kitchen()
    durian = crop("ทุเรียน", "Durian")
    with force_locale("en"), pytest.raises(BulkError, match="not registered on plot"):
        bulk.save_capacity(kitchen.farmer_a, None, bulk.CapacityData(kitchen.plot_a.id, durian.id, Unit.KG,
                                                                     Decimal("20"), 9000))
    grow(kitchen.plot_a, "ทุเรียน")  # registered now, but after the plot's inspection
    with force_locale("en"), pytest.raises(BulkError, match="not yet inspected"):
        bulk.save_capacity(kitchen.farmer_a, None, bulk.CapacityData(kitchen.plot_a.id, durian.id, Unit.KG,
                                                                     Decimal("20"), 9000))
    # A plot never decided on may state a registered crop ahead of certification (it is not asked until then).
    grow(kitchen.plot_c, "ทุเรียน")
    bulk.save_capacity(kitchen.farmer_c, None, bulk.CapacityData(kitchen.plot_c.id, durian.id, Unit.KG,
                                                                 Decimal("20"), 9000))


def test_a_share_of_a_crop_outside_the_certificate_is_neither_asked_nor_confirmed(app_ctx):
    kitchen = make_kitchen(a="40", b="40")  # each farm asked for 30, each with 10 more to give
    order = order_for(kitchen, "60")
    sharing.propose(kitchen.coordinator, order)
    share_a = next(s for s in order.lines[0].shares if s.farmer_id == kitchen.farmer_a.id)
    kitchen.plot_a.crops = [crop("พริก")]  # farm A stopped growing morning glory after the request was sent
    db.session.flush()
    with force_locale("en"), pytest.raises(BulkError, match="not registered on plot"):
        sharing.confirm_share(kitchen.farmer_a, share_a)
    assert share_a.status is ShareStatus.PROPOSED
    offered = {offer.capacity.plot_id for offer in sharing.offers_for(order.lines[0])}
    assert kitchen.plot_a.id not in offered and kitchen.plot_b.id in offered
    with pytest.raises(BulkError):  # nor can the coordinator ask farm A for more of it
        sharing.ask(kitchen.coordinator, order.lines[0], kitchen.capacities["a"].id, Decimal("5"))
