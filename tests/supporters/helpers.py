"""Two supporters (a foundation and a local government), a farmer group with a member, and a coordinator."""
from __future__ import annotations

from dataclasses import dataclass

from greensmile.accounts.models import Role, User
from greensmile.network import services as network
from greensmile.network.models import Organisation, OrganisationKind, Position
from tests.factories import make_organisation, make_user


@dataclass
class Supporters:
    coordinator: User
    foundation: Organisation
    giver: User
    council: Organisation
    councillor: User
    group: Organisation
    member: User
    outsider: User


def make_supporters() -> Supporters:
    coordinator = make_user(Role.COORDINATOR, email="coordinator@example.com")
    foundation = make_organisation(OrganisationKind.FOUNDATION, name="มูลนิธิทดสอบ")
    council = make_organisation(OrganisationKind.LOCAL_GOVERNMENT, name="อบต.ทดสอบ")
    group = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่มผักทดสอบ")
    giver = make_user(Role.SUPPORTER, email="giver@foundation.example")
    councillor = make_user(Role.SUPPORTER, email="councillor@council.example")
    member = make_user(Role.FARMER, email="member@example.com")
    outsider = make_user(Role.FARMER, email="outsider@example.com")
    network.add_member(foundation, giver.email, Position.MEMBER, coordinator)
    network.add_member(council, councillor.email, Position.MEMBER, coordinator)
    network.add_member(group, member.email, Position.MEMBER, coordinator)
    return Supporters(coordinator, foundation, giver, council, councillor, group, member, outsider)
