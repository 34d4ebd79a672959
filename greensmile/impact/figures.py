"""What the network achieves, computed from the data in a fixed number of queries however large it grows:
certified plots and area per standard, farmers and groups, produce sold this year to consumers and to institutions,
trees with their estimated value and carbon, and what supporters delivered. Cached for a short time."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from greensmile.bulk.models import BulkLine, Share, ShareStatus
from greensmile.certification.models import EXPIRES, Certification, CertStatus, Standard
from greensmile.certification.overview import statuses
from greensmile.certification.services import BANGKOK, today
from greensmile.db import Quantity
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.network.models import Category, Organisation, OrganisationKind
from greensmile.orders.models import Order, OrderLine, OrderStatus
from greensmile.plots.models import M2_PER_RAI, Plot
from greensmile.supporters.models import SupportDelivery, SupportKind, SupportPledge, SupportStatus
from greensmile.trees import carbon, valuation
from greensmile.trees.models import Measurement, Species, Tree, TreeStatus, Valuation


@dataclass
class StandardFigure:
    code: str
    name_th: str
    name_en: str
    plots: int
    area_rai: Decimal


@dataclass
class Sales:
    kg: Decimal  # produce sold by weight
    satang: int  # everything sold, whatever the unit


@dataclass
class SupportFigure:
    kind: str
    pledges: int
    delivered: int  # pledges delivered in full


@dataclass
class PublicPledge:
    supporter: str
    title: str
    kind: str
    status: str
    amount_satang: int | None


@dataclass
class Impact:
    on: date
    year: int
    standards: list[StandardFigure]
    farmers: int
    groups: int
    consumers: Sales
    institutions: Sales
    trees: int
    trees_value_satang: int
    trees_valued: int
    trees_co2_kg: float
    trees_with_carbon: int
    supporters: int
    support_delivered_satang: int  # of pledges whose amount is public
    support: list[SupportFigure] = field(default_factory=list)
    public_pledges: list[PublicPledge] = field(default_factory=list)

    def as_json(self) -> dict:
        data = asdict(self)
        data["on"] = self.on.isoformat()
        for standard in data["standards"]:
            standard["area_rai"] = str(standard["area_rai"])
        for sales in ("consumers", "institutions"):
            data[sales]["kg"] = str(data[sales]["kg"])
        data["trees_co2_kg"] = round(self.trees_co2_kg, 1)
        data["carbon_equation"] = carbon.EQUATION
        data["carbon_scope"] = carbon.SCOPE  # trees_co2_kg is CO₂ in above-ground biomass only
        return data


def compute(on: date | None = None) -> Impact:
    on = on or today()
    start = datetime(on.year, 1, 1, tzinfo=BANGKOK)
    return Impact(on, on.year, _standards(on), *_people(), _consumer_sales(start), _institution_sales(start),
                  *_trees(), *_supporters())


VALID = tuple(status for status in CertStatus if status.is_valid_certificate)
assert set(VALID) <= EXPIRES  # a valid certificate lapses by its date, as the condition below says


def _standards(on: date) -> list[StandardFigure]:
    """Plots with a valid certificate today, and their area, per standard (a plot may count under several).
    A plot's own certificate is counted in SQL; under a group-held standard, where the group's certificate and its
    open major corrective requests decide too, each plot's status is worked out as everywhere else."""
    figures = []
    for standard in db.session.scalars(sa.select(Standard).order_by(Standard.id)):
        if standard.held_by_group:
            ids = list(db.session.scalars(sa.select(Certification.plot_id).where(
                Certification.standard_id == standard.id)))
            valid = [plot_id for plot_id, status in statuses(ids, on, standard.code).items()
                     if status.is_valid_certificate] if ids else []
            count = len(valid)
            area = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Plot.area_m2), 0)).where(
                Plot.id.in_(valid))) if valid else 0
        else:
            count, area = db.session.execute(
                sa.select(sa.func.count(Plot.id), sa.func.coalesce(sa.func.sum(Plot.area_m2), 0))
                .join(Certification, Certification.plot_id == Plot.id)
                .where(Certification.standard_id == standard.id, Certification.status.in_(VALID),
                       sa.or_(Certification.valid_until.is_(None), Certification.valid_until >= on))).one()
        figures.append(StandardFigure(standard.code, standard.name_th, standard.name_en, count,
                                      (Decimal(area) / M2_PER_RAI).quantize(Decimal("0.01"))))
    return figures


def _people() -> tuple[int, int]:
    farmers = db.session.scalar(sa.select(sa.func.count(sa.distinct(Plot.owner_id))))
    kinds = [kind for kind in OrganisationKind if kind.category is Category.FARMER_GROUP]
    groups = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(
        Organisation.kind.in_(kinds)))
    return farmers or 0, groups or 0


def _hundredths(column):
    """A Quantity column as the whole hundredths it is stored in, for exact sums in SQL."""
    return sa.type_coerce(column, sa.BigInteger)


def _consumer_sales(start: datetime) -> Sales:
    """Pre-orders collected, placed this year."""
    kg, satang = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((OrderLine.unit == Unit.KG, _hundredths(OrderLine.quantity)),
                                                       else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(OrderLine.total_satang), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == OrderStatus.COLLECTED, Order.created_at >= start)).one()
    return Sales((Decimal(int(kg)) / Quantity.SCALE).quantize(Decimal("0.01")), int(satang))


def _institution_sales(start: datetime) -> Sales:
    """Kitchens' shares weighed in this year, at the share's price."""
    received = _hundredths(Share.received_quantity)
    kg, value = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((BulkLine.unit == Unit.KG, received), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(received * Share.unit_price_satang), 0))
        .join(BulkLine, BulkLine.id == Share.line_id)
        .where(Share.status == ShareStatus.RECEIVED, Share.received_at >= start)).one()
    return Sales((Decimal(int(kg)) / Quantity.SCALE).quantize(Decimal("0.01")),
                 int((Decimal(int(value)) / Quantity.SCALE).to_integral_value()))


def _trees() -> tuple[int, int, int, float, int]:
    """Standing trees; the sum of each one's latest valuation; the CO₂ estimate from each one's latest measurement.

    One pass over each standing tree's newest measurement (a tree is measured at most once a day) gives both: the
    measurement's newest valuation (the newest table's, if valued twice, as valuation.newest_valuations() says) and,
    where the species has a wood density, its carbon, summed in the database where it has power()."""
    standing = Tree.status == TreeStatus.STANDING
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Tree).where(standing)) or 0
    newest = valuation.newest_days().subquery()
    valued_by = (sa.select(Valuation.measurement_id, sa.func.max(Valuation.id).label("id"))
                 .group_by(Valuation.measurement_id).subquery())
    latest = (sa.select().select_from(Measurement)
              .join(newest, (newest.c.tree_id == Measurement.tree_id) & (newest.c.day == Measurement.measured_on))
              .join(Tree, Tree.id == Measurement.tree_id).join(Species, Species.id == Tree.species_id)
              .outerjoin(valued_by, valued_by.c.measurement_id == Measurement.id)
              .outerjoin(Valuation, Valuation.id == valued_by.c.id)
              .where(standing))
    if carbon.can_sum_in_sql(db.session.get_bind().dialect.name):
        estimable = carbon.estimable_sql(Species.wood_density, Measurement.girth_cm, Measurement.height_m)
        co2_kg = carbon.co2_kg_sql(Species.wood_density, Measurement.girth_cm, Measurement.height_m)
        valued, value, co2, with_carbon = db.session.execute(latest.with_only_columns(
            sa.func.count(Valuation.id), sa.func.coalesce(sa.func.sum(Valuation.value_satang), 0),
            sa.func.coalesce(sa.func.sum(sa.case((estimable, co2_kg))), 0.0),
            sa.func.count(sa.case((estimable, 1))))).one()
        return count, int(value), valued, float(co2), with_carbon
    valued, value, co2, with_carbon = 0, 0, 0.0, 0
    for density, girth, height, value_satang in db.session.execute(latest.with_only_columns(
            Species.wood_density, Measurement.girth_cm, Measurement.height_m, Valuation.value_satang)):
        if value_satang is not None:
            valued, value = valued + 1, value + value_satang
        estimate = carbon.estimate(density, float(girth), float(height))
        if estimate:
            co2 += estimate.co2_kg
            with_carbon += 1
    return count, value, valued, co2, with_carbon


def _supporters() -> tuple[int, int, list[SupportFigure], list[PublicPledge]]:
    live = SupportPledge.status != SupportStatus.WITHDRAWN
    supporters = db.session.scalar(sa.select(sa.func.count(sa.distinct(SupportPledge.supporter_id))).where(live))
    # Money delivered, counted only for pledges whose supporter made the amount public.
    delivered = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SupportDelivery.amount_satang), 0))
                                  .join(SupportPledge, SupportPledge.id == SupportDelivery.pledge_id)
                                  .where(SupportPledge.public_amount.is_(True)))
    counts = {kind: [0, 0] for kind in SupportKind}
    for kind, status, n in db.session.execute(
            sa.select(SupportPledge.kind, SupportPledge.status, sa.func.count()).where(live)
            .group_by(SupportPledge.kind, SupportPledge.status)):
        counts[kind][0] += n
        if status is SupportStatus.DELIVERED:
            counts[kind][1] += n
    figures = [SupportFigure(kind.value, *counts[kind]) for kind in SupportKind]
    public = [PublicPledge(name, title, kind.value, status.value, amount if shown else None)
              for name, title, kind, status, amount, shown in db.session.execute(
                  sa.select(Organisation.name, SupportPledge.title, SupportPledge.kind, SupportPledge.status,
                            SupportPledge.amount_satang, SupportPledge.public_amount)
                  .join(Organisation, Organisation.id == SupportPledge.supporter_id)
                  .where(live, SupportPledge.public.is_(True))
                  .order_by(SupportPledge.starts_on.desc(), SupportPledge.id.desc()).limit(50))]
    return supporters or 0, int(delivered or 0), figures, public


# ---------------------------------------------------------------- a short cache, per process
_cache: dict[str, tuple[float, Impact]] = {}


def cached() -> Impact:
    """The figures, computed at most once every IMPACT_CACHE_SECONDS in each worker: the page stays cheap on a
    busy day, and what it shows is never older than that."""
    seconds = current_app.config["IMPACT_CACHE_SECONDS"]
    key = f"{current_app.config['SQLALCHEMY_DATABASE_URI']}|{today().isoformat()}"
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < seconds:
        return hit[1]
    impact = compute()
    _cache.clear()
    _cache[key] = (time.monotonic(), impact)
    return impact
