"""The cart and checkout, consumers' orders and receipts, farmers' incoming orders and pick lists."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import role_required
from greensmile.db import MAX_ID
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter
from greensmile.i18n import for_the_record
from greensmile.listings.forms import ActionForm
from greensmile.listings.models import Listing
from greensmile.listings.routes import expire_unpaid
from greensmile.orders import services
from greensmile.orders.forms import AddToCartForm, CancelForm, CartLineForm, checkout_form
from greensmile.orders.models import Order, OrderStatus
from greensmile.orders.services import PickupChoice

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
    form = checkout_form(groups, services.payment_methods(), str(get_locale())) if groups else None
    return render_template("orders/cart.html", groups=groups, form=form, line_form=CartLineForm(),
                           total=sum(g.subtotal_satang for g in groups))


@limiter.limit("20 per minute", key_func=lambda: f"checkout:{current_user.get_id()}")
@login_required
def checkout():
    expire_unpaid()
    items = _cart()
    groups = services.cart_view(items)
    if not groups:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("market.catalogue"))
    methods = services.payment_methods()
    form = checkout_form(groups, methods, str(get_locale()), formdata=request.form)
    if not form.validate_on_submit():
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
        placed = services.place_order(current_user, items, choices, method, form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("orders.cart"))
    db.session.commit()  # the stock is the buyer's now; the row locks are released before Stripe is called
    if method.online:
        from greensmile.payments import services as payments

        try:
            payments.start_payment(placed)
        except DomainError as error:
            db.session.rollback()
            services.abandon(placed, for_the_record(_l("The online payment could not be started.")))
            db.session.commit()
            flash(str(error), "error")
            return redirect(url_for("orders.cart"))  # the cart is kept: the buyer can try again or pay at pickup
        db.session.commit()
        session.pop(CART, None)
        return redirect(url_for("payments.pay", checkout_id=placed.id))
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
    return render_template("orders/detail.html", order=order, is_consumer=is_consumer,
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
            flash(_("The order is cancelled.") if order.status is OrderStatus.CANCELLED
                  else _("The order is cancelled and the payment refunded."), "success")
    return redirect(url_for("orders.detail", order_id=order.id))


@role_required(Role.FARMER)
def incoming():
    status = request.args.get("status", "")
    chosen = next((s for s in OrderStatus if s.value == status), None)
    page = db.paginate(services.incoming_orders(current_user, chosen), per_page=30, error_out=False)
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


register_routes(bp)
