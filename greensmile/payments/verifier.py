"""A slip-verification provider, where the network subscribes to one: it tells from a slip's reference how much
was paid to whom, so a direct PromptPay payment can be confirmed without waiting for the seller.

None is configured by default. SLIP_VERIFIER names a class ("package.module:Class") built with the app's config;
it must have a `name` and `verify(reference, sending_bank) -> SlipCheck | None` (None: the bank does not know
the slip). The reference is passed as printed on the slip (some banks' references are mixed case). A check that
names no receiver, or no time, is refused: without them an old transfer, or one to someone else, would pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app
from werkzeug.utils import import_string


@dataclass(frozen=True)
class SlipCheck:
    reference: str
    amount_satang: int
    receiver_id: str  # the PromptPay ID (or account) the money went to, as the provider reports it; "" if unknown
    paid_at: datetime | None = None


class SlipVerifier(Protocol):
    name: str

    def verify(self, reference: str, sending_bank: str) -> SlipCheck | None: ...


def configured() -> SlipVerifier | None:
    target = current_app.config.get("SLIP_VERIFIER") or ""
    if not target:
        return None
    cls = import_string(target.replace(":", "."))
    return cls(current_app.config)
