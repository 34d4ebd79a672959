"""The network's clock: Songkhla's time zone and calendar day. Certificates start and end, harvests fall and forms
check their dates on Thai calendar days, whatever the server's zone."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def today() -> date:
    """The date in Songkhla."""
    return datetime.now(BANGKOK).date()


def this_year() -> int:
    return datetime.now(BANGKOK).year
