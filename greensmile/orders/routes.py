"""The cart and checkout, consumers' orders and receipts, farmers' incoming orders and pick lists."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import role_required
from greensmile.db import MAX_ID
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter, per_account
from greensmile.forms import ActionForm, BaseForm
from greensmile.i18n import for_the_record
from greensmile.listings.models import Listing
from greensmile.listings.routes import expire_unpaid
from greensmile.orders import services
from greensmile.orders.forms import AddToCartForm, CancelForm, CartLineForm, checkout_form
from greensmile.orders.models import Checkout, Order, OrderStatus, PaymentMethod
from greensmile.orders.services import PickupChoice
from greensmile.payments import gateway
from greensmile.payments import reconcile as payments_reconcile
from greensmile.payments import services as payments
from greensmile.payments.forms import PromptPayForm
from greensmile.payments.models import PaymentStatus
from greensmile.responses import act, flash_key_errors, received
from greensmile.submissions import services as submissions
from greensmile.submissions.errors import AlreadyReceived

bp = Blueprint("orders", __name__)
CART = "cart"


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/cart", "cart", cart, methods=["GET", "POST"])
    bp.add_url_rule("/cart/add/<int:listing_id>", "add", add, methods=["POST"])
    bp.add_url_rule("/checkout", "checkout", checkout, methods=["POST"])
    bp.add_url_rule("/orders", "mine", mine)
    bp.add_url_rule("/orders/<int:order_id>", "detail", detail)
    bp.add_url_rule("/orders/<int:order_id>/cancel", "cancel", cancel, methods=["POST"])
    bp.add_url_rule("/farm/orders", "incoming", incoming)
    bp.add_url_rule("/farm/orders/<int:order_id>/ready", "ready", ready, methods=["POST"])
    bp.add_url_rule("/farm/orders/<int:order_id>/collected", "collected", collected, methods=["POST"])
    bp.add_url_rule("/farm/picklist", "picklist", picklist)
    bp.add_url_rule("/farm/promptpay", "promptpay", promptpay, methods=["GET", "POST"])
    bp.add_url_rule("/checkouts/<int:checkout_id>/pay", "pay", pay)
    bp.add_url_rule("/checkouts/<int:checkout_id>/status", "pay_status", pay_status)
    # fmt: on


def _cart():
    return services.cart_from_session(session.get(CART))


def _save_cart(items) -> None:
    session[CART] = services.cart_to_session(items)


def add(listing_id: int):
    listing = db.get_or_404(Listing, listing_id)
    form = AddToCartForm()
    if form.validate_on_submit():
        try:
            _save_cart(services.set_in_cart(_cart(), listing, form.quantity.data))
        except DomainError as error:
            flash(str(error), "error")
            return redirect(url_for("market.listing", listing_id=listing.id))
        flash(_("Added to your cart."), "success")
        return redirect(url_for("orders.cart"))
    for message in form.quantity.errors:
        flash(str(message), "error")
    return redirect(url_for("market.listing", listing_id=listing.id))


def cart():
    expire_unpaid()  # stock held by unpaid orders past their time is free again before the cart judges it
    items = _cart()
    if request.method == "POST":
        form = CartLineForm()
        if form.validate_on_submit() and form.listing_id.data.isdigit() and int(form.listing_id.data) <= MAX_ID:
            listing = db.session.get(Listing, int(form.listing_id.data))
            try:
                if listing is None:
                    items.pop(int(form.listing_id.data), None)
                else:
                    items = services.set_in_cart(items, listing, form.quantity.data or 0)
            except DomainError as error:
                flash(str(error), "error")
            else:
                _save_cart(items)
        else:
            for message in form.quantity.errors:
                flash(str(message), "error")
        return redirect(url_for("orders.cart"))
    groups = services.cart_view(items)
    form = checkout_form(groups, _methods(groups), str(get_locale())) if groups else None
    return render_template("orders/cart.html", groups=groups, form=form, line_form=CartLineForm(),
                           total=sum(g.subtotal_satang for g in groups))


def _methods(groups) -> list:
    return services.payment_methods([group.farmer.id for group in groups])


def _placed_url(placed, method) -> str:
    """Where the checkout's own answer sends the buyer; a repeat of the same form is sent there too."""
    if method.online:
        return url_for("orders.pay", checkout_id=placed.id)
    if len(placed.orders) == 1:
        return url_for("orders.detail", order_id=placed.orders[0].id)
    return url_for("orders.mine")


@limiter.limit("20 per minute", key_func=per_account("checkout"))
@login_required
def checkout():
    expire_unpaid()
    items = _cart()
    groups = services.cart_view(items, photos=False)
    if not groups:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("market.catalogue"))
    methods = _methods(groups)
    form = checkout_form(groups, methods, str(get_locale()), formdata=request.form)
    if not form.validate_on_submit():
        if form.submission_key.errors:  # a page from before the key, or a forged post: a fresh page has a new key
            flash_key_errors(form)
            return redirect(url_for("orders.cart"))
        flash(_("Check the choices below."), "error")
        return render_template("orders/cart.html", groups=groups, form=form, line_form=CartLineForm(),
                               total=sum(g.subtotal_satang for g in groups)), 400
    choices = {
        group.farmer.id: PickupChoice(int(form[f"pickup_{group.farmer.id}"].data),
                                      form[f"address_{group.farmer.id}"].data or ""
                                      if f"address_{group.farmer.id}" in form else "")
        for group in groups
    }
    method = next(m for m in methods if m.value == form.payment_method.data)
    try:
        # The form's key first: the same form posted again waits here for this one and then finds its checkout.
        claimed = submissions.claim("checkout", form.submission_key.data, current_user)
        placed = services.place_order(current_user, items, choices, method, form.note.data or "", groups=groups,
                                      methods=methods)
    except AlreadyReceived as repeat:
        session.pop(CART, None)  # the first post of this form bought the cart
        return received(repeat, url_for("orders.mine"))
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("orders.cart"))
    submissions.made(claimed, placed.id, _placed_url(placed, method))
    db.session.commit()  # the stock is the buyer's now; the row locks are released before Stripe is called
    if method.through_stripe:
        try:
            payments.start_stripe("checkout", placed.id, placed.total_satang, card=method is PaymentMethod.CARD,
                                  description=f"Green Smile {', '.join(o.number for o in placed.orders)}",
                                  email=current_user.email or "", payer_id=current_user.id)
        except DomainError as error:
            db.session.rollback()
            services.abandon(placed, for_the_record(_l("The online payment could not be started.")))
            db.session.commit()
            flash(str(error), "error")
            return redirect(url_for("orders.cart"))  # the cart is kept: the buyer can try again or pay at pickup
        db.session.commit()
    if method.online:
        session.pop(CART, None)
        return redirect(url_for("orders.pay", checkout_id=placed.id))
    session.pop(CART, None)
    flash(_("Your order is placed. The farmer will tell you when it is ready."), "success")
    if len(placed.orders) == 1:
        return redirect(url_for("orders.detail", order_id=placed.orders[0].id))
    return redirect(url_for("orders.mine"))


@login_required
def mine():
    return render_template("orders/mine.html", orders=services.orders_of_consumer(current_user))


def _visible(order_id: int) -> Order:
    order = db.get_or_404(Order, order_id)
    if not services.can_view(current_user, order):
        abort(404)  # another person's order: not even its existence is confirmed
    return order


@login_required
def detail(order_id: int):
    order = _visible(order_id)
    is_consumer = current_user.id == order.consumer_id
    can_cancel = order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CONFIRMED) or (
        not is_consumer and order.status is OrderStatus.READY)
    direct = payments.latest("order", order.id) if order.payment_method is PaymentMethod.PROMPTPAY_SELLER else None
    return render_template("orders/detail.html", order=order, is_consumer=is_consumer, direct=direct,
                           is_farmer=current_user.id == order.farmer_id, can_cancel=can_cancel,
                           cancel_form=CancelForm(), action_form=ActionForm())


@login_required
def cancel(order_id: int):
    order = _visible(order_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel(order, current_user, form.reason.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            if order.status is OrderStatus.CANCELLED:
                flash(_("The order is cancelled."), "success")
            elif order.payment_method.through_stripe:
                flash(_("The order is cancelled and the payment refunded."), "success")
            else:
                flash(_("The order is cancelled. The farmer transfers the money back and records the transfer."),
                      "success")
    return redirect(url_for("orders.detail", order_id=order.id))


@role_required(Role.FARMER)
def incoming():
    status = request.args.get("status", "")
    chosen = next((s for s in OrderStatus if s.value == status), None)
    page = db.paginate(services.incoming_orders(current_user, chosen), per_page=30)
    return render_template("orders/incoming.html", page=page, chosen=chosen, statuses=list(OrderStatus),
                           form=ActionForm())


def _farmer_step(order_id: int, step, message: str):
    order = _visible(order_id)
    if order.farmer_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            step(order, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(request.form.get("back") == "list" and url_for("orders.incoming")
                    or url_for("orders.detail", order_id=order.id))


@role_required(Role.FARMER)
def ready(order_id: int):
    return _farmer_step(order_id, services.mark_ready, _("Marked ready; the buyer is told."))


@role_required(Role.FARMER)
def collected(order_id: int):
    return _farmer_step(order_id, services.mark_collected, _("Marked collected."))


@role_required(Role.FARMER)
def picklist():
    dates = services.harvest_dates(current_user)
    try:
        chosen = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        chosen = None
    if chosen is None:
        chosen = next((d for d in dates if d >= date.today()), dates[-1] if dates else date.today())
    return render_template("orders/picklist.html", picks=services.pick_list(current_user, chosen), dates=dates)



# ---------------------------------------------------------------- paying before pickup
def _own_checkout(checkout_id: int) -> Checkout:
    checkout = db.get_or_404(Checkout, checkout_id)
    if checkout.consumer_id != current_user.id:
        abort(404)
    return checkout


def _waiting(checkout: Checkout) -> bool:
    return any(order.status is OrderStatus.PENDING_PAYMENT for order in checkout.orders)


def _done_url(checkout: Checkout) -> str:
    return (url_for("orders.detail", order_id=checkout.orders[0].id) if len(checkout.orders) == 1
            else url_for("orders.mine"))


@login_required
def pay(checkout_id: int):
    """Stripe's QR code or card form for the whole basket; or, paid straight to the farmers, one QR code each."""
    checkout = _own_checkout(checkout_id)
    if checkout.payment_method is PaymentMethod.PROMPTPAY_SELLER:
        direct = services.direct_payments(checkout)
        if len(direct) == 1:
            return redirect(url_for("payments.show", reference=direct[0].reference))
        return render_template("orders/pay_farmers.html", checkout=checkout, payments=direct)
    payment = payments.latest("checkout", checkout.id)
    if payment is None or not _waiting(checkout):
        return redirect(url_for("orders.mine"))
    secret = ""
    if payment.channel.value == "stripe_card":
        try:
            secret = payments.client_secret(payment)
        except DomainError as error:
            flash(str(error), "error")
    response = current_app.make_response(render_template(
        "payments/pay.html", checkout=checkout, payment=payment, client_secret=secret,
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
        expires_at=min(order.expires_at for order in checkout.orders if order.expires_at)))
    response.headers["Content-Security-Policy"] = (
        gateway.CARD_PAGE_CSP if payment.channel.value == "stripe_card" else gateway.QR_IMAGE_CSP)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def pay_status(checkout_id: int):
    """Polled by the payment page: has the money arrived?"""
    checkout = _own_checkout(checkout_id)
    statuses = {order.status for order in checkout.orders}
    state = "waiting" if statuses <= {OrderStatus.PENDING_PAYMENT} else (
        "expired" if statuses <= {OrderStatus.EXPIRED} else "done")
    return jsonify(state=state, next=_done_url(checkout) if state != "waiting" else None)


@role_required(Role.FARMER)
def promptpay():
    """The farmer's own PromptPay ID: buyers then pay them straight, with no fee and no one in between."""
    owner = f"user:{current_user.id}"
    account = payments.account_of(owner)
    form = PromptPayForm(obj=None)
    if request.method == "GET" and account is not None:
        form.promptpay_id.data, form.account_name.data = account.id_value, account.account_name
    if request.method == "POST":
        if form.remove.data:
            return act(BaseForm(), url_for("orders.promptpay"), lambda: payments.remove_account(owner, current_user.id),
                       _("Your PromptPay ID is removed: buyers pay at pickup or through Stripe."))
        if form.validate_on_submit():
            try:
                payments.set_account(owner, form.promptpay_id.data, form.account_name.data, current_user.id)
            except DomainError as error:
                db.session.rollback()
                form.promptpay_id.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("Saved. Buyers can now pay you straight by PromptPay."), "success")
                return redirect(url_for("orders.promptpay"))
    waiting = payments_reconcile.waiting_for_seller(owner)
    return render_template("orders/promptpay.html", form=form, account=account, waiting=waiting,
                           statuses=PaymentStatus)


register_routes(bp)
