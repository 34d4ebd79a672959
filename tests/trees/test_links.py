"""No dead ends in the tree bank: the group's manager, the coordinator and the bank officer reach a plot's trees and a
tree's page by following links, not by typing addresses."""
from __future__ import annotations

import re

from greensmile.accounts.models import Role
from greensmile.network import services as network
from greensmile.network.models import Position
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.trees.helpers import make_tree_bank


def _hrefs(page: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', page)]


def _follow(client, page: str, pattern: str) -> str:
    """Open `page`, find the one link matching `pattern`, open it; the target's HTML."""
    body = client.get(page).get_data(as_text=True)
    (href,) = {h for h in _hrefs(body) if re.fullmatch(pattern, h)}
    response = client.get(href)
    assert response.status_code == 200, href
    return response.get_data(as_text=True)


def test_the_bank_officer_reaches_a_tree_from_the_register_by_a_link(client, given):
    with given():
        world = make_tree_bank()
        tree_id = world.trees[0].id
    login(client, "officer@bank.example", PASSWORD)
    register = f"/trees/farmers/{world.farmer.id}/register"
    assert register in _hrefs(client.get("/trees").get_data(as_text=True))
    tree_page = _follow(client, register, f"/trees/{tree_id}")
    assert "T-001" in tree_page


def test_the_tree_bank_manager_reaches_a_members_trees_from_the_desk_and_the_group_page(client, given):
    with given():
        world = make_tree_bank()
        make_user(Role.FARMER, email="manager@example.com")
        network.add_member(world.group, "manager@example.com", Position.MANAGER, world.coordinator)
        make_user(Role.FARMER, email="member@example.com")
        network.add_member(world.group, "member@example.com", Position.MEMBER, world.coordinator)
    trees = f"/trees/plots/{world.plot.code}"
    login(client, "manager@example.com", PASSWORD)
    assert "T-001" in _follow(client, "/trees", trees)
    assert "T-001" in _follow(client, f"/network/{world.group.id}", trees)
    post_form(client, "/logout", {}, page="/")

    # A plain member sees the group but not the others' trees, so no link is offered.
    login(client, "member@example.com", PASSWORD)
    assert trees not in _hrefs(client.get(f"/network/{world.group.id}").get_data(as_text=True))
    assert trees not in _hrefs(client.get("/trees").get_data(as_text=True))


def test_the_coordinator_reaches_a_plots_trees_from_the_plot_page_and_the_group_page(client, given):
    with given():
        world = make_tree_bank()
    trees = f"/trees/plots/{world.plot.code}"
    login(client, "coordinator@example.com", PASSWORD)
    assert "T-001" in _follow(client, f"/plots/{world.plot.code}", trees)
    assert "T-001" in _follow(client, f"/network/{world.group.id}", trees)
