"""A local fake of the LINE Messaging API, for tests that run the real line-bot-sdk over real HTTP.

Every request is checked against LINE's published OpenAPI description (tests/line/spec/, made strict
by spec_loader) and against the rules LINE documents but the file does not carry (token, retry key,
text lengths, who can be messaged, the monthly quota). What real LINE refuses, the fake refuses,
with the same status and the same error body shape: `{"message": ..., "details": [...]}`.

Order of the checks, per request:
  1. not a path/method of the spec (on api.line.me)   -> 404
  2. wrong or missing channel access token            -> 401
  3. a failure armed with fail_next()                 -> 5xx / 429, nothing delivered
  4. headers, query or body against the spec          -> 400 (+ LINE's documented limits)
  5. in the spec but not served by the fake           -> 501 (the fake never pretends)
  6. the endpoint's own rules (retry key 409, unknown recipient 400, quota 429, reply token 400)

Recipients (what real LINE does, from its FAQ "If you send a message specifying a user who has
blocked the LINE Official Account..."):
  - a user id the channel has never seen ("doesn't exist", or issued by another provider):
    400 {"message": "Failed to send messages"};
  - a user who blocked (unfollowed) the account: 200, accepted, NOT delivered and NOT counted
    towards the monthly quota. So a sender cannot learn of an unfollow from the push answer; it
    must act on the unfollow webhook. `pushes` records such a push with delivered=False.

The fake's own 200/400/409/429 answers are checked against the spec as well; an off-spec answer or
a crash of the fake lands in `internal_errors`, which the `fake_line` fixture asserts empty. Other
test folders get the fixture with `from tests.line.fake_line import fake_line  # noqa: F401` in
their conftest.py.
"""
from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from itertools import count

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathError
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests.line.spec_loader import explain, strict_spec

CHANNEL_ACCESS_TOKEN = "fake-line-channel-access-token"
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
RETRY_KEY_HEADER = "X-Line-Retry-Key"

# Endpoints that take a retry key (LINE: "Retry only with supported APIs"; any other answers 400).
RETRY_KEY_ENDPOINTS = {
    "/v2/bot/message/push", "/v2/bot/message/multicast",
    "/v2/bot/message/narrowcast", "/v2/bot/message/broadcast",
}

# LINE's documented limits that messaging-api.yml does not carry (it has no maxLength on them).
# LINE counts characters in UTF-16 code units: an emoji outside the BMP counts 2.
TEXT_MAX = 5000          # text message `text`
ALT_TEXT_MAX = {"flex": 1500, "template": 400, "imagemap": 1500}
BUBBLE_MAX_BYTES = 30_000  # "the JSON data of a bubble": 30 KB

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
MONTHLY_LIMIT = "You have reached your monthly limit."
RATE_LIMIT = "The API rate limit has been exceeded. Try again later."


@dataclass
class Push:
    to: str
    messages: list[dict]
    retry_key: str | None
    request_id: str
    sent_messages: list[dict]
    delivered: bool  # False when the recipient had blocked the account


@dataclass
class Reply:
    reply_token: str
    to: str | None
    messages: list[dict]
    delivered: bool


@dataclass
class SeenRequest:
    method: str
    path: str
    status: int
    retry_key: str | None = None


@dataclass
class _Friend:
    user_id: str
    display_name: str
    language: str | None
    following: bool = True


@dataclass
class _Failure:
    remaining: int
    status: int


class LineError(Exception):
    """An answer in LINE's error shape; raised inside handlers, turned into a response."""

    def __init__(self, status: int, message: str, details: list | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, **({"details": details} if details else {}), **extra}
        self.headers: dict[str, str] = {}


class FakeLine:
    """The fake LINE platform: start it (`with FakeLine() as fake:`), point the SDK at `fake.url`."""

    def __init__(self, channel_access_token: str = CHANNEL_ACCESS_TOKEN, *, monthly_limit: int | None = None):
        self.channel_access_token = channel_access_token
        self.monthly_limit = monthly_limit  # None: no target limit (quota type "none")
        self.total_usage = 0                # messages counted this month, per recipient
        self.pushes: list[Push] = []
        self.replies: list[Reply] = []
        self.requests: list[SeenRequest] = []
        self.internal_errors: list[str] = []  # crashes of the fake itself; must stay empty
        self._friends: dict[str, _Friend] = {}
        self._inboxes: dict[str, list[dict]] = {}
        self._accepted_retry_keys: dict[str, Push] = {}
        self._reply_tokens: dict[str, str | None] = {}  # unused token -> user it answers
        self._failures: list[_Failure] = []
        self._message_ids = count(600_000_000_000_000_001)
        self._lock = threading.RLock()
        self._server = None
        self._thread = None
        self._openapi = None
        self.url = ""

    # ------------------------------------------------------------ life cycle
    def start(self) -> "FakeLine":
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._openapi = _messaging_openapi()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-line", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "FakeLine":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ controls for tests
    @staticmethod
    def new_user_id() -> str:
        """A user id in LINE's shape: U + 32 lowercase hex characters."""
        return "U" + uuid.uuid4().hex

    def add_friend(self, user_id: str, display_name: str, *, language: str | None = "th") -> None:
        """The user adds the Official Account as a friend (or unblocks it)."""
        if not USER_ID.match(user_id):
            raise ValueError(f"not a LINE user id: {user_id!r}")
        with self._lock:
            self._friends[user_id] = _Friend(user_id, display_name, language)
            self._inboxes.setdefault(user_id, [])

    def unfollow(self, user_id: str) -> None:
        """The user blocks the Official Account: pushes still answer 200 but reach nobody."""
        with self._lock:
            if user_id not in self._friends:
                raise ValueError(f"{user_id} was never a friend; add_friend() first")
            self._friends[user_id].following = False

    def inbox(self, user_id: str) -> list[dict]:
        """The messages delivered to this person, in order, each the message JSON as sent."""
        with self._lock:
            return [json.loads(json.dumps(m)) for m in self._inboxes.get(user_id, [])]

    def new_reply_token(self, user_id: str | None = None) -> str:
        """A reply token as a webhook event carries one; usable once. The reply goes to user_id."""
        token = uuid.uuid4().hex
        with self._lock:
            self._reply_tokens[token] = user_id
        return token

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next `count` requests (after the token check) answer `status`; nothing is delivered.

        500/502/503/504 simulate an outage; 429 the rate limit. (The monthly quota's 429 comes from
        `monthly_limit` instead.)
        """
        if status not in (429, 500, 502, 503, 504):
            raise ValueError(f"fail_next simulates 429 or 5xx, not {status}")
        with self._lock:
            self._failures.append(_Failure(count, status))

    def new_month(self) -> None:
        with self._lock:
            self.total_usage = 0

    # ------------------------------------------------------------ HTTP
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        request_id = str(uuid.uuid4())
        retry_key = request.headers.get(RETRY_KEY_HEADER)
        try:
            status, body, headers = self._handle(request, request_id)
        except LineError as error:
            status, body, headers = error.status, error.body, error.headers
        except Exception as error:  # a bug in the fake, not a LINE outage: the fixture fails the test
            self.internal_errors.append(f"{request.method} {request.path}: {error!r}")
            status, body, headers = 500, {"message": f"the fake LINE platform crashed: {error!r}"}, {}
        with self._lock:
            self.requests.append(SeenRequest(request.method, request.path, status, retry_key))
        response = Response(json.dumps(body), status=status, mimetype="application/json",
                            headers={"x-line-request-id": request_id, **headers})
        if status in (200, 400, 409, 429):
            # The fake holds itself to the spec too: its answers must be what LINE documents.
            problems = list(self._openapi.iter_response_errors(WerkzeugOpenAPIRequest(request),
                                                               WerkzeugOpenAPIResponse(response)))
            if problems:
                self.internal_errors.append(f"{request.method} {request.path} answered off-spec: {problems!r}")
        return response(environ, start_response)

    def _handle(self, request: Request, request_id: str):
        oa_request = WerkzeugOpenAPIRequest(request)
        errors = list(self._openapi.iter_request_errors(oa_request))
        if any(isinstance(e, PathError) for e in errors):
            raise LineError(404, "Not found")

        if request.headers.get("Authorization") != f"Bearer {self.channel_access_token}":
            raise LineError(401, AUTH_FAILED)

        self._take_armed_failure()

        if RETRY_KEY_HEADER in request.headers:
            if request.path not in RETRY_KEY_ENDPOINTS:
                raise LineError(400, f"The {RETRY_KEY_HEADER} header is not supported for this API")
            if not _is_uuid(request.headers[RETRY_KEY_HEADER]):
                raise LineError(400, f"The value for the '{RETRY_KEY_HEADER}' header is invalid")
        if errors:
            raise _spec_refusal(errors)

        handler = self._route(request)
        if handler is None:
            raise LineError(501, f"The fake LINE API does not implement {request.method} {request.path}")
        return handler(request, request_id)

    def _take_armed_failure(self) -> None:
        with self._lock:
            if not self._failures:
                return
            failure = self._failures[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.pop(0)
        if failure.status == 429:
            raise LineError(429, RATE_LIMIT)
        raise LineError(failure.status, "An error occurred in the fake LINE platform (simulated).")

    def _route(self, request: Request):
        routes = {
            ("POST", "/v2/bot/message/push"): self._push,
            ("POST", "/v2/bot/message/reply"): self._reply,
            ("GET", "/v2/bot/message/quota"): self._quota,
            ("GET", "/v2/bot/message/quota/consumption"): self._consumption,
        }
        if request.method == "GET" and request.path.startswith("/v2/bot/profile/"):
            return self._profile
        return routes.get((request.method, request.path))

    # ------------------------------------------------------------ endpoints
    def _push(self, request: Request, request_id: str):
        body = request.get_json()
        _check_documented_limits(body["messages"])
        retry_key = request.headers.get(RETRY_KEY_HEADER)
        with self._lock:
            if retry_key is not None and retry_key in self._accepted_retry_keys:
                # LINE executes a request with a given retry key once; a retry of an accepted one is
                # blocked with 409, the id of the accepted request and what it sent.
                first = self._accepted_retry_keys[retry_key]
                error = LineError(409, "The retry key is already accepted", sentMessages=first.sent_messages)
                error.headers["x-line-accepted-request-id"] = first.request_id
                raise error
            friend = self._friends.get(body["to"])
            if friend is None:
                raise LineError(400, "Failed to send messages")
            # A push is refused once the month's target is used up, whoever the recipient is
            # (unknown: whether LINE also refuses when the recipient has blocked the account).
            if self.monthly_limit is not None and self.total_usage >= self.monthly_limit:
                raise LineError(429, MONTHLY_LIMIT)
            sent = self._sent_messages(body["messages"])
            push = Push(body["to"], body["messages"], retry_key, request_id, sent, delivered=friend.following)
            if friend.following:
                self._inboxes[friend.user_id].extend(body["messages"])
                self.total_usage += 1  # one request to one recipient counts 1, however many messages
            self.pushes.append(push)
            if retry_key is not None:
                self._accepted_retry_keys[retry_key] = push
        return 200, {"sentMessages": sent}, {}

    def _reply(self, request: Request, request_id: str):
        body = request.get_json()
        _check_documented_limits(body["messages"])
        with self._lock:
            if body["replyToken"] not in self._reply_tokens:
                raise LineError(400, "Invalid reply token")
            user_id = self._reply_tokens.pop(body["replyToken"])  # each token works once
            friend = self._friends.get(user_id) if user_id else None
            delivered = bool(friend and friend.following)
            if delivered:
                self._inboxes[user_id].extend(body["messages"])
            # Replies are free: they never count towards the monthly quota.
            self.replies.append(Reply(body["replyToken"], user_id, body["messages"], delivered))
            sent = self._sent_messages(body["messages"])
        return 200, {"sentMessages": sent}, {}

    def _quota(self, request: Request, request_id: str):
        if self.monthly_limit is None:
            return 200, {"type": "none"}, {}
        return 200, {"type": "limited", "value": self.monthly_limit}, {}

    def _consumption(self, request: Request, request_id: str):
        with self._lock:
            return 200, {"totalUsage": self.total_usage}, {}

    def _profile(self, request: Request, request_id: str):
        user_id = request.path.rsplit("/", 1)[1]
        with self._lock:
            friend = self._friends.get(user_id)
            # LINE gives profiles of friends only: unknown users and those who blocked get 404.
            if friend is None or not friend.following:
                raise LineError(404, "Not found")
            profile = {"displayName": friend.display_name, "userId": friend.user_id}
            if friend.language:
                profile["language"] = friend.language
        return 200, profile, {}

    def _sent_messages(self, messages: list[dict]) -> list[dict]:
        return [{"id": str(next(self._message_ids)), "quoteToken": uuid.uuid4().hex} for _ in messages]


@lru_cache(maxsize=1)
def _messaging_openapi() -> OpenAPI:
    """The strict Messaging API description, built (and checked by openapi-core) once per process."""
    spec = strict_spec("messaging-api.yml")
    # The file only knows https://api.line.me and openapi-core matches a request by server + path,
    # so the fake's own address goes first: any port on 127.0.0.1, so that one build serves every
    # fake in the process. (Endpoints with their own `servers`, the blob ones on api-data.line.me,
    # stay unmatched and answer 404, as api.line.me itself would.)
    spec["servers"] = [{"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "80"}}},
                       *spec.get("servers", [])]
    return OpenAPI.from_dict(spec)


class _QuietHandler(WSGIRequestHandler):
    # LINE's API keeps connections open (HTTP/1.1); a server that closed each one would make every other request
    # of the SDK's pool fail on a dead connection and be retried: slow, and not what the real service does.
    protocol_version = "HTTP/1.1"

    def log_request(self, *args, **kwargs):  # the request log lives in FakeLine.requests
        pass


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    # uuid.UUID also takes braces, urn: prefixes and bare hex; LINE wants the hyphenated form.
    return bool(re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", value))


def _spec_refusal(errors: list[Exception]) -> LineError:
    """One 400 in LINE's shape for everything openapi-core found wrong with the request."""
    parameter_details, body_details = [], []
    for error in errors:
        name = getattr(error, "name", None)  # set on header and query parameter errors
        schema_errors = getattr(error.__cause__, "schema_errors", None)
        found = explain(schema_errors) if schema_errors else [{"message": str(error)}]
        if name:
            parameter_details += [{**detail, "property": name} for detail in found]
        else:
            body_details += found
    if body_details:
        message = f"The request body has {len(body_details)} error(s)"
    else:
        message = "The request is invalid"
    return LineError(400, message, parameter_details + body_details)


def _check_documented_limits(messages: list[dict]) -> None:
    details = []
    for i, message in enumerate(messages):
        kind = message["type"]
        if kind == "text":
            length = _line_length(message["text"])
            if not 1 <= length <= TEXT_MAX:
                details.append({"message": f"Length must be between 1 and {TEXT_MAX}", "property": f"messages[{i}].text"})
        if kind in ALT_TEXT_MAX:
            length = _line_length(message["altText"])
            if not 1 <= length <= ALT_TEXT_MAX[kind]:
                details.append({"message": f"Length must be between 1 and {ALT_TEXT_MAX[kind]}",
                                "property": f"messages[{i}].altText"})
        if kind == "flex":
            contents = message["contents"]
            bubbles = contents.get("contents", []) if contents["type"] == "carousel" else [contents]
            for j, bubble in enumerate(bubbles):
                size = len(json.dumps(bubble, ensure_ascii=False, separators=(",", ":")).encode())
                if size > BUBBLE_MAX_BYTES:
                    where = f"messages[{i}].contents" + (f".contents[{j}]" if contents["type"] == "carousel" else "")
                    details.append({"message": f"A bubble's JSON must be at most {BUBBLE_MAX_BYTES} bytes",
                                    "property": where})
    if details:
        raise LineError(400, f"The request body has {len(details)} error(s)", details)


def _line_length(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@pytest.fixture
def fake_line():
    """A running fake LINE platform for one test, with the channel token CHANNEL_ACCESS_TOKEN."""
    with FakeLine() as fake:
        yield fake
    assert not fake.internal_errors, f"the fake LINE platform crashed: {fake.internal_errors}"
