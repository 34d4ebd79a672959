"""The one place that talks to Stripe, through the official library.

We use PaymentIntents, not Checkout Sessions: PromptPay is confirmed on the server at once and Stripe answers
with the QR code, which we show on our own light page (no redirect to a heavy hosted page on a slow phone);
card details are taken by Stripe.js on our page and never touch our servers.
"""
from __future__ import annotations

from flask import current_app

from greensmile.orders.errors import OrderError, PaymentProviderError

# `stripe` is imported where it is used: it is a large package, and most requests never need it.


class BadSignature(OrderError):
    """The webhook's Stripe-Signature does not match our secret."""


def client():
    import stripe

    config = current_app.config
    options = {"base_addresses": {"api": config["STRIPE_API_BASE"]}} if config["STRIPE_API_BASE"] else {}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2, **options)


def call(operation):
    """Run one Stripe call; a failure becomes a domain error whose message is fit for the user."""
    import stripe

    try:
        return operation(client().v1)
    except stripe.CardError as error:
        raise PaymentProviderError(error.user_message or None) from error
    except stripe.StripeError as error:
        current_app.logger.warning("Stripe call failed: %s", error)
        raise PaymentProviderError() from error


def verify(payload: bytes, signature: str) -> None:
    """Refuse a webhook whose Stripe-Signature does not match our secret (or is too old)."""
    import stripe

    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                              current_app.config["STRIPE_WEBHOOK_SECRET"], tolerance=300)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise BadSignature() from error


def promptpay_intent(amount_satang: int, description: str, metadata: dict, email: str, idempotency_key: str):
    """A PaymentIntent in THB for PromptPay, confirmed at once, so that Stripe answers with its QR code."""
    return call(lambda api: api.payment_intents.create(
        params={"amount": amount_satang, "currency": "thb", "payment_method_types": ["promptpay"],
                "description": description, "metadata": metadata, "confirm": True,
                "payment_method_data": {"type": "promptpay", "billing_details": {"email": email}}},
        options={"idempotency_key": idempotency_key}))


def promptpay_qr(intent) -> tuple[str, str]:
    """The PromptPay QR code a confirmed intent carries: (PNG address, Stripe's hosted page), or empty strings."""
    qr = (intent.to_dict().get("next_action") or {}).get("promptpay_display_qr_code") or {}
    return qr.get("image_url_png") or "", qr.get("hosted_instructions_url") or ""
