"""Talking to LINE's Messaging API through the official SDK (line-bot-sdk v3): pushes as Flex messages, replies,
the monthly quota. Only the worker calls these; a page never waits on LINE."""
from __future__ import annotations

import enum

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexText,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
    URIAction,
)

TIMEOUT = (3, 10)  # seconds to connect, to read: a LINE that hangs holds one worker's job, not a page
ALT_TEXT_MAX = 400  # LINE allows 1,500; the phone's notification shows far less


class Outcome(enum.Enum):
    SENT = "sent"  # accepted now, or accepted before under this retry key (LINE answered 409)
    QUOTA = "quota"  # the month's push quota is used up
    REFUSED = "refused"  # LINE refused this message for good (4xx): sending it again will not help


class LineDown(Exception):
    """LINE did not take the push for now (5xx, rate limit, no connection): the job tries again later."""


def enabled() -> bool:
    return bool(current_app.config.get("LINE_CHANNEL_ACCESS_TOKEN"))


_CLIENTS: dict[tuple[str, str], MessagingApi] = {}


def _api() -> MessagingApi:
    """One client per address and token, kept: its connection pool is reused from push to push."""
    key = (current_app.config["LINE_API_URL"], current_app.config["LINE_CHANNEL_ACCESS_TOKEN"])
    if key not in _CLIENTS:
        _CLIENTS[key] = MessagingApi(ApiClient(Configuration(host=key[0], access_token=key[1])))
    return _CLIENTS[key]


def flex_message(notification) -> FlexMessage:
    """A card: the title, the text, the facts as label and value, a button to the page. In the person's language."""
    contents = [FlexText(text=notification.title, weight="bold", size="md", wrap=True),
                FlexText(text=notification.body or notification.title, size="sm", wrap=True, margin="md")]
    for label, value in notification.facts or []:
        contents.append(FlexBox(layout="baseline", spacing="sm", margin="sm", contents=[
            FlexText(text=str(label) or "-", size="sm", color="#667066", flex=2, wrap=True),
            FlexText(text=str(value) or "-", size="sm", flex=3, wrap=True),
        ]))
    footer = None
    if notification.url:
        with force_locale(notification.user.locale or "th"):
            label = _("Open")
        footer = FlexBox(layout="vertical", contents=[
            FlexButton(style="primary", color="#2e7d32", action=URIAction(label=label, uri=notification.url)),
        ])
    bubble = FlexBubble(body=FlexBox(layout="vertical", contents=contents), footer=footer)
    return FlexMessage(alt_text=notification.title[:ALT_TEXT_MAX], contents=bubble)


def push(to: str, notification) -> Outcome:
    """Push one notification, under its retry key: LINE delivers a retried push once."""
    request = PushMessageRequest(to=to, messages=[flex_message(notification)])
    try:
        _api().push_message(request, x_line_retry_key=notification.retry_key, _request_timeout=TIMEOUT)
    except ApiException as error:
        if error.status == 409:  # this retry key was accepted before: the message is out already
            return Outcome.SENT
        if error.status == 429 and "monthly limit" in (error.body or ""):
            return Outcome.QUOTA
        if error.status in (401, 403) or error.status == 429 or error.status >= 500:
            # 401/403: the channel token is wrong or revoked, which concerns every notice: tried again, and seen by
            # coordinators among the dead letters, rather than quietly sending everyone e-mail.
            raise LineDown(f"LINE answered {error.status}") from error
        current_app.logger.error("LINE refused a push (%s): %s", error.status, error.body)
        return Outcome.REFUSED
    except Exception as error:  # no connection, a timeout: urllib3's errors, which the SDK passes on
        raise LineDown(f"LINE unreachable: {type(error).__name__}") from error
    return Outcome.SENT


def reply(reply_token: str, text: str) -> None:
    """Answer a message someone sent the Official Account. A reply token is good once, for about a minute."""
    request = ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text[:5000])])
    try:
        _api().reply_message(request, _request_timeout=TIMEOUT)
    except ApiException as error:
        if error.status == 429 or error.status >= 500:
            raise LineDown(f"LINE answered {error.status}") from error
        current_app.logger.warning("LINE refused a reply (%s): %s", error.status, error.body)
    except Exception as error:
        raise LineDown(f"LINE unreachable: {type(error).__name__}") from error


def read_quota() -> tuple[int | None, int]:
    """(the month's limit or None for none, how many pushes counted so far)."""
    api = _api()
    quota = api.get_message_quota(_request_timeout=TIMEOUT)
    used = api.get_message_quota_consumption(_request_timeout=TIMEOUT)
    limit = quota.value if quota.type == "limited" else None
    return limit, used.total_usage
