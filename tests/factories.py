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


def district(code: str = "9011", name_th: str = "หาดใหญ่", name_en: str = "Hat Yai"):
    """A district row (the suite's database starts without the demo districts)."""
    import sqlalchemy as sa

    from greensmile.extensions import db
    from greensmile.places.models import District

    found = db.session.scalar(sa.select(District).where(District.code == code))
    if found is None:
        found = District(code=code, province_th="สงขลา", province_en="Songkhla", name_th=name_th, name_en=name_en)
        db.session.add(found)
        db.session.flush()
    return found


def crop(name_th: str, name_en: str = ""):
    import sqlalchemy as sa

    from greensmile.extensions import db
    from greensmile.plots.models import Crop

    found = db.session.scalar(sa.select(Crop).where(Crop.name_th == name_th))
    if found is None:
        found = Crop(name_th=name_th, name_en=name_en or name_th)
        db.session.add(found)
        db.session.flush()
    return found


def make_plot(owner: User, group: Organisation | None = None, **fields):
    from decimal import Decimal

    from greensmile.plots import services as plots
    from greensmile.plots.models import PlotType

    crops = fields.pop("crops", ["ผักบุ้ง"])
    data = plots.PlotData(
        district_id=fields.pop("district_id", None) or district().id,
        area_m2=fields.pop("area_m2", Decimal("1600")),
        plot_type=fields.pop("plot_type", PlotType.VEGETABLES),
        group_id=group.id if group else None,
        crop_ids=[crop(name).id for name in crops],
        **fields,
    )
    return plots.create_plot(owner, owner, data)


def add_member(group: Organisation, user: User, acting: User | None = None):
    from greensmile.network.models import Position

    return network.add_member(group, user.email, Position.MEMBER, acting=acting or user)
