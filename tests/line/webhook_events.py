"""Webhook bodies as the LINE platform sends them, and their `X-Line-Signature`.

Every body built here is checked against the `CallbackRequest` schema of LINE's webhook.yml (made
strict the same way as the Messaging API, see spec_loader), so a test cannot feed the app an event
LINE would never send. Typical use:

    body = webhook_body(follow_event(user_id, reply_token=fake.new_reply_token(user_id)))
    client.post("/line/webhook", data=body, headers=signed_headers(body, CHANNEL_SECRET))
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import uuid
from functools import lru_cache

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from tests.line.spec_loader import explain, strict_spec

# The bot's own user id: LINE puts it in `destination`.
BOT_USER_ID = "U" + "0" * 31 + "b"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class InvalidWebhookBody(ValueError):
    """The body is not one LINE would send; `details` lists what is wrong, LINE-style."""

    def __init__(self, details: list[dict]):
        super().__init__("; ".join(f"{d.get('property', '')}: {d['message']}" for d in details))
        self.details = details


# ---------------------------------------------------------------- events
def _common(event_type: str, user_id: str, *, timestamp: int | None, redelivery: bool, mode: str) -> dict:
    return {
        "type": event_type,
        "mode": mode,  # "standby" when another channel holds the chat (module channels)
        "timestamp": timestamp if timestamp is not None else int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": new_webhook_event_id(),
        # A redelivered event keeps its webhookEventId; taking it once is the receiver's job.
        "deliveryContext": {"isRedelivery": redelivery},
    }


def follow_event(user_id: str, *, reply_token: str | None = None, is_unblocked: bool = False,
                 timestamp: int | None = None, redelivery: bool = False, mode: str = "active") -> dict:
    """The user added the account as a friend (is_unblocked: they had blocked it before)."""
    return {**_common("follow", user_id, timestamp=timestamp, redelivery=redelivery, mode=mode),
            "replyToken": reply_token or _reply_token(),
            "follow": {"isUnblocked": is_unblocked}}


def unfollow_event(user_id: str, *, timestamp: int | None = None, redelivery: bool = False,
                   mode: str = "active") -> dict:
    """The user blocked the account. There is no reply token: nobody can be answered."""
    return _common("unfollow", user_id, timestamp=timestamp, redelivery=redelivery, mode=mode)


def text_message_event(user_id: str, text: str, *, reply_token: str | None = None,
                       message_id: str | None = None, timestamp: int | None = None,
                       redelivery: bool = False, mode: str = "active") -> dict:
    """The user sent the account a text message."""
    return {**_common("message", user_id, timestamp=timestamp, redelivery=redelivery, mode=mode),
            "replyToken": reply_token or _reply_token(),
            "message": {"type": "text", "id": message_id or _message_id(), "text": text,
                        "quoteToken": secrets.token_urlsafe(32)}}


def with_event_id(event: dict, webhook_event_id: str) -> dict:
    """The same event with a chosen id, e.g. to build the redelivery of an event already taken."""
    return {**event, "webhookEventId": webhook_event_id}


# ---------------------------------------------------------------- body and signature
def webhook_body(*events: dict, destination: str = BOT_USER_ID) -> bytes:
    """The raw body LINE POSTs: compact UTF-8 JSON (Thai stays unescaped), checked against the spec."""
    payload = {"destination": destination, "events": list(events)}
    validate_callback(payload)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, channel_secret: str) -> str:
    """`X-Line-Signature`: base64 of the HMAC-SHA256 of the raw body, keyed by the channel secret."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_headers(body: bytes, channel_secret: str) -> dict[str, str]:
    """The headers LINE sends with a webhook body."""
    return {"Content-Type": "application/json; charset=utf-8", "X-Line-Signature": sign(body, channel_secret)}


def validate_callback(payload: dict | bytes) -> None:
    """Raise InvalidWebhookBody unless the payload matches webhook.yml's CallbackRequest."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    # webhook.yml describes the body as the request of a dummy `POST /callback` on example.com.
    request = MockRequest("https://example.com", "post", "/callback", data=data, content_type="application/json")
    errors = list(_webhook_openapi().iter_request_errors(request))
    if errors:
        details = []
        for error in errors:
            schema_errors = getattr(error.__cause__, "schema_errors", None)
            details += explain(schema_errors) if schema_errors else [{"message": str(error)}]
        raise InvalidWebhookBody(details)


@lru_cache(maxsize=1)
def _webhook_openapi() -> OpenAPI:
    return OpenAPI.from_dict(strict_spec("webhook.yml"))


# ---------------------------------------------------------------- ids in LINE's shapes
def new_webhook_event_id() -> str:
    """A ULID (26 Crockford base32 characters), the form of LINE's webhookEventId."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _reply_token() -> str:
    return uuid.uuid4().hex


def _message_id() -> str:
    return str(secrets.randbelow(9 * 10**17) + 10**17)
