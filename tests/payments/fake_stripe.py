"""An in-memory fake of Stripe's HTTP API, for tests that drive the real `stripe` library over HTTP.

Why: localstripe 1.15 refuses PromptPay payment methods and has no separate confirm, so a PaymentIntent the app
creates can never be paid there. This covers only what the app uses (card and PromptPay PaymentIntents in THB,
cancel, refunds, the QR code, signed webhooks). It fakes only Stripe's HTTP edge: the app and the official
library run unchanged against `StripeClient(key, base_addresses={"api": fake.url}, stripe_version=API_VERSION)`.
What the payer or Stripe does elsewhere (scans the QR code, Stripe.js confirms a card, the QR code expires, a
refund settles) the test does with `pay()` / `fail()` / `cancel()` / `move_refund()`; webhooks are built with
`event()` and signed with `sign()`.

It speaks one API version, the installed library's default: every request must pin it with Stripe-Version, and
every request is checked against that version's generated request types (`stripe_contract`) before the fake
acts, so a parameter real Stripe refuses is refused here too. Objects and events carry the fields the library's
classes declare for that version. Each request is handled under one lock.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import json
import random
import secrets
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe

from tests.payments import stripe_contract

API_VERSION = stripe._api_version._ApiVersion.CURRENT
JSON = "application/json"
DECLINE = {"type": "card_error", "code": "card_declined", "decline_code": "generic_decline"}
PAYABLE_TYPES = ("card", "promptpay")  # the payment method types this fake can take money with
REFUND_STATUSES = ("pending", "requires_action", "succeeded", "failed", "canceled")  # as stripe.Refund documents
# What the fake answers: method, path ({id} is any one segment), the request type in `stripe.params` the
# parameters are checked against, and the handler, called with the parameters and the path's ids.
ENDPOINTS = (
    ("POST", "/v1/payment_intents", "PaymentIntentCreateParams", "_create"),
    ("GET", "/v1/payment_intents/{id}", "PaymentIntentRetrieveParams", "_retrieve"),
    ("POST", "/v1/payment_intents/{id}/confirm", "PaymentIntentConfirmParams", "_confirm_by_id"),
    ("POST", "/v1/payment_intents/{id}/cancel", "PaymentIntentCancelParams", "_cancel_by_id"),
    ("POST", "/v1/refunds", "RefundCreateParams", "_refund"),
    ("GET", "/v1/refunds/{id}", "RefundRetrieveParams", "_retrieve_refund"),
)
INTENT_FIELDS = stripe_contract.object_fields(stripe.PaymentIntent)
REFUND_FIELDS = stripe_contract.object_fields(stripe.Refund)
EVENT_FIELDS = stripe_contract.object_fields(stripe.Event)
EVENT_TYPES = frozenset(stripe_contract.literal_values(stripe.Event, "type"))
CANCELLATION_REASONS = frozenset(stripe_contract.literal_values(stripe.PaymentIntent, "cancellation_reason"))


class StripeErr(Exception):
    """An API error, answered with Stripe's shape: {"error": {"type", "code", "message", "param", ...}}."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error", **fields):
        super().__init__(message)
        self.status = status
        error = {"type": type, "message": message, **fields}
        self.body = {"error": {k: v for k, v in error.items() if v is not None}}


def sign(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header value for `payload`, as Stripe signs webhooks."""
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.{payload}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's bracket encoding (`a[b][0]=x`) into nested dicts; dicts keyed 0..n become lists."""
    def listify(node):
        if not isinstance(node, dict):
            return node
        out = {k: listify(v) for k, v in node.items()}
        return [out[k] for k in sorted(out, key=int)] if out and all(k.isdigit() for k in out) else out
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        *path, last = [head] + (rest[:-1].split("][") if rest else [])
        node = root
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return listify(root)


def _rid(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _money(amount: int, currency: str) -> str:
    return f"{'฿' if currency == 'thb' else currency.upper() + ' '}{amount / 100:.2f}"


def _png(seed: str, cells: int = 21, scale: int = 4) -> bytes:
    """A real grayscale PNG of random-looking squares (it only has to look like a QR code)."""
    rnd, side = random.Random(seed), cells * scale
    grid = [[rnd.random() < 0.5 for _ in range(cells)] for _ in range(cells)]
    raw = b"".join(b"\x00" + bytes(0 if grid[y // scale][x // scale] else 255 for x in range(side))
                   for y in range(side))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class FakeStripe:
    def __init__(self):
        self.url: str | None = None
        self.intents: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.fail_next = 0  # when > 0, the next N API requests get a 500 api_error
        self.refund_status = "succeeded"  # new refunds start so; "pending" for one that settles later
        self._idempotent: dict[str, tuple[tuple, int, bytes]] = {}
        self._lock = threading.RLock()
        self._server: _Server | None = None

    def start(self) -> FakeStripe:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def intent(self, intent_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self.intents[intent_id])

    def pay(self, intent_id: str) -> dict:
        """The payer scans the PromptPay QR code / Stripe.js confirms the card: the intent succeeds."""
        with self._lock:
            pi = self._payable(intent_id)
            pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=_rid("ch"),
                      next_action=None, last_payment_error=None)
            return copy.deepcopy(pi)

    def fail(self, intent_id: str, message: str = "Your card was declined.") -> dict:
        with self._lock:
            pi = self._payable(intent_id)
            pi.update(status="requires_payment_method", next_action=None,
                      last_payment_error={"message": message, "code": "card_declined", "type": "card_error"})
            return copy.deepcopy(pi)

    def cancel(self, intent_id: str, reason: str = "automatic") -> dict:
        """Stripe cancels the intent itself (a PromptPay QR code left unpaid until it expired)."""
        if reason not in CANCELLATION_REASONS:
            raise ValueError(f"a PaymentIntent's cancellation_reason is one of {sorted(CANCELLATION_REASONS)}")
        with self._lock:
            pi = self._payable(intent_id)
            pi.update(status="canceled", canceled_at=int(time.time()), cancellation_reason=reason, next_action=None)
            return copy.deepcopy(pi)

    def _payable(self, intent_id: str) -> dict:
        pi = self.intents[intent_id]
        if pi["status"] in ("succeeded", "canceled"):
            raise ValueError(f"{intent_id} is {pi['status']}: it cannot be paid, failed or cancelled any more")
        return pi

    def refund(self, refund_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._find_refund(refund_id))

    def move_refund(self, refund_id: str, status: str, failure_reason: str | None = None) -> dict:
        """A refund settles at the bank (succeeded, failed...): the refund object for its refund.updated event."""
        if status not in REFUND_STATUSES:
            raise ValueError(f"a refund's status is one of {REFUND_STATUSES}, not {status!r}")
        with self._lock:
            refund = self._find_refund(refund_id)
            refund.update(status=status, failure_reason=(failure_reason or "unknown") if status == "failed" else None)
            return copy.deepcopy(refund)

    def _find_refund(self, refund_id: str) -> dict:
        for refund in self.refunds:
            if refund["id"] == refund_id:
                return refund
        raise StripeErr(404, f"No such refund: '{refund_id}'", code="resource_missing", param="id")

    def event(self, type: str, obj: dict, event_id: str | None = None, previous_attributes: dict | None = None,
              request_id: str | None = None, idempotency_key: str | None = None) -> dict:
        """An event as this API version delivers it; `request_id` is None for what Stripe did by itself."""
        if type not in EVENT_TYPES:
            raise ValueError(f"{type!r} is not an event type of API version {API_VERSION}")
        data = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        return dict.fromkeys(EVENT_FIELDS) | {
            "id": event_id or _rid("evt"), "object": "event", "api_version": API_VERSION, "created": int(time.time()),
            "data": data, "livemode": False, "pending_webhooks": 1, "type": type,
            "request": {"id": request_id, "idempotency_key": idempotency_key}}

    def _dispatch(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, str, bytes, dict]:
        with self._lock:
            self.requests.append((method, path, params, headers))
            if path.startswith("/qr/"):
                return self._qr(path[len("/qr/"):])
            lower = {k.lower(): v for k, v in headers.items()}
            key = lower.get("idempotency-key") if method == "POST" else None
            extra = {"Idempotency-Key": key} if key else {}
            try:
                if self.fail_next > 0:
                    self.fail_next -= 1
                    raise StripeErr(500, "An unknown error occurred while processing your request.", "api_error")
                if not lower.get("authorization", "").startswith("Bearer sk_"):
                    raise StripeErr(401, "Invalid API Key provided")
                version = lower.get("stripe-version")
                if version != API_VERSION:  # the app's pinned version drifted from the library's, or is not sent
                    said = f"Invalid Stripe API version: {version}" if version else "No Stripe-Version header was sent"
                    raise StripeErr(400, f"{said}. This fake Stripe only knows {API_VERSION}, the version the "
                                    "installed stripe library's types describe.")
                if key in self._idempotent:
                    signature, status, body = self._idempotent[key]
                    if signature != (method, path, params):
                        raise StripeErr(400, "Keys for idempotent requests can only be used with the same parameters"
                                        f" they were first used with (key '{key}').", "idempotency_error")
                    return status, JSON, body, extra | {"Idempotent-Replayed": "true"}
                status, obj = 200, self._route(method, path, params)
            except StripeErr as error:
                status, obj = error.status, error.body
            body = json.dumps(obj).encode("utf-8")
            if key and (status < 400 or status == 402):  # like Stripe: saved once the endpoint has run
                self._idempotent[key] = ((method, path, params), status, body)
            return status, JSON, body, extra

    def _route(self, method: str, path: str, p: dict) -> dict:
        params_type, handler, ids = endpoint(method, path)
        try:
            stripe_contract.validate(params_type, p)
        except stripe_contract.ContractError as error:
            raise StripeErr(400, error.message, code=error.code, param=error.param) from error
        return getattr(self, handler)(p, *ids)

    def _retrieve(self, p: dict, pid: str) -> dict:
        return self._pi(pid)

    def _confirm_by_id(self, p: dict, pid: str) -> dict:
        return self._confirm(self._pi(pid), p)

    def _cancel_by_id(self, p: dict, pid: str) -> dict:
        return self._cancel(self._pi(pid), p)

    def _retrieve_refund(self, p: dict, rid: str) -> dict:
        return self._find_refund(rid)

    def _pi(self, pid: str, param: str = "id") -> dict:
        if pid not in self.intents:
            raise StripeErr(404, f"No such payment_intent: '{pid}'", code="resource_missing", param=param)
        return self.intents[pid]

    def _create(self, p: dict) -> dict:
        for name in ("amount", "currency"):
            if not p.get(name):
                raise StripeErr(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
        if not str(p["amount"]).isdigit() or int(p["amount"]) < 1:
            raise StripeErr(400, "This value must be greater than or equal to 1.", param="amount")
        amount, currency, pid = int(p["amount"]), p["currency"].lower(), _rid("pi")
        if currency == "thb" and amount < 1000:
            raise StripeErr(400, "Amount must be at least ฿10.00 thb", code="amount_too_small", param="amount")
        pi = dict.fromkeys(INTENT_FIELDS) | {
            "id": pid, "object": "payment_intent", "amount": amount, "amount_capturable": 0, "amount_received": 0,
            "currency": currency, "status": "requires_payment_method", "created": int(time.time()),
            "client_secret": f"{pid}_secret_{secrets.token_hex(12)}", "livemode": False,
            "metadata": p.get("metadata") or {}, "description": p.get("description"),
            "capture_method": p.get("capture_method") or "automatic_async",
            "confirmation_method": p.get("confirmation_method") or "automatic",
            "receipt_email": p.get("receipt_email") or None, "setup_future_usage": p.get("setup_future_usage")}
        self._allow(pi, p.get("allowed_payment_method_types"))
        if p.get("confirm") == "true":
            return self._confirm(pi, p)  # stores the intent once its params are valid
        self.intents[pid] = pi
        return pi

    def _allow(self, pi: dict, allowed: list[str] | None) -> None:
        """Stripe answers with the allowed types it can use here in `payment_method_types` (card when none given)."""
        if allowed is None:
            pi["payment_method_types"] = pi["payment_method_types"] or ["card"]
            return
        usable = [kind for kind in allowed if kind in PAYABLE_TYPES]
        if not usable:
            raise StripeErr(400, f"None of the allowed_payment_method_types {allowed} can be used here (this fake "
                            f"takes {', '.join(PAYABLE_TYPES)}).", code="payment_intent_invalid_parameter",
                            param="allowed_payment_method_types")
        pi.update(allowed_payment_method_types=list(allowed), payment_method_types=usable)

    def _confirm(self, pi: dict, p: dict) -> dict:
        if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
            raise StripeErr(400, f"You cannot confirm this PaymentIntent because it has a status of {pi['status']}.",
                            code="payment_intent_unexpected_state")
        if "allowed_payment_method_types" in p:
            self._allow(pi, p["allowed_payment_method_types"])
        pmd, pm, types = p.get("payment_method_data") or {}, p.get("payment_method"), pi["payment_method_types"]
        kind = "promptpay" if pmd.get("type") == "promptpay" else "card"
        if kind not in types:
            raise StripeErr(400, f"The payment method type provided: {kind} is invalid. This PaymentIntent is "
                            f"configured to accept the following payment_method_types: {types}.",
                            code="payment_intent_invalid_parameter")
        if kind == "promptpay":
            if not (pmd.get("billing_details") or {}).get("email"):
                raise StripeErr(400, "Missing required param: payment_method_data[billing_details][email].",
                                code="parameter_missing", param="payment_method_data[billing_details][email]")
            self.intents[pi["id"]], qr = pi, f"{self.url}/qr/{pi['id']}"
            pi.update(status="requires_action", payment_method=_rid("pm"), last_payment_error=None, next_action={
                "type": "promptpay_display_qr_code", "promptpay_display_qr_code": {
                    "data": f"fake-promptpay:{pi['id']}:{pi['amount']}", "hosted_instructions_url": qr,
                    "image_url_png": f"{qr}.png", "image_url_svg": f"{qr}.svg"}})
            return pi
        if pm not in ("pm_card_visa", "pm_card_chargeDeclined"):
            raise StripeErr(400, f"No such PaymentMethod: '{pm}'" if pm else "Missing required param: payment_method.",
                            code="resource_missing" if pm else "parameter_missing", param="payment_method")
        self.intents[pi["id"]] = pi
        if pm == "pm_card_chargeDeclined":
            error = {**DECLINE, "message": "Your card was declined."}
            pi.update(status="requires_payment_method", payment_method=None, last_payment_error=error)
            raise StripeErr(402, **error, payment_intent=pi)
        pi.update(status="succeeded", payment_method=pm, amount_received=pi["amount"], latest_charge=_rid("ch"),
                  next_action=None, last_payment_error=None)
        return pi

    def _cancel(self, pi: dict, p: dict) -> dict:
        if pi["status"] in ("succeeded", "canceled"):
            raise StripeErr(400, f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}.",
                            code="payment_intent_unexpected_state")
        pi.update(status="canceled", canceled_at=int(time.time()), next_action=None,
                  cancellation_reason=p.get("cancellation_reason"))
        return pi

    def _refund(self, p: dict) -> dict:
        if not p.get("payment_intent"):
            raise StripeErr(400, "Missing required param: payment_intent.", code="parameter_missing",
                            param="payment_intent")
        pi = self._pi(p["payment_intent"], param="payment_intent")
        if pi["status"] != "succeeded":
            raise StripeErr(400, f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                            param="payment_intent")
        done = sum(r["amount"] for r in self.refunds
                   if r["payment_intent"] == pi["id"] and r["status"] not in ("failed", "canceled"))
        left, cur = pi["amount_received"] - done, pi["currency"]
        if left <= 0:
            raise StripeErr(400, f"Charge {pi['latest_charge']} has already been refunded.",
                            code="charge_already_refunded")
        raw = str(p.get("amount", left))
        amount = int(raw) if raw.isdigit() else 0
        if amount < 1:
            raise StripeErr(400, "This value must be greater than or equal to 1.", param="amount")
        if amount > left:
            what = "charge amount" if done == 0 else "unrefunded amount on charge"
            raise StripeErr(400, f"Refund amount ({_money(amount, cur)}) is greater than {what} ({_money(left, cur)})",
                            param="amount")
        refund = dict.fromkeys(REFUND_FIELDS) | {
            "id": _rid("re"), "object": "refund", "amount": amount, "currency": cur, "payment_intent": pi["id"],
            "charge": pi["latest_charge"], "status": self.refund_status, "reason": p.get("reason"),
            "metadata": p.get("metadata") or {}, "created": int(time.time()),
            "instructions_email": p.get("instructions_email")}
        self.refunds.append(refund)
        return refund

    def _qr(self, name: str) -> tuple[int, str, bytes, dict]:
        pid, _, ext = name.partition(".")
        if pid not in self.intents:
            return 404, "text/plain", b"no such QR code", {}
        if ext == "png":
            return 200, "image/png", _png(pid), {}
        if ext == "svg":
            return 200, "image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg" width="84" height="84"/>', {}
        pi = self.intents[pid]
        page = f"<!doctype html><title>PromptPay</title><p>Pay {_money(pi['amount'], pi['currency'])}</p>"
        return 200, "text/html; charset=utf-8", f"{page}<img src='/qr/{pid}.png' alt='QR code'>".encode(), {}


def endpoint(method: str, path: str) -> tuple[str, str, list[str]]:
    """(request type, handler name, the path's ids) for a request, or a 404 StripeErr."""
    parts = path.strip("/").split("/")
    for verb, template, params_type, handler in ENDPOINTS:
        pattern = template.strip("/").split("/")
        if verb == method and len(pattern) == len(parts) and all(
                want in ("{id}", got) for want, got in zip(pattern, parts)):
            return params_type, handler, [got for want, got in zip(pattern, parts) if want == "{id}"]
    raise StripeErr(404, f"Unrecognized request URL ({method}: {path}).")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 resets connections when many tests' requests arrive at once


class _Handler(BaseHTTPRequestHandler):
    def _handle(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        pairs = parse_qsl(url.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True)
        status, ctype, payload, extra = self.server.fake._dispatch(self.command, url.path, decode_form(pairs),
                                                                   dict(self.headers))
        self.send_response(status)
        for name, value in {"Content-Type": ctype, "Content-Length": str(len(payload)),
                            "Request-Id": _rid("req"), **extra}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _handle

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass
