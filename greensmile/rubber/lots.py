"""Lots of rubber for a buyer, and their FSC claim, traced plot by plot on each harvest date."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import Role, User
from greensmile.certification import charter
from greensmile.certification.models import CertStatus
from greensmile.certification.overview import statuses_at
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.models import Category, Membership, Organisation, OrganisationKind, Position
from greensmile.network.services import is_manager
from greensmile.plots.codes import new_code
from greensmile.plots.models import Plot
from greensmile.rubber.errors import AlreadyInLot, NotAllowed, RubberError
from greensmile.rubber.models import Harvest, Lot, LotHarvest, LotStatus

FSC_100 = "FSC 100%"


def may_assemble(user: User, group: Organisation) -> bool:
    return user.has_role(Role.COORDINATOR) or is_manager(group, user)


def may_view(user: User, lot: Lot) -> bool:
    """The group that sells it, coordinators, and the buyer's own members; nobody else sees another buyer's lot."""
    if may_assemble(user, lot.group):
        return True
    return db.session.get(Membership, (lot.buyer_id, user.id)) is not None


def create_lot(acting: User, group: Organisation, buyer: Organisation, note: str = "") -> Lot:
    """A new, empty lot of the group's rubber for one buyer."""
    if group.kind is not OrganisationKind.FSC_GROUP:
        raise RubberError(_l("Lots are assembled by an FSC rubber group."))
    if not may_assemble(acting, group):
        raise NotAllowed()
    if buyer.category is not Category.BUYER:
        raise RubberError(_l("Choose a buying organisation (an exporter) for the lot."))
    taken = set(db.session.scalars(sa.select(Lot.code)))
    code = new_code()
    while code in taken:
        code = new_code()
    lot = Lot(code=code, group_id=group.id, buyer_id=buyer.id, note=squeeze(note)[:300], status=LotStatus.OPEN,
              created_by_id=acting.id)
    db.session.add(lot)
    db.session.flush()
    return lot


def _lock(lot: Lot) -> None:
    """Hold the lot's row: adding, taking out and shipping happen one after the other, never across a shipment."""
    db.session.execute(sa.select(Lot.id).where(Lot.id == lot.id).with_for_update())
    db.session.refresh(lot, attribute_names=["status"])


def add_harvests(acting: User, lot: Lot, harvest_ids: list[int]) -> int:
    """Put members' harvest records into an open lot; a record already in a lot (this or another) is refused."""
    if not may_assemble(acting, lot.group):
        raise NotAllowed()
    _lock(lot)
    if lot.status is not LotStatus.OPEN:
        raise RubberError(_l("This lot has been shipped: its contents no longer change."))
    harvests = db.session.scalars(
        sa.select(Harvest).join(Plot, Plot.id == Harvest.plot_id)
        .where(Harvest.id.in_(harvest_ids)).options(joinedload(Harvest.plot), joinedload(Harvest.lot_entry))
    ).unique().all()
    if len(harvests) != len(set(harvest_ids)):
        raise RubberError(_l("A harvest record was not found."))
    for harvest in harvests:
        if harvest.plot.group_id != lot.group_id:
            raise RubberError(_l("Plot %(code)s is not a member plot of this group.", code=harvest.plot.code))
        if harvest.lot_entry is not None:
            raise AlreadyInLot()
    try:
        # The unique harvest_id decides when two lots take the same record at once: one of them is refused.
        with db.session.begin_nested():
            for harvest in harvests:
                db.session.add(LotHarvest(lot_id=lot.id, harvest_id=harvest.id))
    except IntegrityError:
        raise AlreadyInLot() from None
    db.session.expire(lot, ["entries"])
    return len(harvests)


def remove_harvest(acting: User, lot: Lot, harvest_id: int) -> None:
    if not may_assemble(acting, lot.group):
        raise NotAllowed()
    _lock(lot)
    if lot.status is not LotStatus.OPEN:
        raise RubberError(_l("This lot has been shipped: its contents no longer change."))
    db.session.execute(sa.delete(LotHarvest).where(LotHarvest.lot_id == lot.id, LotHarvest.harvest_id == harvest_id))
    db.session.expire(lot, ["entries"])


# ---------------------------------------------------------------- the claim
@dataclass
class Contribution:
    harvest: Harvest
    status: CertStatus  # the plot's FSC status on the harvest date (the group's certificate included)

    @property
    def certified(self) -> bool:
        return self.status.is_valid_certificate


@dataclass
class Claim:
    contributions: list[Contribution]
    dry_rubber_kg: Decimal
    breakers: list[Contribution] = field(default_factory=list)

    @property
    def claim(self) -> str:
        """'FSC 100%' only if the lot has rubber and every contribution was certified on its harvest date."""
        return FSC_100 if self.contributions and not self.breakers else ""

    @property
    def group_lapsed(self) -> bool:
        return any(c.status is CertStatus.GROUP_LAPSED for c in self.breakers)


def contents(lot: Lot) -> list[Harvest]:
    return list(db.session.scalars(
        sa.select(Harvest).join(LotHarvest, LotHarvest.harvest_id == Harvest.id).where(LotHarvest.lot_id == lot.id)
        .options(selectinload(Harvest.plot), selectinload(Harvest.lot_entry)).order_by(Harvest.harvested_on, Harvest.id)
    ))


def claim_of(lot: Lot) -> Claim:
    """Each contribution's FSC status on its harvest date, under the group selling the lot, in a fixed number of
    queries however long the lot; a shipped lot shows what was fixed when it was shipped."""
    harvests = contents(lot)
    if lot.status is LotStatus.SHIPPED:
        contributions = [Contribution(h, CertStatus(h.lot_entry.fsc_status or CertStatus.NOT_CERTIFIED.value))
                         for h in harvests]
    else:
        found = statuses_at([(h.plot_id, h.harvested_on) for h in harvests], charter.FSC_RUBBER,
                            group_of={h.plot_id: lot.group_id for h in harvests})
        contributions = [Contribution(h, found[(h.plot_id, h.harvested_on)]) for h in harvests]
    return Claim(contributions, sum((h.dry_rubber_kg for h in harvests), Decimal("0.00")),
                 [c for c in contributions if not c.certified])


def ship(acting: User, lot: Lot, shipped_on) -> None:
    """Hand the lot to its buyer: from now on it does not change."""
    if not may_assemble(acting, lot.group):
        raise NotAllowed()
    _lock(lot)
    if lot.status is not LotStatus.OPEN:
        raise RubberError(_l("This lot has been shipped already."))
    claim = claim_of(lot)
    if not claim.contributions:
        raise RubberError(_l("An empty lot cannot be shipped."))
    for contribution in claim.contributions:
        contribution.harvest.lot_entry.fsc_status = contribution.status.value
    lot.status, lot.shipped_on, lot.claim = LotStatus.SHIPPED, shipped_on, claim.claim
    db.session.flush()


def get_by_code(code: str) -> Lot | None:
    return db.session.scalar(sa.select(Lot).where(Lot.code == code))


def lots_for(user: User) -> list[Lot]:
    """The lots this user may see: all for coordinators; their group's for a group manager; their buyer's."""
    query = sa.select(Lot).options(joinedload(Lot.group), joinedload(Lot.buyer)).order_by(Lot.id.desc()).limit(200)
    if not user.has_role(Role.COORDINATOR):
        mine = sa.select(Membership.organisation_id).where(Membership.user_id == user.id)
        managed = mine.where(Membership.position == Position.MANAGER)
        query = query.where(sa.or_(Lot.buyer_id.in_(mine), Lot.group_id.in_(managed)))
    return list(db.session.scalars(query))


def unlotted_harvests(group: Organisation) -> list[Harvest]:
    """Member plots' harvest records not yet in any lot, newest first."""
    return list(db.session.scalars(
        sa.select(Harvest).join(Plot, Plot.id == Harvest.plot_id).outerjoin(LotHarvest, LotHarvest.harvest_id == Harvest.id)
        .where(Plot.group_id == group.id, LotHarvest.lot_id.is_(None))
        .options(joinedload(Harvest.plot)).order_by(Harvest.harvested_on.desc(), Harvest.id.desc()).limit(500)
    ))


def exporters() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.kind == OrganisationKind.RUBBER_EXPORTER)
                                   .order_by(Organisation.name)))
