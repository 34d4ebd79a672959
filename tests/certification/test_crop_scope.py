"""What a certificate covers: the crops on the plot when the committee decided (issue 16)."""
from __future__ import annotations

from flask_babel import force_locale

from greensmile.certification import scope
from greensmile.certification import services as certification
from greensmile.certification.models import Outcome
from tests.certification.helpers import certified, grow, make_cycle, through_inspection
from tests.factories import crop


def _names(crops) -> set[str]:
    return {c.name_th for c in crops}


def test_a_decision_covers_the_crops_on_the_plot_and_a_crop_added_later_is_not_yet_inspected(app_ctx):
    cycle = make_cycle(crops=("คะน้า", "ผักบุ้ง", "พริก"))
    cert = certified(cycle)
    decision = cert.events[-1].decision_id
    assert _names(scope.scope_of(cycle.plot).covered) == {"คะน้า", "ผักบุ้ง", "พริก"}
    assert decision in scope.standing_decisions([cycle.plot.id]).values()

    grow(cycle.plot, "ทุเรียน")
    found = scope.scope_of(cycle.plot)
    assert found.decided and _names(found.not_yet_inspected) == {"ทุเรียน"}
    assert crop("ทุเรียน").id not in scope.covered_crops([cycle.plot.id])[cycle.plot.id]
    with force_locale("en"):
        assert "not yet inspected" in scope.outside_scope(cycle.plot, crop("ทุเรียน"))
    assert scope.outside_scope(cycle.plot, crop("พริก")) is None


def test_the_next_inspections_decision_covers_the_new_crop_and_a_rejection_changes_nothing(app_ctx):
    cycle = make_cycle()
    certified(cycle)
    grow(cycle.plot, "ทุเรียน")
    rejected = through_inspection(cycle)
    certification.decide(rejected, cycle.committee, Outcome.REJECT, "ยังไม่ได้ตรวจทุเรียนครบ")
    assert _names(scope.scope_of(cycle.plot).not_yet_inspected) == {"ทุเรียน"}  # the standing decision is unchanged

    renewed = through_inspection(cycle)
    certification.decide(renewed, cycle.committee, Outcome.CERTIFY, "ตรวจทุเรียนแล้ว")
    found = scope.scope_of(cycle.plot)
    assert _names(found.covered) == {"ผักบุ้ง", "ทุเรียน"} and found.not_yet_inspected == []


def test_a_plot_never_decided_on_covers_nothing_and_a_crop_off_the_plot_is_not_covered(app_ctx):
    cycle = make_cycle()
    assert scope.scope_of(cycle.plot).decided is False
    assert scope.covered_crops([cycle.plot.id]) == {cycle.plot.id: set()}
    certified(cycle)
    with force_locale("en"):
        assert "not registered" in scope.outside_scope(cycle.plot, crop("ทุเรียน"))


def test_a_crop_added_between_the_inspection_and_the_decision_is_not_covered(app_ctx):
    from greensmile.certification import scope
    from greensmile.certification import services as certification
    from greensmile.certification.models import Outcome
    from tests.certification.helpers import grow, make_cycle, through_inspection

    cycle = make_cycle(crops=("คะน้า",))
    application = through_inspection(cycle)  # the inspector saw kale only
    grow(cycle.plot, "ทุเรียน")  # durian typed in afterwards, before the committee sits
    certification.decide(application, cycle.committee, Outcome.CERTIFY, "ผ่าน")
    found = scope.scope_of(cycle.plot)
    assert [c.name_th for c in found.covered] == ["คะน้า"]
    assert [c.name_th for c in found.not_yet_inspected] == ["ทุเรียน"]
