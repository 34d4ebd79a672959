"""The cores import no domain (DESIGN.md, "The house"): the notification centre and the worker take what they need
through registries the rooms fill at start-up; privacy (notices, consents, erasure, retention) likewise, apart from
its demo data, which builds on the demo plots."""
from __future__ import annotations

from tests.payments.test_core_boundary import _domains, _graph, _reachable

CORES = {"notifications", "jobs"}


def _rooms_reached(start: str, leave_out: tuple[str, ...] = ()) -> set[str]:
    graph = {module: imports for module, imports in _graph().items() if not module.startswith(leave_out)}
    domains = _domains()
    return {module.split(".")[1] for module in _reachable(graph, start) if module.split(".")[1] in domains}


def test_the_notification_centre_and_the_worker_reach_no_room_but_the_cores():
    assert _rooms_reached("greensmile.notifications") <= CORES
    assert _rooms_reached("greensmile.jobs") <= CORES


def test_privacy_reaches_no_domain_but_the_cores():
    reached = _rooms_reached("greensmile.privacy", leave_out=("greensmile.privacy.demo",))
    assert "privacy" in reached  # the walk does start
    assert reached - {"privacy"} <= CORES, sorted(reached)
