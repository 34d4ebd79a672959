"""The supporters' part in privacy: a pledge's details and a delivery's note may name a farmer: swept for an erased
person's values."""
from __future__ import annotations

from greensmile.privacy import erasure


def register() -> None:
    erasure.register("supporters", copies=[("support_pledges", "details"), ("support_deliveries", "note")])
