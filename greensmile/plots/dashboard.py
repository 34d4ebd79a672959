"""The supply dashboard: what is grown where, in how many plots and how much land."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.places.models import District
from greensmile.plots.models import M2_PER_RAI, Crop, Plot, PlotType, plot_crops


@dataclass(frozen=True)
class Line:
    label: object
    plots: int
    area_rai: Decimal
    farmers: int


def _rai(m2) -> Decimal:
    return (Decimal(m2 or 0) / M2_PER_RAI).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def totals() -> dict[str, object]:
    plots, area, farmers = db.session.execute(
        sa.select(sa.func.count(Plot.id), sa.func.sum(Plot.area_m2), sa.func.count(sa.distinct(Plot.owner_id)))
    ).one()
    groups = db.session.scalar(sa.select(sa.func.count(sa.distinct(Plot.group_id))))
    return {"plots": plots, "area_rai": _rai(area), "farmers": farmers, "groups": groups}


def _lines(label_columns, group_by, join=None) -> list[tuple]:
    stmt = sa.select(
        *label_columns,
        sa.func.count(Plot.id),
        sa.func.sum(Plot.area_m2),
        sa.func.count(sa.distinct(Plot.owner_id)),
    ).select_from(Plot)
    if join is not None:
        stmt = join(stmt)
    return list(db.session.execute(stmt.group_by(*group_by).order_by(sa.func.count(Plot.id).desc())))


def by_district() -> list[Line]:
    rows = _lines([District.id], [District.id], lambda s: s.join(District, District.id == Plot.district_id))
    districts = {d.id: d for d in db.session.scalars(sa.select(District))}
    return [Line(districts[row[0]], row[1], _rai(row[2]), row[3]) for row in rows]


def by_crop() -> list[Line]:
    rows = _lines(
        [Crop.id], [Crop.id],
        lambda s: s.join(plot_crops, plot_crops.c.plot_id == Plot.id).join(Crop, Crop.id == plot_crops.c.crop_id),
    )
    crops = {c.id: c for c in db.session.scalars(sa.select(Crop))}
    return [Line(crops[row[0]], row[1], _rai(row[2]), row[3]) for row in rows]


def by_plot_type() -> list[Line]:
    rows = _lines([Plot.plot_type], [Plot.plot_type])
    return [Line(PlotType(row[0]) if not isinstance(row[0], PlotType) else row[0], row[1], _rai(row[2]), row[3])
            for row in rows]


@dataclass(frozen=True)
class Grower:
    farmer: User
    group: Organisation | None
    plot: Plot
    area_rai: Decimal


def who_grows(crop_id: int, district_id: int | None) -> list[Grower]:
    """Every plot growing the crop (in the district), with its farmer and group: who to call."""
    stmt = (
        sa.select(Plot)
        .join(plot_crops, plot_crops.c.plot_id == Plot.id)
        .where(plot_crops.c.crop_id == crop_id)
        .options(sa.orm.joinedload(Plot.owner), sa.orm.joinedload(Plot.group), sa.orm.joinedload(Plot.district))
        .order_by(Plot.district_id, Plot.subdistrict, Plot.village, Plot.code)
    )
    if district_id:
        stmt = stmt.where(Plot.district_id == district_id)
    return [Grower(plot.owner, plot.group, plot, _rai(plot.area_m2)) for plot in db.session.scalars(stmt)]
