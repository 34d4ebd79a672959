"""Valuation: volume from girth and height with the configured form factor, priced from the active table, which
a coordinator loads from CSV (all rows or none), each valuation naming the table version and formula it used."""
from __future__ import annotations

import math
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.plots.models import PlotType
from greensmile.trees import services as trees
from greensmile.trees import valuation
from greensmile.trees.errors import NotAllowed
from greensmile.trees.models import PriceTable, Species, Valuation
from tests.factories import make_plot, make_user

D = Decimal


def _csv(*rows: str) -> bytes:
    return ("species,min_girth_cm,baht_per_m3\n" + "\n".join(rows) + "\n").encode()


def _world():
    coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
    farmer = make_user(Role.FARMER, email="grower@example.com")
    plot = make_plot(farmer, plot_type=PlotType.TREE_BANK, crops=["สัก"])
    teak = Species(name_th="สัก", scientific_name="Tectona grandis", on_collateral_list=True)
    yang = Species(name_th="ยางนา", scientific_name="Dipterocarpus alatus", on_collateral_list=True)
    db.session.add_all([teak, yang])
    db.session.flush()
    tree = trees.register_tree(farmer, plot, trees.TreeData("T-1", teak.id, planting_year=2012))
    other = trees.register_tree(farmer, plot, trees.TreeData("Y-1", yang.id, planting_year=2012))
    return coordinator, farmer, plot, tree, other


def _measure(farmer, plot, tag, girth, height, days_ago=0):
    trees.record_day(farmer, plot, today() - timedelta(days=days_ago),
                     [trees.MeasurementData(str(uuid.uuid4()), tag, D(girth), D(height))])


def test_a_valuation_uses_the_active_price_table_and_records_its_version(app_ctx, app):
    app.config["TREE_FORM_FACTOR"] = "0.5"
    coordinator, farmer, plot, tree, other = _world()
    first = valuation.load_table(coordinator, _csv("สัก,0,1000", "สัก,60,2000"), "ราคากลางทดลอง ฉบับที่ 1")
    assert first.errors == [] and first.table.version == 1 and first.rows == 2
    _measure(farmer, plot, "T-1", "80", "10")
    _measure(farmer, plot, "Y-1", "80", "10")  # no price for ยางนา in the table: not valued, not guessed

    # By hand: g = 0.80 m, H = 10 m, f = 0.5 → V = 0.5 × 0.64 × 10 ÷ 4π = 0.2546 m³; at 80 cm the 60-cm row
    # applies: ฿2,000 a m³ → ฿509.20.
    by_hand = D(str(0.5 * 0.8 * 0.8 * 10 / (4 * math.pi))).quantize(D("0.0001"))
    assert by_hand == D("0.2546")
    (value,) = db.session.scalars(sa.select(Valuation)).all()
    assert (value.tree_id, value.table_version, value.formula, value.form_factor) == (tree.id, 1, valuation.FORMULA,
                                                                                     D("0.5"))
    assert value.volume_m3 == by_hand and value.value_satang == 50920

    # A new version becomes the active one and values the latest measurements again; the old value stays.
    second = valuation.load_table(coordinator, _csv("Tectona grandis,60,3000", "ยางนา,50,1500"), "ฉบับที่ 2")
    assert second.table.version == 2 and second.revalued == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceTable).where(PriceTable.active)) == 1
    latest = valuation.latest_values([tree.id, other.id])
    assert latest[tree.id].table_version == 2 and latest[tree.id].value_satang == int(by_hand * 300000)
    assert latest[other.id].value_satang == int(by_hand * 150000)
    assert [v.table_version for v in db.session.scalars(
        sa.select(Valuation).where(Valuation.tree_id == tree.id).order_by(Valuation.id))] == [1, 2]


def test_values_grow_year_by_year(app_ctx):
    coordinator, farmer, plot, tree, other = _world()
    valuation.load_table(coordinator, _csv("สัก,0,1000"), "ราคากลางทดลอง")
    _measure(farmer, plot, "T-1", "50", "6", days_ago=400)
    _measure(farmer, plot, "T-1", "58", "7")
    history = valuation.yearly_totals([tree.id])
    assert [year for year, _ in history] == [(today() - timedelta(days=400)).year, today().year]
    assert history[1][1] > history[0][1] > 0
    assert history[-1][1] == valuation.latest_values([tree.id])[tree.id].value_satang


def test_a_price_file_with_bad_rows_names_each_and_loads_nothing(app_ctx):
    coordinator, farmer, plot, tree, other = _world()
    report = valuation.load_table(coordinator, _csv("สัก,0,1000", "ไม้ที่ไม่มี,0,500", "สัก,abc,10", "สัก,0,1200"),
                                  "ฉบับทดลอง")
    assert report.table is None
    assert [re.match(r"\D*(\d+)", error).group(1) for error in report.errors] == ["3", "4", "5"]  # each row named
    assert "ไม้ที่ไม่มี" in report.errors[0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceTable)) == 0
    assert valuation.load_table(coordinator, b"name,price\nx,1\n", "x").errors  # wrong columns
    assert valuation.load_table(coordinator, _csv("สัก,0,1000"), "  ").errors  # no source named


def test_only_coordinators_load_prices(app_ctx):
    coordinator, farmer, plot, tree, other = _world()
    with pytest.raises(NotAllowed):
        valuation.load_table(farmer, _csv("สัก,0,1000"), "ราคาของฉันเอง")


def test_a_day_entered_late_for_the_past_does_not_replace_the_newest_value(app_ctx):
    coordinator, farmer, plot, tree, other = _world()
    valuation.load_table(coordinator, _csv("สัก,0,1000"), "ราคาทดลอง")
    _measure(farmer, plot, "T-1", "80", "10")
    newest = valuation.latest_values([tree.id])[tree.id]
    _measure(farmer, plot, "T-1", "60", "8", days_ago=300)  # last year's sheet, typed in today
    assert valuation.latest_values([tree.id])[tree.id].id == newest.id
