"""LINE's webhook: follow, unfollow and text messages sent to the Official Account.

The signature (X-Line-Signature, HMAC-SHA256 of the body with the channel secret) is checked by the SDK's parser
before anything is read. Each event is taken once (its webhookEventId is unique in line_events): LINE redelivers
events it is not sure we got. Nothing here calls LINE: a reply is a job, so the webhook answers at once.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import FollowEvent, MessageEvent, TextMessageContent, UnfollowEvent

from greensmile.accounts.models import LineLink
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.notifications import services
from greensmile.notifications.models import LineEvent

log = logging.getLogger(__name__)

REPLY = "line.reply"
# Domains answer texts they recognise (the QR pages: a plot code), given the text and the reader's language;
# the first answer that is not None is sent back.
ANSWERS: list[Callable[[str, str], str | None]] = []


class BadSignature(Exception):
    pass


def take(body: str, signature: str, channel_secret: str) -> int:
    """Check and record the events of one webhook call; returns how many were new. The caller commits."""
    try:
        events = WebhookParser(channel_secret).parse(body, signature)
    except InvalidSignatureError as error:
        raise BadSignature() from error
    taken = 0
    for event in events:
        event_id = getattr(event, "webhook_event_id", None)
        user_id = getattr(getattr(event, "source", None), "user_id", None) or ""
        if not event_id:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(LineEvent(event_id=event_id[:64], type=str(event.type)[:32], line_user_id=user_id[:64]))
        except sa.exc.IntegrityError:
            continue  # a redelivery of an event we already took
        taken += 1
        if isinstance(event, (FollowEvent, UnfollowEvent)) and user_id:
            at = datetime.fromtimestamp(event.timestamp / 1000, tz=UTC)  # when it happened, in milliseconds
            services.set_friend(user_id, isinstance(event, FollowEvent), at)
        elif (isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent)
              and event.reply_token and user_id):
            jobs.enqueue(REPLY, {"reply_token": event.reply_token, "text": event.message.text[:200],
                                 "locale": _locale_of(user_id)})
    db.session.flush()
    return taken


def _locale_of(line_user_id: str) -> str:
    link = db.session.scalar(sa.select(LineLink).where(LineLink.line_user_id == line_user_id))
    return (link.user.locale if link is not None else None) or "th"


def answer(text: str, locale: str) -> str | None:
    for answerer in ANSWERS:
        reply = answerer(text, locale)
        if reply is not None:
            return reply
    return None
