"""The fake LINE platform behaves as LINE does, for the real line-bot-sdk over real HTTP.

If the fake accepted anything, tests of our LINE sender would prove nothing: the refusals below
are the point, and each must fail if the fake's spec validation were turned off.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import pytest
import requests
from linebot.v3.messaging import (
    ApiClient,
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
from linebot.v3.messaging.exceptions import ApiException, NotFoundException, ServiceException, UnauthorizedException
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from tests.line.fake_line import AUTH_FAILED, CHANNEL_ACCESS_TOKEN, MONTHLY_LIMIT, RATE_LIMIT, FakeLine
from tests.line.spec_loader import SPEC_DIR, strict_spec


# ---------------------------------------------------------------- helpers
@pytest.fixture
def api(fake_line):
    configuration = Configuration(host=fake_line.url, access_token=CHANNEL_ACCESS_TOKEN)
    with ApiClient(configuration) as client:
        yield MessagingApi(client)


@pytest.fixture
def friend(fake_line):
    user_id = fake_line.new_user_id()
    fake_line.add_friend(user_id, "สมชาย ใจดี")
    return user_id


def order_bubble() -> FlexBubble:
    return FlexBubble(
        body=FlexBox(layout="vertical", contents=[
            FlexText(text="คำสั่งซื้อ #1024 พร้อมรับแล้ว", weight="bold", wrap=True),
            FlexText(text="ผักบุ้ง 2 กก.", size="sm"),
        ]),
        footer=FlexBox(layout="vertical", contents=[
            FlexButton(style="primary", action=URIAction(label="ดูคำสั่งซื้อ", uri="https://example.org/orders/1024")),
        ]),
    )


def raw_push(fake, body: dict, **headers) -> requests.Response:
    """POST a push straight to the fake, past the SDK's own model checks."""
    session = requests.Session()
    session.trust_env = False  # never through a proxy from the environment
    return session.post(f"{fake.url}/v2/bot/message/push", data=json.dumps(body),
                        headers={"Authorization": f"Bearer {CHANNEL_ACCESS_TOKEN}",
                                 "Content-Type": "application/json", **headers})


def body_of(error: ApiException) -> dict:
    return json.loads(error.body)


# ---------------------------------------------------------------- delivery
def test_a_text_push_reaches_the_inbox(api, fake_line, friend):
    response = api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="สวัสดีครับ")]),
                                x_line_retry_key=str(uuid4()))

    assert len(response.sent_messages) == 1
    assert fake_line.inbox(friend) == [{"type": "text", "text": "สวัสดีครับ"}]
    assert [p.to for p in fake_line.pushes] == [friend]


def test_a_flex_push_reaches_the_inbox_as_sent(api, fake_line, friend):
    message = FlexMessage(alt_text="คำสั่งซื้อ #1024 พร้อมรับแล้ว", contents=order_bubble())

    api.push_message(PushMessageRequest(to=friend, messages=[message]), x_line_retry_key=str(uuid4()))

    [delivered] = fake_line.inbox(friend)
    assert delivered == message.to_dict()
    assert delivered["contents"]["footer"]["contents"][0]["action"]["uri"] == "https://example.org/orders/1024"


def test_the_same_retry_key_twice_delivers_once_and_answers_409(api, fake_line, friend):
    key = str(uuid4())
    request = PushMessageRequest(to=friend, messages=[TextMessage(text="ออเดอร์พร้อมรับ")])
    first = api.push_message_with_http_info(request, x_line_retry_key=key)

    with pytest.raises(ApiException) as refused:
        api.push_message(request, x_line_retry_key=key)

    assert refused.value.status == 409
    assert refused.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert body_of(refused.value) == {
        "message": "The retry key is already accepted",
        "sentMessages": [m.to_dict() for m in first.data.sent_messages],
    }
    assert fake_line.inbox(friend) == [{"type": "text", "text": "ออเดอร์พร้อมรับ"}]
    assert fake_line.total_usage == 1


def test_concurrent_retries_with_one_key_deliver_once(fake_line, friend):
    """A worker that retries while the first attempt is still in flight must not send twice."""
    key = str(uuid4())
    body = {"to": friend, "messages": [{"type": "text", "text": "ครั้งเดียว"}]}

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(lambda _: raw_push(fake_line, body, **{"X-Line-Retry-Key": key}).status_code,
                                   range(6)))

    assert statuses == [200, 409, 409, 409, 409, 409]
    assert fake_line.inbox(friend) == [{"type": "text", "text": "ครั้งเดียว"}]


def test_a_retry_key_is_not_spent_by_a_failed_attempt(api, fake_line, friend):
    key = str(uuid4())
    request = PushMessageRequest(to=friend, messages=[TextMessage(text="ลองใหม่")])
    fake_line.fail_next(1, 500)

    with pytest.raises(ServiceException):
        api.push_message(request, x_line_retry_key=key)
    api.push_message(request, x_line_retry_key=key)

    assert fake_line.inbox(friend) == [{"type": "text", "text": "ลองใหม่"}]
    assert [r.status for r in fake_line.requests] == [500, 200]


def test_a_wrong_channel_token_is_401(fake_line, friend):
    configuration = Configuration(host=fake_line.url, access_token="not-the-token")
    with ApiClient(configuration) as client:
        with pytest.raises(UnauthorizedException) as refused:
            MessagingApi(client).push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="x")]))

    assert refused.value.status == 401
    assert body_of(refused.value) == {"message": AUTH_FAILED}
    assert fake_line.inbox(friend) == []


# ---------------------------------------------------------------- what LINE refuses
def flex(contents: dict | None) -> dict:
    message = {"type": "flex", "altText": "คำสั่งซื้อ"}
    return message if contents is None else {**message, "contents": contents}


BAD_PUSHES = {
    "flex without contents": ([flex(None)], "messages[0].contents"),
    "unknown message type": ([{"type": "nonsense", "text": "x"}], "messages[0].type"),
    "bubble with an unknown component": (
        [flex({"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                          "contents": [{"type": "marquee", "text": "x"}]}})],
        "messages[0].contents.body.contents[0].type"),
    "box without layout": (
        [flex({"type": "bubble", "body": {"type": "box", "contents": []}})], "messages[0].contents.body.layout"),
    "six messages": ([{"type": "text", "text": str(i)} for i in range(6)], "messages"),
    "no messages": ([], "messages"),
    "text over LINE's 5000 characters": ([{"type": "text", "text": "ก" * 5001}], "messages[0].text"),
    "emoji counted as two characters": ([{"type": "text", "text": "😀" * 2501}], "messages[0].text"),
    "empty text": ([{"type": "text", "text": ""}], "messages[0].text"),
    "sender name over the spec's 20": ([{"type": "text", "text": "x", "sender": {"name": "ก" * 21}}],
                                       "messages[0].sender.name"),
    "flex altText over 1500": ([{**flex({"type": "bubble"}), "altText": "x" * 1501}], "messages[0].altText"),
    "button without action": (
        [flex({"type": "bubble", "footer": {"type": "box", "layout": "vertical",
                                            "contents": [{"type": "button"}]}})],
        "messages[0].contents.footer.contents[0].action"),
}


@pytest.mark.parametrize("messages, where", BAD_PUSHES.values(), ids=BAD_PUSHES.keys())
def test_a_body_line_refuses_is_400_with_details(fake_line, friend, messages, where):
    response = raw_push(fake_line, {"to": friend, "messages": messages}, **{"X-Line-Retry-Key": str(uuid4())})

    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"].startswith("The request body has")
    assert where in [d["property"] for d in body["details"]], body
    assert fake_line.inbox(friend) == [] and fake_line.pushes == []


def test_a_good_raw_body_is_accepted(fake_line, friend):
    """The refusals above are about their bodies, not about the raw client."""
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                         "contents": [{"type": "text", "text": "ok"}]}}
    response = raw_push(fake_line, {"to": friend, "messages": [{"type": "text", "text": "ก" * 5000}, flex(bubble)]})

    assert response.status_code == 200, response.text
    assert len(fake_line.inbox(friend)) == 2


def test_the_raw_spec_would_let_these_through():
    """Why spec_loader rewrites discriminators: openapi-core alone accepts a flex without contents."""
    import yaml

    raw = yaml.safe_load((SPEC_DIR / "messaging-api.yml").read_text(encoding="utf-8"))
    body = json.dumps({"to": "U" + "a" * 32, "messages": [flex(None), {"type": "nonsense"}]}).encode()

    def errors(spec):
        environ = EnvironBuilder(method="POST", path="/v2/bot/message/push", base_url="https://api.line.me",
                                 data=body, content_type="application/json",
                                 headers={"Authorization": "Bearer x"}).get_environ()
        return list(OpenAPI.from_dict(spec).iter_request_errors(WerkzeugOpenAPIRequest(Request(environ))))

    assert errors(raw) == []
    assert errors(strict_spec("messaging-api.yml")) != []


@pytest.mark.parametrize("key", ["not-a-uuid", "123e4567e89b12d3a456426614174000"])
def test_a_retry_key_that_is_not_a_uuid_is_400(fake_line, friend, key):
    response = raw_push(fake_line, {"to": friend, "messages": [{"type": "text", "text": "x"}]},
                        **{"X-Line-Retry-Key": key})

    assert response.status_code == 400
    assert fake_line.inbox(friend) == []


def test_a_retry_key_on_reply_is_400(fake_line, friend):
    token = fake_line.new_reply_token(friend)
    response = requests.post(f"{fake_line.url}/v2/bot/message/reply",
                             json={"replyToken": token, "messages": [{"type": "text", "text": "x"}]},
                             headers={"Authorization": f"Bearer {CHANNEL_ACCESS_TOKEN}",
                                      "X-Line-Retry-Key": str(uuid4())})

    assert response.status_code == 400
    assert fake_line.inbox(friend) == []


def test_a_user_the_channel_never_saw_is_400(api, fake_line):
    with pytest.raises(ApiException) as refused:
        api.push_message(PushMessageRequest(to=FakeLine.new_user_id(), messages=[TextMessage(text="x")]))

    assert refused.value.status == 400
    assert body_of(refused.value) == {"message": "Failed to send messages"}


def test_a_user_who_unfollowed_is_accepted_but_gets_nothing(api, fake_line, friend):
    """As LINE: 200 for a user who blocked the account, nothing delivered, nothing counted."""
    fake_line.unfollow(friend)

    api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="x")]), x_line_retry_key=str(uuid4()))

    assert fake_line.inbox(friend) == []
    assert [p.delivered for p in fake_line.pushes] == [False]
    assert api.get_message_quota_consumption().total_usage == 0
    with pytest.raises(NotFoundException):
        api.get_profile(friend)


# ---------------------------------------------------------------- outages and limits
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_raises_service_exception_and_delivers_nothing(api, fake_line, friend, status):
    fake_line.fail_next(1, status)

    with pytest.raises(ServiceException) as failed:
        api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="x")]),
                         x_line_retry_key=str(uuid4()))

    assert failed.value.status == status
    assert fake_line.inbox(friend) == [] and fake_line.pushes == []


def test_fail_next_counts_down(api, fake_line, friend):
    fake_line.fail_next(2, 503)
    request = PushMessageRequest(to=friend, messages=[TextMessage(text="x")])
    key = str(uuid4())

    for _ in range(2):
        with pytest.raises(ServiceException):
            api.push_message(request, x_line_retry_key=key)
    api.push_message(request, x_line_retry_key=key)

    assert [(r.path, r.status, r.retry_key) for r in fake_line.requests] == [
        ("/v2/bot/message/push", 503, key), ("/v2/bot/message/push", 503, key), ("/v2/bot/message/push", 200, key)]
    assert len(fake_line.inbox(friend)) == 1


def test_the_rate_limit_is_429(api, fake_line, friend):
    fake_line.fail_next(1, 429)

    with pytest.raises(ApiException) as limited:
        api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="x")]))

    assert limited.value.status == 429
    assert body_of(limited.value) == {"message": RATE_LIMIT}
    assert fake_line.inbox(friend) == []


def test_the_monthly_limit_is_429_once_used_up(api, fake_line, friend):
    fake_line.monthly_limit = 1
    api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="1"), TextMessage(text="2")]))

    with pytest.raises(ApiException) as limited:
        api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="3")]))

    assert limited.value.status == 429
    assert body_of(limited.value) == {"message": MONTHLY_LIMIT}
    assert [m["text"] for m in fake_line.inbox(friend)] == ["1", "2"]


def test_quota_endpoints_answer_per_the_spec(api, fake_line, friend):
    assert api.get_message_quota().to_dict() == {"type": "none"}
    assert api.get_message_quota_consumption().total_usage == 0

    fake_line.monthly_limit = 500
    for _ in range(2):  # counted per request and recipient, not per message object
        api.push_message(PushMessageRequest(to=friend, messages=[TextMessage(text="a"), TextMessage(text="b")]))

    assert api.get_message_quota().to_dict() == {"type": "limited", "value": 500}
    assert api.get_message_quota_consumption().to_dict() == {"totalUsage": 2}


# ---------------------------------------------------------------- reply, profile, the rest of the API
def test_a_reply_token_works_once_and_is_free(api, fake_line, friend):
    token = fake_line.new_reply_token(friend)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="แปลง GS-7K2 ได้รับการรับรอง")])

    api.reply_message(request)
    with pytest.raises(ApiException) as refused:
        api.reply_message(request)

    assert refused.value.status == 400
    assert body_of(refused.value) == {"message": "Invalid reply token"}
    assert fake_line.inbox(friend) == [{"type": "text", "text": "แปลง GS-7K2 ได้รับการรับรอง"}]
    assert api.get_message_quota_consumption().total_usage == 0


def test_a_reply_is_checked_against_the_spec_too(fake_line, friend):
    response = requests.post(f"{fake_line.url}/v2/bot/message/reply",
                             json={"replyToken": fake_line.new_reply_token(friend), "messages": [flex(None)]},
                             headers={"Authorization": f"Bearer {CHANNEL_ACCESS_TOKEN}"})

    assert response.status_code == 400
    assert fake_line.inbox(friend) == []


def test_the_profile_of_a_friend(api, friend):
    profile = api.get_profile(friend)

    assert (profile.user_id, profile.display_name, profile.language) == (friend, "สมชาย ใจดี", "th")


def test_the_rest_of_the_spec_is_501_and_the_unknown_404(api, fake_line):
    with pytest.raises(ApiException) as not_implemented:
        api.get_bot_info()
    response = requests.get(f"{fake_line.url}/v2/bot/no-such-thing",
                            headers={"Authorization": f"Bearer {CHANNEL_ACCESS_TOKEN}"})

    assert not_implemented.value.status == 501
    assert response.status_code == 404
    assert [(r.method, r.status) for r in fake_line.requests] == [("GET", 501), ("GET", 404)]


def test_the_fake_stops_when_its_block_ends():
    with FakeLine() as fake:
        url = fake.url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/v2/bot/message/quota", timeout=2)
