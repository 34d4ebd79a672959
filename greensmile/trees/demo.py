"""Demo tree bank for `seed-demo`: the species list, a demonstration price table (labelled as such: the app never
makes up real prices), tagged trees and a stand on the Khlong Hoi Khong tree-bank plot, measured a year ago, and one
tree pledged to the demo bank."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.network.models import Organisation
from greensmile.plots.demo import demo_code
from greensmile.plots.services import get_by_code
from greensmile.trees import catalogue, services, valuation
from greensmile.trees.models import PriceTable, Species, Stand, Tree

BANK = "ธนาคารต้นไม้ตัวอย่าง"
DEMO_PRICES = "ราคาตัวอย่างสำหรับสาธิตระบบเท่านั้น ไม่ใช่ราคากลางจริง (demo only, not a real guideline price)"
PRICES = [("สัก", 0, 3000), ("สัก", 60, 6000), ("พะยูง", 0, 8000), ("ตะเคียนทอง", 0, 2500), ("ไม้สกุลยาง", 0, 2000)]
# tag, species, planting year, (girth cm, height m) a year ago
TREES = [("KH-001", "สัก", 2012, ("71.5", "11.0")), ("KH-002", "พะยูง", 2014, ("48.0", "7.5")),
         ("KH-003", "ตะเคียนทอง", 2015, ("52.3", "9.0")), ("KH-004", "ไม้สกุลยาง", 2016, None)]


def seed_trees() -> None:
    catalogue.load_species()
    coordinator, manager, officer = demo_user("coordinator"), demo_user("treebank"), demo_user("bank")
    plot = get_by_code(demo_code(8))
    bank = db.session.scalar(sa.select(Organisation).where(Organisation.name == BANK))
    if None in (coordinator, manager, officer, plot, bank):
        return
    species = {s.name_th: s for s in db.session.scalars(sa.select(Species))}
    if db.session.scalar(sa.select(PriceTable.id)) is None:
        rows = "\n".join(f"{name},{girth},{price}" for name, girth, price in PRICES)
        valuation.load_table(coordinator, f"species,min_girth_cm,baht_per_m3\n{rows}\n".encode(), DEMO_PRICES)
    if db.session.scalar(sa.select(Tree.id).where(Tree.plot_id == plot.id)) is not None:
        return
    a_year_ago = today() - timedelta(days=365)
    made = {}
    for tag, name, year, _size in TREES:
        made[tag] = services.register_tree(manager, plot, services.TreeData(
            tag, species[name].id, planting_year=year, latitude=Decimal("6.931012"), longitude=Decimal("100.340215")))
    services.record_day(manager, plot, a_year_ago, [
        services.MeasurementData(str(uuid.uuid4()), tag, Decimal(size[0]), Decimal(size[1]))
        for tag, _name, _year, size in TREES if size])
    if db.session.scalar(sa.select(Stand.id).where(Stand.plot_id == plot.id)) is None:
        services.register_stand(manager, plot, species["สะเดา"].id, 20, 2022)
    services.pledge(officer, made["KH-003"], bank, "สินเชื่อตัวอย่าง-001", a_year_ago + timedelta(days=30))
