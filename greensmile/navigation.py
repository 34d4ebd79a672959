"""The navigation bar: one table of links, each shown to the roles it serves."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role
from greensmile.extensions import db

EVERYONE = "everyone"
SIGNED_IN = "signed_in"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when rendered
    audience: str | frozenset[Role] = EVERYONE


NAV_ITEMS: list[NavItem] = [
    NavItem("site.home", _l("Home")),
    NavItem("market.catalogue", _l("Shop")),
    NavItem("public.farms", _l("Farms")),
    NavItem("orders.cart", _l("Cart")),
    NavItem("orders.mine", _l("My orders"), frozenset({Role.CONSUMER})),
    NavItem("market.mine", _l("My listings"), frozenset({Role.FARMER})),
    NavItem("orders.incoming", _l("Orders to fill"), frozenset({Role.FARMER})),
    NavItem("bulk_farm.shares", _l("Kitchen orders"), frozenset({Role.FARMER})),
    NavItem("bulk.home", _l("Kitchen orders"), frozenset({Role.BUYER, Role.COORDINATOR})),
    NavItem("rubber_desk.lots", _l("Rubber lots"), frozenset({Role.BUYER})),
    NavItem("plots.index", _l("My plots"), frozenset({Role.FARMER})),
    NavItem("plots.index", _l("Plots"), frozenset({Role.INSPECTOR, Role.COMMITTEE, Role.COORDINATOR})),
    NavItem("trees.home", _l("Tree bank"), frozenset({Role.FARMER, Role.SUPPORTER, Role.COORDINATOR})),
    NavItem("support.home", _l("Support pledges"), frozenset({Role.SUPPORTER, Role.COORDINATOR})),
    NavItem("inspections.assignments", _l("Inspections"), frozenset({Role.INSPECTOR})),
    NavItem("certification.decisions", _l("Decisions"), frozenset({Role.COMMITTEE})),
    NavItem("certification.pipeline", _l("Certification"), frozenset({Role.COORDINATOR})),
    NavItem("plots.dashboard", _l("Supply"), frozenset({Role.COORDINATOR})),
    NavItem("network.mine", _l("My groups"), frozenset({Role.FARMER, Role.INSPECTOR, Role.COMMITTEE})),
    NavItem("network.mine", _l("My organisation"), frozenset({Role.BUYER, Role.SUPPORTER})),
    NavItem("accounts.users", _l("Accounts"), frozenset({Role.COORDINATOR})),
    NavItem("network.groups", _l("Farmer groups"), frozenset({Role.COORDINATOR})),
    NavItem("network.organisations", _l("Organisations"), frozenset({Role.COORDINATOR})),
    NavItem("market.points", _l("Pickup points"), frozenset({Role.COORDINATOR})),
    NavItem("payments.reconcile", _l("Payments to sort out"), frozenset({Role.COORDINATOR})),
    NavItem("notifications.outbox", _l("Outbox"), frozenset({Role.COORDINATOR})),
]


# Where each role's work starts, the first role the account holds winning: a signed-in person lands on their desk.
DESKS: list[tuple[Role, str]] = [
    (Role.COORDINATOR, "certification.pipeline"),
    (Role.COMMITTEE, "certification.decisions"),
    (Role.INSPECTOR, "inspections.assignments"),
    (Role.FARMER, "orders.incoming"),
    (Role.BUYER, "bulk.home"),
    (Role.SUPPORTER, "support.home"),
]


def desk_for(user) -> str:
    """The endpoint of the page a person's work starts on (a consumer's: the home page). A buyer who buys only for a
    rubber exporter starts on its lots, a supporter from a bank on the tree bank: their work is there."""
    roles = user.role_set
    endpoint = next((endpoint for role, endpoint in DESKS if role in roles), "site.home")
    if endpoint in ("bulk.home", "support.home"):
        from greensmile.network.models import Membership, Organisation, OrganisationKind

        kinds = set(db.session.scalars(sa.select(Organisation.kind).join(
            Membership, Membership.organisation_id == Organisation.id).where(Membership.user_id == user.id)))
        if endpoint == "bulk.home" and kinds and kinds <= {OrganisationKind.RUBBER_EXPORTER}:
            return "rubber_desk.lots"
        if endpoint == "support.home" and OrganisationKind.BANK in kinds:
            return "trees.home"
    return endpoint


def items_for(user) -> list[NavItem]:
    """The links this user may follow, each endpoint once, in table order."""
    signed_in = bool(user and user.is_authenticated)
    roles = user.role_set if signed_in else frozenset()
    seen, items = set(), []
    for item in NAV_ITEMS:
        if item.audience == EVERYONE:
            visible = True
        elif item.audience == SIGNED_IN:
            visible = signed_in
        elif item.audience == ANONYMOUS:
            visible = not signed_in
        else:
            visible = bool(roles & item.audience)
        if visible and item.endpoint not in seen:
            seen.add(item.endpoint)
            items.append(item)
    return items
