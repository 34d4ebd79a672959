"""Outgoing mail: printed to the log unless MAIL_SERVER is set."""
from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("greensmile.mail")


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send (or log) one message; a mail server that fails is logged, never shown to the visitor."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        log.info("MAIL (not sent: MAIL_SERVER unset)\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
        return True
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        log.error("could not send mail %r to %s: %s", subject, to, error)
        return False
    return True


# ---------------------------------------------------------------- mail that waits for the commit
# A service that changes something people must hear about queues the message in the session; it goes out
# only if the transaction commits, so a request that fails and rolls back never announces what it undid.
_OUTBOX = "greensmile.outbox"


def queue_mail(to: str | None, subject: str, body: str) -> None:
    """Send after the current transaction commits; forget if it rolls back. Nothing to do without an address."""
    from greensmile.extensions import db

    if to:
        db.session.info.setdefault(_OUTBOX, []).append((to, subject, body))


def has_queued_mail(session) -> bool:
    """Whether the session holds mail waiting for its commit."""
    return bool(session.info.get(_OUTBOX))


@contextmanager
def unannounced():
    """Nothing queued inside the block is sent: for records of what happened before today (the demo's last month)."""
    from greensmile.extensions import db

    outbox = db.session.info.setdefault(_OUTBOX, [])
    before = len(outbox)
    yield
    del outbox[before:]


@event.listens_for(Session, "after_commit")
def _send_queued(session) -> None:
    for to, subject, body in session.info.pop(_OUTBOX, []):
        send_mail(to, subject, body)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_OUTBOX, None)
