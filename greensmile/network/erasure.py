"""The network's part in privacy: an organisation's contact phone and description may name an erased person (a
group's leader): swept for their values. Memberships stay, under the pseudonym."""
from __future__ import annotations

from greensmile.privacy import erasure


def register() -> None:
    erasure.register("network", copies=[("organisations", "contact_phone"), ("organisations", "description")])
