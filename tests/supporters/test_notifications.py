"""A pledge delivered is told to the supporting organisation's other members and to whoever receives it (the group's
managers, or the plot's farmer), never to the person who recorded it, nobody else, and not at all when refused."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network import services as network
from greensmile.network.models import Position
from greensmile.notifications.models import Notification
from greensmile.supporters import services as support
from greensmile.supporters.models import DeliveryVia, SupportKind
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_plot, make_user
from tests.supporters.helpers import make_supporters


def _told(user: User | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == "pledge.delivered").order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(db.session.scalars(query))


def _with_colleague_and_manager(world):
    colleague = make_user(Role.SUPPORTER, email="colleague@foundation.example")
    network.add_member(world.foundation, colleague.email, Position.MEMBER, world.coordinator)
    manager = make_user(Role.FARMER, email="manager@example.com")
    network.add_member(world.group, manager.email, Position.MANAGER, world.coordinator)
    return colleague, manager


def test_a_delivery_recorded_on_the_page_is_told_to_the_colleagues_and_the_groups_managers(client, given, app):
    with given():
        world = make_supporters()
        colleague, manager = _with_colleague_and_manager(world)
        pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
            SupportKind.TRAINING, "อบรมการทำปุ๋ยหมัก", group_id=world.group.id))
    login(client, "giver@foundation.example", PASSWORD)
    page = f"/support/pledges/{pledge.id}"
    # A date in the future: refused, and nobody hears of it.
    post_form(client, f"{page}/deliveries", {"delivered_on": "2999-01-01", "via": "in_kind"}, page=page)
    with app.app_context():
        assert _told() == []
    assert post_form(client, f"{page}/deliveries", {"delivered_on": today().isoformat(), "via": "in_kind",
                                                    "note": "อบรม 1 วัน 20 คน", "completes": "y"},
                     page=page).status_code == 302
    with app.app_context():
        told = {n.user_id: n for n in _told()}
        assert set(told) == {colleague.id, manager.id}  # not the giver who recorded it, nor a plain member
        assert all("อบรมการทำปุ๋ยหมัก" in n.title and n.url.endswith(page) for n in told.values())
        assert "อบรม 1 วัน 20 คน" in told[manager.id].body
        assert world.foundation.name in told[manager.id].title


def test_money_arriving_by_itself_is_told_to_every_member_and_the_plots_farmer(app_ctx):
    world = make_supporters()
    colleague, _manager = _with_colleague_and_manager(world)
    farmer = make_user(Role.FARMER, email="plot-owner@example.com")
    plot = make_plot(farmer)
    pledge = support.make_pledge(world.giver, world.foundation, support.PledgeData(
        SupportKind.MONEY, "ค่าตรวจรับรองแปลง", plot_id=plot.id, amount_satang=500_000))
    # As the payments core does when a PromptPay payment through Stripe arrives: nobody acting.
    support.record_delivery(None, pledge, support.DeliveryData(today(), DeliveryVia.STRIPE, amount_satang=200_000,
                                                               reference="pi_test_1"))
    told = {n.user_id: n for n in _told()}
    assert set(told) == {world.giver.id, colleague.id, farmer.id}
    assert "2,000" in told[farmer.id].body or "2000" in told[farmer.id].body
    assert _told(world.councillor) == [] and _told(world.outsider) == [] and _told(world.member) == []
    with pytest.raises(support.SupportError):  # the same payment again: refused, told to nobody
        support.record_delivery(None, pledge, support.DeliveryData(today(), DeliveryVia.STRIPE,
                                                                   amount_satang=200_000, reference="pi_test_1"))
    assert len(_told()) == 3
