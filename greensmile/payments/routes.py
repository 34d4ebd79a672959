"""Paying online (the PromptPay QR or the card form), and Stripe's webhook."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.permissions import coordinator_required
from greensmile.errors import DomainError
from greensmile.extensions import csrf, db
from greensmile.listings.forms import ActionForm
from greensmile.orders.models import Checkout, OrderStatus, PaymentMethod
from greensmile.payments import gateway, services
from greensmile.payments import invoices as invoice_payments
from greensmile.payments.models import InvoicePayment, Payment

bp = Blueprint("payments", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/checkouts/<int:checkout_id>/pay", "pay", pay)
    bp.add_url_rule("/checkouts/<int:checkout_id>/status", "status", status)
    bp.add_url_rule("/payments/stripe/webhook", "webhook", webhook, methods=["POST"])
    bp.add_url_rule("/payments/attention", "attention", attention)
    bp.add_url_rule("/payments/<int:payment_id>/settled", "settled", settled, methods=["POST"])
    bp.add_url_rule("/payments/invoices/<int:payment_id>/settled", "invoice_settled", invoice_settled,
                    methods=["POST"])
    # fmt: on


def _own(checkout_id: int) -> Checkout:
    checkout = db.get_or_404(Checkout, checkout_id)
    if checkout.consumer_id != current_user.id:
        abort(404)
    return checkout


def _state(checkout: Checkout) -> str:
    statuses = {order.status for order in checkout.orders}
    if statuses <= {OrderStatus.PENDING_PAYMENT}:
        return "waiting"
    return "expired" if statuses <= {OrderStatus.EXPIRED} else "done"


@login_required
def pay(checkout_id: int):
    checkout = _own(checkout_id)
    payment = services.payment_of(checkout)
    if payment is None or _state(checkout) != "waiting":
        return redirect(url_for("orders.mine"))
    secret = ""
    if payment.method is PaymentMethod.CARD:
        try:
            secret = services.client_secret(payment)
        except DomainError as error:
            flash(str(error), "error")
    response = current_app.make_response(render_template(
        "payments/pay.html", checkout=checkout, payment=payment, client_secret=secret,
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
        expires_at=min(order.expires_at for order in checkout.orders if order.expires_at)))
    if payment.method is PaymentMethod.CARD:
        # Stripe's rules require Stripe.js from js.stripe.com (it cannot be vendored); only this page allows it.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: https://*.stripe.com; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' https://js.stripe.com; frame-src https://js.stripe.com https://hooks.stripe.com; "
            "connect-src 'self' https://api.stripe.com; frame-ancestors 'none'; base-uri 'self'; "
            "form-action 'self'")
    else:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: https://*.stripe.com https://qr.stripe.com; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def status(checkout_id: int):
    """Polled by the payment page: has the money arrived?"""
    checkout = _own(checkout_id)
    state = _state(checkout)
    target = url_for("orders.detail", order_id=checkout.orders[0].id) if len(checkout.orders) == 1 else (
        url_for("orders.mine"))
    return jsonify(state=state, next=target if state != "waiting" else None)


@csrf.exempt  # Stripe signs its requests; the signature is checked instead of a CSRF token
def webhook():
    if not current_app.config["STRIPE_WEBHOOK_SECRET"]:
        abort(404)
    payload = request.get_data(cache=False)
    try:
        outcome = services.receive_webhook(payload, request.headers.get("Stripe-Signature", ""))
    except gateway.BadSignature:
        db.session.rollback()
        return jsonify(error="bad signature"), 400
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


@coordinator_required
def attention():
    return render_template("payments/attention.html", payments=services.needing_attention(),
                           invoice_payments=invoice_payments.needing_attention(), form=ActionForm())


@coordinator_required
def settled(payment_id: int):
    payment = db.get_or_404(Payment, payment_id)
    if ActionForm().validate_on_submit():
        services.settle(payment)
        db.session.commit()
        flash(_("Marked as settled."), "success")
    return redirect(url_for("payments.attention"))


@coordinator_required
def invoice_settled(payment_id: int):
    payment = db.get_or_404(InvoicePayment, payment_id)
    if ActionForm().validate_on_submit():
        invoice_payments.settle(payment)
        db.session.commit()
        flash(_("Marked as settled."), "success")
    return redirect(url_for("payments.attention"))


register_routes(bp)
