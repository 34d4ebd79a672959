"""The fake Stripe refuses what the pinned API version refuses, seen through the real `stripe` library."""
from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request

import pytest
import stripe

from tests.payments import stripe_contract
from tests.payments.fake_stripe import (
    API_VERSION,
    ENDPOINTS,
    EVENT_FIELDS,
    INTENT_FIELDS,
    REFUND_FIELDS,
    FakeStripe,
    sign,
)

SECRET = "whsec_contract"
PROMPTPAY = {"amount": 1500, "currency": "thb", "allowed_payment_method_types": ["promptpay"], "confirm": True,
             "description": "Green Smile GS-1", "metadata": {"checkout_reference": "GS-1"},
             "payment_method_data": {"type": "promptpay", "billing_details": {"email": "somchai@example.com"}}}
CARD = {"amount": 2500, "currency": "thb", "allowed_payment_method_types": ["card"], "confirm": True,
        "payment_method": "pm_card_visa"}


# These tests talk to the fake alone: the suite's autouse app and database fixtures are not theirs to wait for.
@pytest.fixture(autouse=True)
def db_session():
    yield None


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    yield


@pytest.fixture(scope="module")
def fake():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def client(fake, version: str = API_VERSION) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url}, stripe_version=version,
                               max_network_retries=0)


@pytest.fixture(scope="module")
def api(fake):
    return client(fake).v1


def refused(call, code: str | None, param: str) -> str:
    """Run a call the fake must refuse with a 400; returns Stripe's message."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call()
    error = caught.value
    assert (error.http_status, error.code, error.param) == (400, code, param)
    assert error.json_body["error"]["type"] == "invalid_request_error"
    return error.json_body["error"]["message"]


def without(params: dict, *keys: str) -> dict:
    return {key: value for key, value in params.items() if key not in keys}


def test_the_fake_speaks_the_installed_library_version():
    assert API_VERSION == stripe_contract.API_VERSION == stripe._api_version._ApiVersion.CURRENT


def test_the_codes_the_validator_answers_are_stripes_own():
    published = set(stripe_contract.literal_values(stripe.PaymentIntent.LastPaymentError, "code"))
    assert {"parameter_unknown", "parameter_missing", "parameter_invalid_integer"} <= published


@pytest.mark.parametrize("params_type", sorted({row[2] for row in ENDPOINTS}))
def test_every_type_under_a_routed_request_is_understood(params_type):
    assert stripe_contract.check_schema(params_type) >= 1


@pytest.mark.parametrize("params_type", sorted({row[2] for row in ENDPOINTS}))
def test_the_validator_refuses_a_random_key_on_every_routed_request(params_type):
    key = f"zz_{secrets.token_hex(4)}"
    with pytest.raises(stripe_contract.ContractError) as caught:
        stripe_contract.validate(params_type, {key: "1"})
    assert (caught.value.code, caught.value.param) == ("parameter_unknown", key)


def test_every_routed_endpoint_refuses_a_random_key_over_http(fake, api):
    intent = api.payment_intents.create(params=CARD)
    refund = api.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    pending = api.payment_intents.create(params=without(PROMPTPAY, "confirm", "payment_method_data"))
    ids = {"/v1/payment_intents/{id}": intent.id, "/v1/payment_intents/{id}/confirm": pending.id,
           "/v1/payment_intents/{id}/cancel": pending.id, "/v1/refunds/{id}": refund.id}
    for method, template, _, _ in ENDPOINTS:
        key = f"zz_{secrets.token_hex(4)}"
        path = template.replace("{id}", ids.get(template, ""))
        refused(lambda: client(fake).raw_request(method.lower(), path, **{key: "1"}), "parameter_unknown", key)


def test_payment_method_types_is_refused_as_on_this_version(api):
    message = refused(lambda: api.payment_intents.create(params={
        **without(PROMPTPAY, "allowed_payment_method_types"), "payment_method_types": ["promptpay"]}),
        "payment_method_types_no_longer_supported", "payment_method_types")
    assert API_VERSION in message and "allowed_payment_method_types" in message
    intent = api.payment_intents.create(params=without(PROMPTPAY, "confirm", "payment_method_data"))
    refused(lambda: api.payment_intents.confirm(intent.id, params={"payment_method_types": ["promptpay"]}),
            "payment_method_types_no_longer_supported", "payment_method_types")


@pytest.mark.parametrize("extra, path", [
    ({"colour": "green"}, "colour"),
    ({"idempotency_key": "k1"}, "idempotency_key"),  # a client option, never a body parameter
    ({"payment_method_data": {"type": "promptpay", "billing_detailz": {"email": "a@example.com"}}},
     "payment_method_data[billing_detailz]"),
    ({"payment_method_data": {"type": "promptpay", "billing_details": {"emial": "a@example.com"}}},
     "payment_method_data[billing_details][emial]"),
])
def test_unknown_parameters_are_refused_by_their_path(api, extra, path):
    message = refused(lambda: api.payment_intents.create(params={**PROMPTPAY, **extra}), "parameter_unknown", path)
    assert message.startswith(f"Received unknown parameter: {path}")


def test_missing_required_parameters_are_named(api):
    message = refused(lambda: api.payment_intents.create(params=without(PROMPTPAY, "amount")),
                      "parameter_missing", "amount")
    assert message == "Missing required param: amount."
    refused(lambda: api.payment_intents.create(params={
        **PROMPTPAY, "payment_method_data": {"billing_details": {"email": "a@example.com"}}}),
        "parameter_missing", "payment_method_data[type]")


@pytest.mark.parametrize("extra, param, message", [
    ({"capture_method": "sometimes"}, "capture_method",
     "Invalid capture_method: must be one of automatic, automatic_async, or manual"),
    ({"payment_method_data": {"type": "carrier_pigeon"}}, "payment_method_data[type]", None),
    ({"allowed_payment_method_types": ["carrier_pigeon"]}, "allowed_payment_method_types[0]", None),
    ({"confirm": "yes"}, "confirm", "Invalid boolean: yes"),
    ({"metadata": {"tags": ["a", "b"]}}, "metadata[tags]", None),
])
def test_values_outside_their_type_are_refused(api, extra, param, message):
    # Stripe's published codes have none for these: it answers with the param and a message, as here.
    said = refused(lambda: api.payment_intents.create(params={**PROMPTPAY, **extra}), None, param)
    assert message is None or said == message


@pytest.mark.parametrize("amount", ["12.50", 12.5, "ten"])
def test_a_non_integer_amount_is_refused(api, amount):
    message = refused(lambda: api.payment_intents.create(params={**PROMPTPAY, "amount": amount}),
                      "parameter_invalid_integer", "amount")
    assert message == f"Invalid integer: {amount}"


def test_a_good_promptpay_intent_answers_with_its_qr_code(fake, api):
    intent = api.payment_intents.create(params=PROMPTPAY, options={"idempotency_key": secrets.token_hex(8)})
    assert (intent.status, intent.amount, intent.currency) == ("requires_action", 1500, "thb")
    assert intent.payment_method_types == intent.allowed_payment_method_types == ["promptpay"]
    qr = intent.next_action.promptpay_display_qr_code
    assert intent.next_action.type == "promptpay_display_qr_code"
    assert qr.image_url_png == f"{fake.url}/qr/{intent.id}.png" and qr.hosted_instructions_url
    assert api.payment_intents.retrieve(intent.id, params={"expand": ["latest_charge"]}).id == intent.id


def test_the_fakes_objects_carry_this_versions_fields(fake, api):
    intent = fake.intent(api.payment_intents.create(params=CARD).id)
    refund = fake.refund(api.refunds.create(params={"payment_intent": intent["id"]}).id)
    event = fake.event("payment_intent.succeeded", intent)
    for obj, fields in ((intent, INTENT_FIELDS), (refund, REFUND_FIELDS), (event, EVENT_FIELDS)):
        assert set(obj) == set(fields)
        assert [name for name, nullable in fields.items() if not nullable and obj[name] is None] == []


def test_another_stripe_version_is_refused(fake):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client(fake, "2024-06-20").v1.payment_intents.create(params=PROMPTPAY)
    assert caught.value.http_status == 400 and API_VERSION in caught.value.json_body["error"]["message"]
    request = urllib.request.Request(f"{fake.url}/v1/payment_intents", data=b"amount=1500&currency=thb",
                                     headers={"Authorization": "Bearer sk_test_x"})
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request)
    assert missing.value.code == 400 and API_VERSION in json.load(missing.value)["error"]["message"]


def test_refunds_are_checked_too(fake, api):
    intent = api.payment_intents.create(params=CARD)
    refused(lambda: api.refunds.create(params={"payment_intent": intent.id, "amount": 500, "colour": "green"}),
            "parameter_unknown", "colour")
    refused(lambda: api.refunds.create(params={"payment_intent": intent.id, "reason": "bored"}), None, "reason")
    refund = api.refunds.create(params={"payment_intent": intent.id, "amount": 500, "reason": "requested_by_customer",
                                        "metadata": {"order_id": "7"}})
    assert (refund.object, refund.status, refund.amount, refund.payment_intent) == (
        "refund", "succeeded", 500, intent.id)
    assert api.refunds.retrieve(refund.id).metadata.to_dict() == {"order_id": "7"}


def test_what_the_fake_did_before_still_holds(fake, api):
    refused(lambda: api.payment_intents.create(params={**CARD, "amount": 900}), "amount_too_small", "amount")
    with pytest.raises(stripe.CardError) as declined:
        api.payment_intents.create(params={**CARD, "payment_method": "pm_card_chargeDeclined"})
    assert (declined.value.http_status, declined.value.code) == (402, "card_declined")
    key = secrets.token_hex(8)
    first = api.payment_intents.create(params=CARD, options={"idempotency_key": key})
    assert api.payment_intents.create(params=CARD, options={"idempotency_key": key}).id == first.id
    with pytest.raises(stripe.IdempotencyError):
        api.payment_intents.create(params={**CARD, "amount": 3000}, options={"idempotency_key": key})


def test_stripe_cancels_an_unpaid_intent(fake, api):
    intent = api.payment_intents.create(params=PROMPTPAY)
    cancelled = fake.cancel(intent.id)
    assert (cancelled["status"], cancelled["cancellation_reason"]) == ("canceled", "automatic")
    assert api.payment_intents.retrieve(intent.id).status == "canceled"
    with pytest.raises(ValueError):
        fake.pay(intent.id)


def test_built_events_parse_and_verify_with_the_library(fake, api):
    paid, lapsed = (api.payment_intents.create(params=PROMPTPAY) for _ in range(2))
    refund = api.refunds.create(params={"payment_intent": fake.pay(paid.id)["id"], "amount": 1000})
    fake.refund_status = "pending"
    try:
        pending = api.refunds.create(params={"payment_intent": paid.id, "amount": 200})
    finally:
        fake.refund_status = "succeeded"
    assert fake.refund(pending.id)["status"] == "pending"
    failed = fake.move_refund(pending.id, "failed")
    assert (failed["status"], failed["failure_reason"]) == ("failed", "unknown")
    events = [
        fake.event("payment_intent.succeeded", fake.intent(paid.id)),
        fake.event("payment_intent.canceled", fake.cancel(lapsed.id)),
        fake.event("refund.created", fake.refund(refund.id), request_id="req_123", idempotency_key="k"),
        fake.event("refund.updated", failed, previous_attributes={"status": "pending"}),
        fake.event("charge.refund.updated", failed, previous_attributes={"status": "pending"}),
    ]
    for event in events:
        parsed = stripe.Event.construct_from(event, "sk_test_x")
        assert (parsed.id, parsed.type, parsed.api_version) == (event["id"], event["type"], API_VERSION)
        assert parsed.data.object.id == event["data"]["object"]["id"]
        payload = json.dumps(event)
        verified = stripe.Webhook.construct_event(payload, sign(payload, SECRET), SECRET)
        assert verified.to_dict() == parsed.to_dict()
    assert events[3]["data"]["previous_attributes"] == {"status": "pending"}
    with pytest.raises(ValueError):
        fake.event("payment_intent.cancelled", fake.intent(lapsed.id))
