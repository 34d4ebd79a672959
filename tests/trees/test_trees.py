"""Trees on a plot: registering, a measuring day sent twice, a shrinking girth, and pledges as collateral."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network.models import Membership, OrganisationKind, Position
from greensmile.plots.models import PlotType
from greensmile.trees import services as trees
from greensmile.trees.errors import NeedsConfirmation, NotAllowed, Pledged, TreeError
from greensmile.trees.models import Measurement, Species, TreeStatus
from tests.factories import make_organisation, make_plot, make_user

D = Decimal


def _world():
    farmer = make_user(Role.FARMER, email="planter@example.com")
    group = make_organisation(OrganisationKind.TREE_BANK_GROUP, name="กลุ่มธนาคารต้นไม้")
    db.session.add(Membership(organisation=group, user=farmer, position=Position.MEMBER))
    db.session.flush()
    plot = make_plot(farmer, group, name="ธนาคารต้นไม้หลังบ้าน", plot_type=PlotType.TREE_BANK, crops=["สะตอ"])
    teak = Species(name_th="สัก", scientific_name="Tectona grandis", on_collateral_list=True)
    db.session.add(teak)
    db.session.flush()
    tree = trees.register_tree(farmer, plot, trees.TreeData("A-001", teak.id, planting_year=2015))
    bank = make_organisation(OrganisationKind.BANK, name="ธนาคารตัวอย่าง")
    officer = make_user(Role.SUPPORTER, email="officer@bank.example")
    db.session.add(Membership(organisation=bank, user=officer, position=Position.MEMBER))
    db.session.flush()
    return farmer, plot, teak, tree, bank, officer


def _row(tag="A-001", girth="60", height="8", client=None):
    return trees.MeasurementData(client or str(uuid.uuid4()), tag, D(girth), D(height))


def test_a_measuring_day_sent_twice_is_stored_once(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    trees.register_tree(farmer, plot, trees.TreeData("A-002", teak.id))
    day = [_row("A-001", "60", "8"), _row("A-002", "41.5", "6.2")]
    assert trees.record_day(farmer, plot, today(), day) == 2
    assert trees.record_day(farmer, plot, today(), day) == 0  # the phone sends the same day again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 2


def test_a_much_smaller_girth_asks_for_confirmation_and_writes_nothing_until_then(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    trees.record_day(farmer, plot, today() - timedelta(days=365), [_row(girth="80")])
    typo = [_row(girth="8.0")]
    with pytest.raises(NeedsConfirmation, match="A-001"):
        trees.record_day(farmer, plot, today(), typo)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 1
    assert trees.record_day(farmer, plot, today(), [_row(girth="77")]) == 1  # within the margin: no question
    assert trees.record_day(farmer, plot, today() - timedelta(days=100), typo, confirmed=True) == 1


def test_a_day_entered_again_on_another_phone_is_stored_once_and_a_different_figure_is_questioned(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    assert trees.record_day(farmer, plot, today(), [_row(girth="60", height="8")]) == 1
    assert trees.record_day(farmer, plot, today(), [_row(girth="60.0", height="8.00")]) == 0  # new ids, same day
    with pytest.raises(TreeError, match="A-001"):
        trees.record_day(farmer, plot, today(), [_row(girth="66", height="8")])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 1


def test_a_pledged_tree_cannot_be_felled_until_released(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    with pytest.raises(NotAllowed):
        trees.pledge(farmer, tree, bank, "LOAN-2569-001", today())  # the bank accepts collateral, not the farmer
    row = trees.pledge(officer, tree, bank, "LOAN-2569-001", today())
    with pytest.raises(Pledged):
        trees.take_down(farmer, tree, TreeStatus.FELLED, "ขายไม้")
    with pytest.raises(TreeError):
        trees.pledge(officer, tree, bank, "LOAN-2569-002", today())  # one loan at a time
    assert tree.status is TreeStatus.STANDING
    with pytest.raises(NotAllowed):
        trees.release(farmer, row, today())
    trees.release(officer, row, today())
    trees.take_down(farmer, tree, TreeStatus.FELLED, "ขายไม้")
    assert tree.status is TreeStatus.FELLED


def test_only_those_who_may_touch_a_plots_trees(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    stranger = make_user(Role.FARMER, email="stranger@example.com")
    with pytest.raises(NotAllowed):
        trees.register_tree(stranger, plot, trees.TreeData("X-1", teak.id))
    with pytest.raises(NotAllowed):
        trees.record_day(stranger, plot, today(), [_row()])
    with pytest.raises(TreeError):
        trees.register_tree(farmer, plot, trees.TreeData("A-001", teak.id))  # the tag is taken
    with pytest.raises(TreeError):
        trees.pledge(farmer, tree, make_organisation(OrganisationKind.FOUNDATION), "L-1", today())


def test_a_felled_tree_is_not_measured_nor_pledged(app_ctx):
    farmer, plot, teak, tree, bank, officer = _world()
    trees.take_down(farmer, tree, TreeStatus.FELLED, "ลมพัดล้ม")
    with pytest.raises(TreeError, match="A-001"):
        trees.record_day(farmer, plot, today(), [_row()])
    with pytest.raises(TreeError):
        trees.pledge(officer, tree, bank, "LOAN-X", today())
    with pytest.raises(TreeError):  # and it is felled once
        trees.take_down(farmer, tree, TreeStatus.REMOVED, "ขุดออก")
