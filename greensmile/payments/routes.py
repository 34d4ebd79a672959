"""A payment's own page (our PromptPay QR code, the slip, the seller's word), Stripe's webhook, reconciliation."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, jsonify, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.permissions import coordinator_required
from greensmile.errors import DomainError
from greensmile.extensions import csrf, db, limiter, per_account
from greensmile.forms import BaseForm
from greensmile.media.storage import send_private
from greensmile.payments import gateway, promptpay, registry, services, webhooks
from greensmile.payments import reconcile as reconcile_
from greensmile.payments.forms import PromptPayForm, ReasonForm, RefundSentForm, SettleForm, SlipForm
from greensmile.payments.models import NETWORK, Channel, Payment, PaymentSlip, PaymentStatus, Refund
from greensmile.responses import act

bp = Blueprint("payments", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/payments/<reference>", "show", show)
    bp.add_url_rule("/payments/<reference>/qr.png", "qr", qr)
    bp.add_url_rule("/payments/<reference>/status", "status", status)
    bp.add_url_rule("/payments/<reference>/slip", "slip", slip, methods=["POST"])
    bp.add_url_rule("/payments/<reference>/confirm", "confirm", confirm, methods=["POST"])
    bp.add_url_rule("/payments/<reference>/refuse", "refuse", refuse, methods=["POST"])
    bp.add_url_rule("/payments/<reference>/cancel", "cancel", cancel, methods=["POST"])
    bp.add_url_rule("/payments/refunds/<int:refund_id>/sent", "refund_sent", refund_sent, methods=["POST"])
    bp.add_url_rule("/payments/refunds/<int:refund_id>/received", "refund_received", refund_received,
                    methods=["POST"])
    bp.add_url_rule("/payments/refunds/<int:refund_id>/settle", "refund_settle", refund_settle, methods=["POST"])
    bp.add_url_rule("/payments/slips/<int:slip_id>/image", "slip_image", slip_image)
    bp.add_url_rule("/payments/stripe/webhook", "webhook", webhook, methods=["POST"])
    bp.add_url_rule("/payments/reconcile", "reconcile", reconcile)
    bp.add_url_rule("/payments/<int:payment_id>/settle", "settle", settle, methods=["POST"])
    bp.add_url_rule("/payments/network-promptpay", "network_promptpay", network_promptpay, methods=["POST"])
    # fmt: on


def _visible(reference: str) -> Payment:
    payment = services.by_reference(reference)
    if payment is None or not services.may_view(current_user, payment):
        abort(404)  # another person's payment: not even its existence is confirmed
    return payment


def _private(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def show(reference: str):
    payment = _visible(reference)
    payable = registry.payable(payment.kind)
    is_seller = services.may_confirm(current_user, payment)
    form = SlipForm()
    if request.method == "GET" and form.amount_baht.data is None:
        form.amount_baht.data = Decimal(payment.amount_satang) / 100
    payee_id = promptpay.PromptPayId(payment.payee_id_kind, payment.payee_id_value) if payment.payee_id_kind else None
    response = _private(render_template(
        "payments/show.html", payment=payment, title=payable.title(payment), back_url=payable.back_url(payment),
        is_seller=is_seller, is_payer=services.may_pay(current_user, payment), wanted=payable.wanted(payment),
        payer_may_cancel=payable.payer_may_cancel, slip_form=form, reason_form=ReasonForm(),
        refund_form=RefundSentForm(), action_form=BaseForm(), payee_id=payee_id))
    if payment.channel is Channel.STRIPE_PROMPTPAY and payment.qr_image_url:
        response.headers["Content-Security-Policy"] = gateway.QR_IMAGE_CSP
    return response


@login_required
def qr(reference: str):
    payment = _visible(reference)
    if payment.channel is not Channel.PROMPTPAY_DIRECT:
        abort(404)
    response = make_response(promptpay.qr_png(services.direct_payload(payment)))
    response.headers["Content-Type"] = "image/png"
    return _private(response)


@login_required
def status(reference: str):
    """Polled by the payment page: has the money arrived (or has the seller looked at the slip)?"""
    payment = _visible(reference)
    payable = registry.payable(payment.kind)
    done = payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED)
    return _private(jsonify(state=payment.status.value, label=payment.status.label,
                            next=payable.back_url(payment) if done else None))


@limiter.limit("20 per hour", key_func=per_account("slip"))
@login_required
def slip(reference: str):
    payment = _visible(reference)
    form = SlipForm()
    target = url_for("payments.show", reference=payment.reference)

    def send():
        upload = form.slip.data
        data = services.SlipData(image=upload.read() if upload else None, typed_reference=form.reference.data or "",
                                 amount_satang=int(form.amount_baht.data * 100))
        return services.send_slip(payment, current_user, data)

    return act(form, target, send, lambda sent: _("Slip sent. %(name)s checks their account and confirms.",
                                                  name=payment.payee_name) if sent.status == "sent" else
               _("The bank confirmed the slip: paid."))


@login_required
def confirm(reference: str):
    payment = _visible(reference)
    return act(BaseForm(), url_for("payments.show", reference=payment.reference),
               lambda: services.confirm(payment, current_user), _("Thank you: the payment is confirmed."))


@login_required
def refuse(reference: str):
    payment = _visible(reference)
    form = ReasonForm()
    return act(form, url_for("payments.show", reference=payment.reference),
               lambda: services.refuse_slip(payment, current_user, form.reason.data),
               _("The payer is asked for the money or another slip."))


@login_required
def cancel(reference: str):
    payment = _visible(reference)
    return act(BaseForm(), url_for("payments.show", reference=payment.reference),
               lambda: services.cancel_by_payer(payment, current_user), _("The QR code is called off."))


def _refund(refund_id: int) -> Refund:
    refund = db.get_or_404(Refund, refund_id)
    if not services.may_view(current_user, refund.payment):
        abort(404)
    return refund


@login_required
def refund_received(refund_id: int):
    refund = _refund(refund_id)
    return act(BaseForm(), url_for("payments.show", reference=refund.payment.reference),
               lambda: services.refund_received(refund, current_user), _("Thank you: the refund is done."))


@coordinator_required
def refund_settle(refund_id: int):
    refund = db.get_or_404(Refund, refund_id)
    form = SettleForm()
    return act(form, url_for("payments.reconcile"), lambda: reconcile_.settle_refund(refund, current_user,
                                                                                   form.note.data),
               _("Marked as settled."))


@login_required
def refund_sent(refund_id: int):
    refund = _refund(refund_id)
    form = RefundSentForm()
    return act(form, url_for("payments.show", reference=refund.payment.reference),
               lambda: services.record_direct_refund(refund, current_user, form.reference.data),
               _("The transfer back is recorded."))


@login_required
def slip_image(slip_id: int):
    found = db.get_or_404(PaymentSlip, slip_id)
    if not found.image_key or not services.may_view(current_user, found.payment):
        abort(404)
    return send_private("slips", found.image_key)


@csrf.exempt  # Stripe signs its requests; the signature is checked instead of a CSRF token
def webhook():
    if not gateway.enabled():
        abort(404)
    payload = request.get_data(cache=False)
    try:
        outcome = webhooks.receive_webhook(payload, request.headers.get("Stripe-Signature", ""))
    except gateway.BadSignature:
        db.session.rollback()
        return jsonify(error="bad signature"), 400
    except webhooks.BadEvent as error:
        db.session.commit()  # the refused event stays on record
        return jsonify(error=str(error)), 400
    except DomainError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


@coordinator_required
def reconcile():
    found = reconcile_.reconciliation()
    titles = {}
    for payment in found.flagged + found.slips_waiting + [refund.payment for refund in found.refunds_due]:
        payable = registry.payable(payment.kind)
        titles[payment.id] = (payable.title(payment), payable.back_url(payment)) if payable else (payment.kind, "")
    account = services.account_of(NETWORK)
    account_form = PromptPayForm(formdata=None, promptpay_id=account.id_value if account else "",
                                 account_name=account.account_name if account else "")
    return _private(render_template("payments/reconcile.html", found=found, titles=titles, form=SettleForm(),
                                    account=account, account_form=account_form))


@coordinator_required
def network_promptpay():
    """The network's own PromptPay ID: kitchens' invoices and pledges to the network are paid to it."""
    form = PromptPayForm()
    return act(form, url_for("payments.reconcile"),
               lambda: services.set_account(NETWORK, form.promptpay_id.data, form.account_name.data, current_user.id),
               _("Saved: the network's PromptPay ID."))


@coordinator_required
def settle(payment_id: int):
    payment = db.get_or_404(Payment, payment_id)
    form = SettleForm()
    return act(form, url_for("payments.reconcile"), lambda: reconcile_.settle(payment, current_user, form.note.data),
               _("Marked as settled."))


register_routes(bp)
