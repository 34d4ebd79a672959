"""Outgoing mail: printed to the log unless MAIL_SERVER is set. Only the worker sends it (notifications/), from
an outbox written in the transaction of the change that caused it."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

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
