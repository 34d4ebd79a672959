"""A small tree bank: a tree-bank group, a farmer's plot with tagged teak trees, a bank and its officer."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.network import services as network
from greensmile.network.models import Organisation, OrganisationKind, Position
from greensmile.plots.models import Plot, PlotType
from greensmile.trees import services as trees
from greensmile.trees import valuation
from greensmile.trees.models import Species, Tree
from tests.factories import make_organisation, make_plot, make_user


@dataclass
class TreeBank:
    coordinator: User
    farmer: User
    plot: Plot
    group: Organisation
    bank: Organisation
    officer: User
    teak: Species
    trees: list[Tree]


def make_tree_bank(tags=("T-001", "T-002"), prices="สัก,0,2000\n") -> TreeBank:
    coordinator = make_user(Role.COORDINATOR, email="coordinator@example.com")
    farmer = make_user(Role.FARMER, email="planter@example.com", display_name="สมศรี ปลูกป่า")
    group = make_organisation(OrganisationKind.TREE_BANK_GROUP, name="กลุ่มธนาคารต้นไม้ทดสอบ")
    network.add_member(group, "planter@example.com", Position.MEMBER, coordinator)
    plot = make_plot(farmer, group, plot_type=PlotType.TREE_BANK, crops=["สัก"])
    teak = Species(name_th="สัก", scientific_name="Tectona grandis", wood_density=Decimal("0.601"),
                   density_source="Global Wood Density Database", on_collateral_list=True)
    db.session.add(teak)
    db.session.flush()
    made = [trees.register_tree(farmer, plot, trees.TreeData(tag, teak.id, planting_year=2015)) for tag in tags]
    bank = make_organisation(OrganisationKind.BANK, name="ธนาคารต้นไม้ทดสอบ")
    officer = make_user(Role.SUPPORTER, email="officer@bank.example", display_name="เจ้าหน้าที่ ธนาคาร")
    network.add_member(bank, "officer@bank.example", Position.MEMBER, coordinator)
    if prices:
        valuation.load_table(coordinator, ("species,min_girth_cm,baht_per_m3\n" + prices).encode(), "ราคาทดสอบ")
    return TreeBank(coordinator, farmer, plot, group, bank, officer, teak, made)
