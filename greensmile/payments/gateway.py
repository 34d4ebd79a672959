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
