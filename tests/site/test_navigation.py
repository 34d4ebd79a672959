from greensmile.accounts.models import Role
from greensmile.navigation import items_for
from tests.factories import make_user


def endpoints(user):
    return [item.endpoint for item in items_for(user)]


def test_navigation_by_role(app_ctx):
    shop = ["site.home", "market.catalogue", "public.farms", "orders.cart"]
    assert endpoints(make_user(Role.CONSUMER)) == shop + ["orders.mine"]
    assert endpoints(make_user(Role.FARMER)) == shop + ["market.mine", "orders.incoming", "bulk_farm.shares",
                                                         "plots.index", "trees.home", "network.mine"]
    assert endpoints(make_user(Role.BUYER)) == shop + ["bulk.home", "rubber_desk.lots", "network.mine"]
    coordinator = endpoints(make_user(Role.COORDINATOR))
    assert coordinator == shop + [
        "bulk.home", "plots.index", "trees.home", "support.home", "certification.pipeline", "plots.dashboard", "accounts.users", "network.groups",
        "network.organisations", "market.points", "payments.reconcile", "notifications.outbox",
    ]
    assert "inspections.assignments" in endpoints(make_user(Role.INSPECTOR))
    assert "certification.decisions" in endpoints(make_user(Role.COMMITTEE))
    assert endpoints(make_user(Role.SUPPORTER)) == shop + ["trees.home", "support.home", "network.mine"]


def test_navigation_is_rendered_for_the_signed_in_role(client, given):
    from tests.conftest import login
    from tests.factories import PASSWORD

    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
    assert 'data-nav="accounts.users"' not in client.get("/").get_data(as_text=True)
    login(client, "coord@example.com", PASSWORD)
    body = client.get("/").get_data(as_text=True)
    assert 'data-nav="accounts.users"' in body and 'data-nav="network.groups"' in body
