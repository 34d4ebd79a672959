"""Playing the worker in tests: deliver what the notification centre wrote (the mail log stands in for the server)."""
from __future__ import annotations

import logging
from contextlib import nullcontext

from greensmile.jobs import services as jobs
from greensmile.notifications.services import DELIVER


def deliver(app=None) -> int:
    """Send every notification waiting in the outbox; returns how many deliveries ran. Only deliveries: the
    schedules' housekeeping stays out of a test that did not ask for it."""
    total = 0
    with app.app_context() if app is not None else nullcontext():
        while ran := jobs.run_once("test", kinds=[DELIVER], scheduled=False):
            total += ran
    return total


def sent_mails(caplog, app=None) -> list[str]:
    """Deliver what waits, then every mail logged so far in this test (no MAIL_SERVER: the log is the mailbox)."""
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        deliver(app)
    return [record.getMessage() for record in caplog.records if record.name == "greensmile.mail"]
