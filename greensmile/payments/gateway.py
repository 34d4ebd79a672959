"""The one place that talks to Stripe, through the official library, on the API version we pin.

We use PaymentIntents, not Checkout Sessions: PromptPay is confirmed on the server at once and Stripe answers
with the QR code, which we show on our own light page (no redirect to a heavy hosted page on a slow phone);
card details are taken by Stripe.js on our page and never touch our servers.

Every call carries STRIPE_API_VERSION (the version this code is written and tested for), so upgrading the
`stripe` library cannot change the API under us. Every idempotency key ends with a digest of the request's
parameters: a key is never sent again with different parameters, which Stripe would refuse.
"""
from __future__ import annotations

import hashlib
import json

from flask import current_app
from flask_babel import lazy_gettext as _l

from greensmile.payments.errors import PaymentError

# `stripe` is imported where it is used: it is a large package, and most requests never need it.

# Stripe's PromptPay QR image is the one thing a page showing it loads from elsewhere.
QR_IMAGE_CSP = ("default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
# Stripe's rules require Stripe.js from js.stripe.com (it cannot be vendored): only the card page allows it.
CARD_PAGE_CSP = ("default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; "
                 "script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; "
                 "connect-src 'self' https://api.stripe.com; frame-ancestors 'none'; base-uri 'self'; "
                 "form-action 'self'")

# Stripe's smallest charge in Thai baht is ฿10 (1,000 satang); our forms refuse less before Stripe is called.
STRIPE_MIN_THB_SATANG = 1000


class PaymentProviderError(PaymentError):
    message = _l("The payment service could not be reached; nothing was changed. Please try again in a moment.")


class BadSignature(PaymentError):
    """The webhook's Stripe-Signature does not match our secret."""

    message = _l("This webhook's signature does not match.")


def enabled() -> bool:
    # Without the webhook secret no payment could ever be confirmed: everything paid online would lapse.
    return bool(current_app.config["STRIPE_SECRET_KEY"] and current_app.config["STRIPE_WEBHOOK_SECRET"])


def client():
    import stripe

    config = current_app.config
    options = {"base_addresses": {"api": config["STRIPE_API_BASE"]}} if config["STRIPE_API_BASE"] else {}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], stripe_version=config["STRIPE_API_VERSION"],
                               max_network_retries=2, **options)


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


def idempotency_key(purpose: str, params: dict) -> str:
    """`purpose` names the attempt; the digest makes a key with other parameters a different key."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]
    return f"greensmile-{purpose}-{digest}"


def verify(payload: bytes, signature: str) -> None:
    """Refuse a webhook whose Stripe-Signature does not match our secret (or is too old)."""
    import stripe

    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature,
                                              current_app.config["STRIPE_WEBHOOK_SECRET"], tolerance=300)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise BadSignature() from error


def create_intent(amount_satang: int, card: bool, description: str, metadata: dict, email: str, purpose: str):
    """A PaymentIntent in THB. PromptPay is confirmed at once, so that Stripe answers with its QR code; a card
    intent waits for Stripe.js on our page to confirm it."""
    params: dict = {"amount": amount_satang, "currency": "thb",
                    "allowed_payment_method_types": ["card" if card else "promptpay"],
                    "description": description, "metadata": metadata}
    if not card:
        params |= {"confirm": True,
                   "payment_method_data": {"type": "promptpay", "billing_details": {"email": email}}}
    return call(lambda api: api.payment_intents.create(
        params=params, options={"idempotency_key": idempotency_key(purpose, params)}))


def retrieve_intent(intent_id: str):
    return call(lambda api: api.payment_intents.retrieve(intent_id))


def refund(intent_id: str, amount_satang: int, metadata: dict, purpose: str):
    params = {"payment_intent": intent_id, "amount": amount_satang, "metadata": metadata}
    return call(lambda api: api.refunds.create(params=params,
                                               options={"idempotency_key": idempotency_key(purpose, params)}))


def promptpay_qr(intent) -> tuple[str, str]:
    """The PromptPay QR code a confirmed intent carries: (PNG address, Stripe's hosted page), or empty strings."""
    qr = (intent.to_dict().get("next_action") or {}).get("promptpay_display_qr_code") or {}
    return qr.get("image_url_png") or "", qr.get("hosted_instructions_url") or ""
