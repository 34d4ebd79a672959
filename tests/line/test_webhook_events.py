"""The webhook bodies tests build are ones LINE would send, signed as LINE signs them."""
from __future__ import annotations

import json

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError

from tests.line.webhook_events import (
    BOT_USER_ID,
    InvalidWebhookBody,
    follow_event,
    sign,
    signed_headers,
    text_message_event,
    unfollow_event,
    validate_callback,
    webhook_body,
)

CHANNEL_SECRET = "fake-line-channel-secret"

USER = "U" + "1" * 32
EVENTS = {
    "follow": follow_event(USER),
    "follow after unblock": follow_event(USER, is_unblocked=True),
    "unfollow": unfollow_event(USER),
    "text message": text_message_event(USER, "GS-7K2"),
    "redelivered text": text_message_event(USER, "สถานะแปลง", redelivery=True),
}


@pytest.mark.parametrize("event", EVENTS.values(), ids=EVENTS.keys())
def test_each_built_event_is_a_valid_callback_the_sdk_parses(event):
    body = webhook_body(event)
    events = WebhookParser(CHANNEL_SECRET).parse(body.decode("utf-8"), sign(body, CHANNEL_SECRET))

    assert [e.type for e in events] == [event["type"]]
    assert events[0].source.user_id == USER
    assert events[0].webhook_event_id == event["webhookEventId"]
    assert len(event["webhookEventId"]) == 26


def test_a_body_carries_several_events_and_the_bots_id():
    body = webhook_body(follow_event(USER), text_message_event(USER, "GS-7K2"))

    payload = json.loads(body)
    assert payload["destination"] == BOT_USER_ID
    assert [e["type"] for e in payload["events"]] == ["follow", "message"]
    assert signed_headers(body, CHANNEL_SECRET)["X-Line-Signature"] == sign(body, CHANNEL_SECRET)


def test_the_signature_is_base64_hmac_sha256_of_the_raw_body():
    # Independent value: printf '%s' '{"events":[]}' | openssl dgst -sha256 -hmac secret -binary | base64
    assert sign(b'{"events":[]}', "secret") == "pkK1lVPJPiJ+wPLziRD79xIxohl8AImYM8AEeM7IbzQ="


def test_a_wrong_signature_is_refused_by_the_sdk():
    body = webhook_body(follow_event(USER))

    with pytest.raises(InvalidSignatureError):
        WebhookParser(CHANNEL_SECRET).parse(body.decode("utf-8"), sign(body, "another-secret"))


def _without(event: dict, key: str) -> dict:
    return {k: v for k, v in event.items() if k != key}


CORRUPTED = {
    "unknown event type": {**follow_event(USER), "type": "teleport"},
    "follow without follow detail": _without(follow_event(USER), "follow"),
    "event without webhookEventId": _without(unfollow_event(USER), "webhookEventId"),
    "event without deliveryContext": _without(unfollow_event(USER), "deliveryContext"),
    "bad mode": {**unfollow_event(USER), "mode": "sleeping"},
    "text without its text": {**text_message_event(USER, "x"), "message": {"type": "text", "id": "1", "quoteToken": "q"}},
    "unknown message type": {**text_message_event(USER, "x"), "message": {"type": "hologram", "id": "1"}},
    "unknown source type": {**unfollow_event(USER), "source": {"type": "planet"}},
    "timestamp as text": {**unfollow_event(USER), "timestamp": "yesterday"},
}


@pytest.mark.parametrize("event", CORRUPTED.values(), ids=CORRUPTED.keys())
def test_a_corrupted_event_does_not_validate(event):
    with pytest.raises(InvalidWebhookBody):
        validate_callback({"destination": BOT_USER_ID, "events": [event]})
    with pytest.raises(InvalidWebhookBody):
        webhook_body(event)


def test_a_destination_that_is_not_a_user_id_does_not_validate():
    with pytest.raises(InvalidWebhookBody):
        webhook_body(follow_event(USER), destination="Cabc")
