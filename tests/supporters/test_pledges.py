"""Supporters' pledges: who sees the private details, deliveries moving a pledge along, and purchase guarantees
in the kitchens' demand outlook."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.bulk.outlook import outlook
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.supporters import services as support
from greensmile.supporters.models import DeliveryVia, SupportKind, SupportPledge, SupportStatus
from tests.conftest import login, post_form
from tests.factories import PASSWORD, crop
from tests.supporters.helpers import make_supporters


def _money(world, public=False, amount=5_000_000):
    return support.make_pledge(world.giver, world.foundation, support.PledgeData(
        SupportKind.MONEY, "ทุนค่าตรวจรับรองแปลง", details="โอนผ่านบัญชีมูลนิธิ เลขที่ 123-4", group_id=world.group.id,
        amount_satang=amount, public=public))


def test_a_supporter_cannot_see_another_supporters_private_pledges(client, given, app):
    with given():
        world = make_supporters()
        private = _money(world)
        public = support.make_pledge(world.councillor, world.council, support.PledgeData(
            SupportKind.TRAINING, "อบรมการทำปุ๋ยหมัก", details="งบประมาณภายใน 38,000 บาท", public=True))
    login(client, "councillor@council.example", PASSWORD)
    assert client.get(f"/support/pledges/{private.id}").status_code == 404
    listed = client.get("/support").get_data(as_text=True)
    assert "อบรมการทำปุ๋ยหมัก" in listed and "ทุนค่าตรวจรับรองแปลง" not in listed
    post_form(client, "/logout", {}, page="/")

    login(client, "giver@foundation.example", PASSWORD)
    assert "123-4" in client.get(f"/support/pledges/{private.id}").get_data(as_text=True)
    shown = client.get(f"/support/pledges/{public.id}").get_data(as_text=True)  # public: what was made public only
    assert "อบรมการทำปุ๋ยหมัก" in shown and "38,000" not in shown
    # Nor may one supporter record deliveries on another's pledge.
    page = f"/support/pledges/{public.id}"
    assert post_form(client, f"{page}/deliveries", {"delivered_on": today().isoformat(), "via": "in_kind"},
                     page=page).status_code == 403
    assert post_form(client, f"{page}/withdraw", {"reason": "ไม่เอาแล้ว"}, page=page).status_code == 403
    private_page = f"/support/pledges/{private.id}"
    post_form(client, "/logout", {}, page="/")
    login(client, "councillor@council.example", PASSWORD)
    assert post_form(client, f"{private_page}/withdraw", {"reason": "x"}, page="/support").status_code == 404
    post_form(client, "/logout", {}, page="/")
    login(client, "giver@foundation.example", PASSWORD)
    post_form(client, "/logout", {}, page="/")

    login(client, "member@example.com", PASSWORD)  # the group it backs sees it in full
    assert "123-4" in client.get(f"/support/pledges/{private.id}").get_data(as_text=True)
    post_form(client, "/logout", {}, page="/")
    login(client, "outsider@example.com", PASSWORD)
    assert client.get(f"/support/pledges/{private.id}").status_code == 404
    post_form(client, "/logout", {}, page="/")
    assert client.get(f"/support/pledges/{private.id}").status_code == 404  # anonymous
    assert "38,000" not in client.get(f"/support/pledges/{public.id}").get_data(as_text=True)


def test_deliveries_move_a_pledge_from_pledged_to_partly_delivered_to_delivered(app_ctx):
    world = make_supporters()
    pledge = _money(world)
    assert pledge.status is SupportStatus.PLEDGED
    support.record_delivery(world.giver, pledge, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER,
                                                                      amount_satang=2_000_000, reference="TRF-1"))
    assert pledge.status is SupportStatus.PARTLY_DELIVERED
    with pytest.raises(support.SupportError):  # the same transfer is not counted twice
        support.record_delivery(world.giver, pledge, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER,
                                                                          amount_satang=2_000_000, reference="TRF-1"))
    with pytest.raises(support.NotAllowed):  # nor recorded by the group or another supporter
        support.record_delivery(world.councillor, pledge, support.DeliveryData(
            today(), DeliveryVia.BANK_TRANSFER, amount_satang=3_000_000))
    support.record_delivery(world.giver, pledge, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER,
                                                                      amount_satang=3_000_000, reference="TRF-2"))
    assert pledge.status is SupportStatus.DELIVERED and support.delivered_satang(pledge) == 5_000_000
    with pytest.raises(support.SupportError):  # closed
        support.withdraw(world.giver, pledge, "เปลี่ยนใจ")

    training = support.make_pledge(world.councillor, world.council, support.PledgeData(
        SupportKind.TRAINING, "อบรม 3 ครั้ง"))
    support.record_delivery(world.councillor, training, support.DeliveryData(today(), DeliveryVia.IN_KIND,
                                                                            note="ครั้งที่ 1"))
    assert training.status is SupportStatus.PARTLY_DELIVERED
    support.withdraw(world.councillor, training, "งบประมาณถูกตัด")
    assert training.status is SupportStatus.WITHDRAWN
    with pytest.raises(support.SupportError):
        support.record_delivery(world.councillor, training, support.DeliveryData(today(), DeliveryVia.IN_KIND))


def test_bad_pledges_are_refused(app_ctx):
    world = make_supporters()
    with pytest.raises(support.NotAllowed):  # a farmer group does not pledge to itself
        support.make_pledge(world.member, world.group, support.PledgeData(SupportKind.INPUTS, "ปุ๋ย"))
    with pytest.raises(support.NotAllowed):  # one supporter does not pledge for another
        support.make_pledge(world.giver, world.council, support.PledgeData(SupportKind.INPUTS, "ปุ๋ย"))
    with pytest.raises(support.SupportError):
        support.make_pledge(world.giver, world.foundation, support.PledgeData(SupportKind.MONEY, "เงิน"))
    with pytest.raises(support.SupportError):
        support.make_pledge(world.giver, world.foundation, support.PledgeData(SupportKind.PURCHASE_GUARANTEE,
                                                                              "ซื้อผัก"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupportPledge)) == 0


def test_a_purchase_guarantee_appears_in_the_demand_outlook(app_ctx):
    world = make_supporters()
    kale = crop("คะน้า")
    monday = today() - timedelta(days=today().weekday())
    support.make_pledge(world.giver, world.foundation, support.PledgeData(
        SupportKind.PURCHASE_GUARANTEE, "ผัก 20 กก. ต่อสัปดาห์ให้โรงอาหารโรงพยาบาล", crop_id=kale.id,
        kg_per_week=Decimal("20"), starts_on=today(), ends_on=monday + timedelta(days=7 * 3 + 2)))
    view = outlook(start=today())
    (row,) = [row for row in view.rows if row.crop.id == kale.id]
    assert row.guaranteed == [Decimal("20")] * 4 + [Decimal("0")] * (len(view.weeks) - 4)
    assert row.demand == [Decimal("0")] * len(view.weeks)  # beside the orders, not added to them


def test_money_is_not_delivered_in_kind_nor_training_by_transfer(app_ctx):
    world = make_supporters()
    money = _money(world)
    with pytest.raises(support.SupportError):
        support.record_delivery(world.giver, money, support.DeliveryData(today(), DeliveryVia.IN_KIND,
                                                                         amount_satang=100))
    training = support.make_pledge(world.giver, world.foundation, support.PledgeData(SupportKind.TRAINING, "อบรม"))
    with pytest.raises(support.SupportError):
        support.record_delivery(world.giver, training, support.DeliveryData(today(), DeliveryVia.BANK_TRANSFER))
    assert money.status is SupportStatus.PLEDGED and training.status is SupportStatus.PLEDGED
