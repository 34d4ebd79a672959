"""Stripe for the payment tests: the real `stripe` library talking HTTP to a fake Stripe on 127.0.0.1."""
from __future__ import annotations

import json

import pytest

from tests.payments.fake_stripe import FakeStripe, sign

WEBHOOK_SECRET = "whsec_test_greensmile"


@pytest.fixture(scope="session")
def fake_stripe():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def stripe_on(app, fake_stripe):
    """Stripe keys set for this test only; the app talks to the fake."""
    saved = {key: app.config[key] for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
                                              "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_greensmile", STRIPE_PUBLISHABLE_KEY="pk_test_greensmile",
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake_stripe.url)
    fake_stripe.fail_next = 0
    yield fake_stripe
    fake_stripe.fail_next = 0
    app.config.update(saved)


def post_event(client, event: dict, secret: str = WEBHOOK_SECRET):
    """Deliver a webhook the way Stripe does: the raw JSON body and its Stripe-Signature header."""
    payload = json.dumps(event)
    return client.post("/payments/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload, secret)})
