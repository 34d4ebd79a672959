"""After signing in, each role lands on its own desk; a safe ?next= still wins, an unsafe one falls back to the desk."""
from __future__ import annotations

import pytest

from greensmile.accounts.models import Role
from tests.conftest import login
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(("roles", "desk"), [
    ((Role.CONSUMER,), "/"),
    ((Role.FARMER,), "/farm/orders"),
    ((Role.INSPECTOR,), "/inspections"),
    ((Role.FARMER, Role.INSPECTOR), "/inspections"),
    ((Role.COMMITTEE,), "/certification/decisions"),
    ((Role.COORDINATOR,), "/certification/pipeline"),
    ((Role.BUYER,), "/bulk"),
    ((Role.SUPPORTER,), "/support"),
])
def test_each_role_lands_on_its_own_desk(client, given, roles, desk):
    with given():
        make_user(*roles, email="someone@example.com")
    response = login(client, "someone@example.com", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == desk
    assert client.get(desk).status_code == 200


def test_a_safe_next_still_wins_and_an_unsafe_one_falls_back_to_the_desk(client, given):
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
    assert login(client, "farmer@example.com", PASSWORD).headers["Location"] == "/farm/orders"
    assert client.get("/login?next=/account").headers["Location"] == "/account"  # already signed in
    assert client.get("/login?next=//evil.example/").headers["Location"] == "/farm/orders"


@pytest.mark.parametrize(("kind", "role", "desk"), [
    ("RUBBER_EXPORTER", Role.BUYER, "/rubber/lots"),  # an exporter's buyer works on lots, not kitchen orders
    ("BANK", Role.SUPPORTER, "/trees"),  # a bank officer works on the tree bank
    ("HOSPITAL_KITCHEN", Role.BUYER, "/bulk"),
])
def test_people_land_where_their_organisation_works(client, given, kind, role, desk):
    from greensmile.extensions import db
    from greensmile.network.models import Membership, OrganisationKind
    from tests.factories import make_organisation

    with given():
        person = make_user(role, email="someone@example.com")
        organisation = make_organisation(OrganisationKind[kind], name="องค์กร")
        db.session.add(Membership(organisation=organisation, user=person))
    response = login(client, "someone@example.com", PASSWORD)
    assert response.headers["Location"] == desk
    assert client.get(desk).status_code == 200
