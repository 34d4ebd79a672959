"""Rubber plots and their harvests: details, dry rubber from each record, and the yearly ceiling per rai."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification import charter
from greensmile.certification.conflicts import manages_group_of
from greensmile.certification.models import Application, Certification, Decision, Standard
from greensmile.certification.services import today
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.i18n import format_quantity_for
from greensmile.plots.models import M2_PER_RAI, Plot, PlotType
from greensmile.rubber.errors import NotAllowed, OverCeiling, RubberError
from greensmile.rubber.models import Harvest, RubberProduct, RubberProfile

MAX_WEIGHT_KG = Decimal("100000")


def may_record_for(user: User, plot: Plot) -> bool:
    """The plot's farmer, its group's manager, or a coordinator."""
    if user.id == plot.owner_id or user.has_role(Role.COORDINATOR):
        return True
    return manages_group_of(user, plot)


# ---------------------------------------------------------------- the plot's details
@dataclass
class ProfileData:
    planting_year: int
    clone: str
    tapped_trees: int = 0
    tapping_system: str = ""


def save_profile(acting: User, plot: Plot, data: ProfileData) -> RubberProfile:
    """Planting year, clone, tapped trees and tapping system of a rubber plot."""
    if not may_record_for(acting, plot):
        raise NotAllowed()
    if plot.plot_type is not PlotType.RUBBER:
        raise RubberError(_l("This is not a rubber plot."))
    if not 1900 <= data.planting_year <= today().year:
        raise RubberError(_l("Enter the year the trees were planted (not in the future)."))
    if not 0 <= data.tapped_trees <= 100_000:
        raise RubberError(_l("Enter how many trees are tapped."))
    clone = squeeze(data.clone)
    if not clone:
        raise RubberError(_l("Enter the clone, e.g. RRIM 600 or RRIT 251."))
    profile = db.session.get(RubberProfile, plot.id)
    if profile is None:
        profile = RubberProfile(plot_id=plot.id)
        db.session.add(profile)
    profile.planting_year, profile.clone, profile.tapped_trees = data.planting_year, clone[:40], data.tapped_trees
    profile.tapping_system = squeeze(data.tapping_system)[:40]
    db.session.flush()
    return profile


# ---------------------------------------------------------------- harvests
def dry_rubber(product: RubberProduct, weight_kg: Decimal, drc_percent: Decimal | None) -> Decimal:
    """The dry rubber in a harvest record: weight × DRC for latex, cup lump and unsmoked sheet; ribbed smoked
    sheet is traded by its weight as dry rubber."""
    if not product.needs_drc:
        return Decimal(weight_kg).quantize(Decimal("0.01"))
    return (Decimal(weight_kg) * Decimal(drc_percent) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ceiling_area_rai(plot: Plot) -> Decimal:
    """The area the ceiling is counted on: the plot's, but never more than it was when its FSC certificate was
    last decided (an area typed in larger afterwards does not raise the ceiling)."""
    decided = db.session.scalar(
        sa.select(Decision.area_m2).join(Application, Application.id == Decision.application_id)
        .join(Certification, Certification.id == Application.certification_id)
        .join(Standard, Standard.id == Certification.standard_id)
        .where(Certification.plot_id == plot.id, Standard.code == charter.FSC_RUBBER, Decision.area_m2.is_not(None))
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(1))
    area = min(plot.area_m2, decided) if decided is not None else plot.area_m2
    return Decimal(area) / M2_PER_RAI


def yearly_ceiling(plot: Plot) -> Decimal:
    per_rai = Decimal(current_app.config["RUBBER_MAX_DRY_KG_PER_RAI"])
    return (ceiling_area_rai(plot) * per_rai).quantize(Decimal("0.01"))


def recorded_in_year(plot_id: int, year: int, exclude_id: int | None = None) -> Decimal:
    query = sa.select(sa.func.coalesce(sa.func.sum(Harvest.dry_rubber_kg), 0)).where(
        Harvest.plot_id == plot_id, Harvest.harvested_on >= date(year, 1, 1), Harvest.harvested_on <= date(year, 12, 31))
    if exclude_id is not None:
        query = query.where(Harvest.id != exclude_id)
    total = db.session.scalar(query)
    return Decimal(total or 0).quantize(Decimal("0.01"))


@dataclass
class HarvestData:
    harvested_on: date
    product: RubberProduct
    weight_kg: Decimal
    drc_percent: Decimal | None = None
    note: str = ""


def record_harvest(acting: User, plot: Plot, data: HarvestData) -> Harvest:
    """Record one harvest, refused (and nothing written) if it takes the plot over its yearly ceiling."""
    if not may_record_for(acting, plot):
        raise NotAllowed()
    if plot.plot_type is not PlotType.RUBBER:
        raise RubberError(_l("This is not a rubber plot."))
    if data.harvested_on > today() or data.harvested_on < today() - timedelta(days=400):
        raise RubberError(_l("Enter the day of the harvest: not in the future, and within the last year."))
    weight = Decimal(data.weight_kg)
    if not (0 < weight <= MAX_WEIGHT_KG) or weight.as_tuple().exponent < -2:
        raise RubberError(_l("Enter the weight in kg, above zero, with at most two decimal places."))
    drc = None
    if data.product.needs_drc:
        if data.drc_percent is None or not (0 < Decimal(data.drc_percent) <= 100):
            raise RubberError(_l("Enter the dry rubber content (DRC %) the buyer measured, between 0 and 100."))
        drc = Decimal(data.drc_percent).quantize(Decimal("0.01"))
    dry = dry_rubber(data.product, weight, drc)
    # The plot's row is locked first: two records at once cannot both slip under the ceiling.
    db.session.execute(sa.select(Plot.id).where(Plot.id == plot.id).with_for_update())
    year = data.harvested_on.year
    ceiling = yearly_ceiling(plot)
    already = recorded_in_year(plot.id, year)
    if already + dry > ceiling:
        locale = str(get_locale())
        raise OverCeiling(_l(
            "Refused: plot %(code)s (%(rai)s rai) may record at most %(ceiling)s kg of dry rubber in %(year)s "
            "(%(per_rai)s kg a rai); %(already)s kg is recorded already, and this record adds %(dry)s kg. "
            "Check the weight and the DRC, or ask the group manager.",
            code=plot.code, rai=format_quantity_for(ceiling_area_rai(plot).quantize(Decimal("0.01")), locale),
            ceiling=format_quantity_for(ceiling, locale), year=year + 543 if locale == "th" else year,
            per_rai=current_app.config["RUBBER_MAX_DRY_KG_PER_RAI"], already=format_quantity_for(already, locale),
            dry=format_quantity_for(dry, locale)))
    harvest = Harvest(plot_id=plot.id, harvested_on=data.harvested_on, product=data.product, weight_kg=weight,
                      drc_percent=drc, dry_rubber_kg=dry, note=squeeze(data.note)[:300], recorded_by_id=acting.id)
    db.session.add(harvest)
    db.session.flush()
    return harvest


def harvests_of(plot: Plot, year: int) -> list[Harvest]:
    return list(db.session.scalars(
        sa.select(Harvest).where(Harvest.plot_id == plot.id, Harvest.harvested_on >= date(year, 1, 1),
                                 Harvest.harvested_on <= date(year, 12, 31))
        .order_by(Harvest.harvested_on.desc(), Harvest.id.desc())
    ))
