"""Builders for test data, through the same services the app uses."""
from __future__ import annotations

import itertools

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User
from greensmile.network import services as network
from greensmile.network.models import Organisation, OrganisationKind

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_user(*roles: Role, email: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_sequence)
    return accounts.create_user(
        email=email or f"person{n}@example.com",
        display_name=fields.pop("display_name", f"ทดสอบ คนที่{n}"),
        password=password,
        roles=roles or (Role.CONSUMER,),
        **fields,
    )


def make_organisation(kind: OrganisationKind = OrganisationKind.PGS_GROUP, **fields) -> Organisation:
    n = next(_sequence)
    return network.save_organisation(
        None,
        name=fields.pop("name", f"กลุ่มทดสอบ {n}"),
        name_en=fields.pop("name_en", None),
        kind=kind,
        district_id=fields.pop("district_id", None),
        **fields,
    )
