"""Claiming a form's one-time key: the first post of a form makes its thing, every later post of it finds the first.

The claim is an INSERT under a unique (kind, key) constraint, in the same transaction as what the form makes, before
anything else is written. On PostgreSQL a second post of the same form waits at that INSERT until the first commits,
then fails with a unique violation (or goes ahead, if the first rolled back and made nothing); SQLite serialises
writers, so the second finds the row at once. Either way the second is answered with what the first made.
Services flush, never commit."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.submissions.errors import AlreadyReceived, SubmissionError
from greensmile.submissions.models import FormSubmission


def claim(kind: str, key: str, user: User) -> FormSubmission:
    """Take the form's key in this transaction; AlreadyReceived if the same person's form was received already."""
    submission = FormSubmission(kind=kind, key=key, user_id=user.id)
    db.session.flush()  # anything else pending fails on its own, not as a taken key
    try:
        with db.session.begin_nested():  # only the claim is undone when the key is taken
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        earlier = db.session.scalar(sa.select(FormSubmission).where(FormSubmission.kind == kind,
                                                                    FormSubmission.key == key))
        if earlier is None or earlier.user_id != user.id:
            raise SubmissionError() from None  # someone else's key says nothing about their form
        raise AlreadyReceived(earlier.made_url) from None
    return submission


def made(submission: FormSubmission, made_id: int | None, url: str) -> None:
    """Note what the form made, so that a repeat of it is sent there."""
    submission.made_id, submission.made_url = made_id, url[:255]
    db.session.flush()
