"""An FSC rubber group with its manager, two certified member rubber plots, and an exporter that buys lots."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from greensmile.accounts.models import Role, User
from greensmile.certification import charter, groups
from greensmile.certification import services as certification
from greensmile.certification.group_models import GroupOutcome
from greensmile.certification.models import CertStatus, EventKind, Standard
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network import services as network
from greensmile.network.models import Organisation, OrganisationKind, Position
from greensmile.plots.models import Plot, PlotType
from greensmile.rubber import services as rubber
from greensmile.rubber.models import RubberProduct
from tests.bulk.helpers import on_the_day
from tests.factories import make_organisation, make_plot, make_user

SINCE = 120  # days ago the plots and the group were certified


@dataclass
class RubberGroup:
    fsc: Standard
    coordinator: User
    manager: User
    group: Organisation
    farmers: list[User]
    plots: list[Plot]
    exporter: Organisation
    exporter_buyer: User
    other_exporter: Organisation


def certify(plot: Plot, standard: Standard, actor: User, days_ago: int = SINCE) -> None:
    with on_the_day(today() - timedelta(days=days_ago)):
        cert = certification.certification_for(plot, standard)
        certification._move(cert, CertStatus.CERTIFIED, EventKind.DECISION, actor, "ผ่านการตรวจภายใน")
        cert.valid_from, cert.valid_until = today(), today() + timedelta(days=364)
        db.session.flush()  # the event's time is taken when it is written


def make_group(area_m2: str = "1600") -> RubberGroup:
    fsc = charter.ensure_fsc_standard()
    coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
    group = make_organisation(OrganisationKind.FSC_GROUP, name="กลุ่มสวนยางยั่งยืนรัตภูมิ")
    manager = make_user(Role.FARMER, email="manager@example.com")
    network.add_member(group, manager.email, Position.MANAGER, coordinator)
    farmers, plots = [], []
    for n in range(2):
        farmer = make_user(Role.FARMER, email=f"tapper{n}@example.com")
        network.add_member(group, farmer.email, Position.MEMBER, coordinator)
        plot = make_plot(farmer, group, name=f"สวนยางแปลง {n + 1}", plot_type=PlotType.RUBBER, crops=["ยางพารา"],
                         area_m2=Decimal(area_m2))
        rubber.save_profile(farmer, plot, rubber.ProfileData(2012, "RRIM 600", 420, "S/2 d/3"))
        certify(plot, fsc, coordinator)
        farmers.append(farmer)
        plots.append(plot)
    with on_the_day(today() - timedelta(days=SINCE)):  # recorded when it was decided
        groups.record_decision(coordinator, group, fsc, groups.GroupDecisionData(
            GroupOutcome.CERTIFIED, "FSC-C000000 (ตัวอย่าง)", "หน่วยรับรองตัวอย่าง", today(), today(),
            today() + timedelta(days=364)))
    exporter = make_organisation(OrganisationKind.RUBBER_EXPORTER, name="บริษัทส่งออกยางตัวอย่าง")
    exporter_buyer = make_user(Role.CONSUMER, email="exporter@example.com")
    network.add_member(exporter, exporter_buyer.email, Position.MEMBER, coordinator)
    other_exporter = make_organisation(OrganisationKind.RUBBER_EXPORTER, name="บริษัทยางอื่น")
    return RubberGroup(fsc, coordinator, manager, group, farmers, plots, exporter, exporter_buyer, other_exporter)


def harvest(world: RubberGroup, n: int, days_ago: int = 10, kg: str = "100", drc: str = "35",
            product: RubberProduct = RubberProduct.FIELD_LATEX):
    return rubber.record_harvest(world.farmers[n], world.plots[n], rubber.HarvestData(
        today() - timedelta(days=days_ago), product, Decimal(kg), Decimal(drc) if drc else None))


def day(days_ago: int) -> date:
    return today() - timedelta(days=days_ago)
