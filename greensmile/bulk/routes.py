"""Kitchens' pages (orders, standing orders, delivery notes, invoices) and the coordinator's allocation."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import coordinator_required
from greensmile.bulk import delivery, invoices, services
from greensmile.bulk import payables as invoice_payments
from greensmile.bulk import shares as sharing
from greensmile.bulk.forms import (
    AskForm,
    BulkOrderForm,
    ChangeOrderForm,
    InvoiceForm,
    InvoicePayForm,
    PaidForm,
    ProfileForm,
    QuantityForm,
    ReasonForm,
    StandingOrderForm,
    TraceForm,
)
from greensmile.bulk.models import BulkLine, BulkOrder, Invoice, PaymentTerms, Share, StandingOrder
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.forms import ActionForm
from greensmile.i18n import format_quantity_for
from greensmile.listings.models import Unit
from greensmile.network.models import Organisation
from greensmile.payments import gateway
from greensmile.payments import services as payments
from greensmile.payments.models import NETWORK
from greensmile.plots.services import all_crops, find_by_typed_code
from greensmile.privacy import services as privacy
from greensmile.privacy.models import AccessKind
from greensmile.responses import act, done, refused

bp = Blueprint("bulk", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/bulk", "home", home)
    bp.add_url_rule("/bulk/orders/new", "new_order", new_order, methods=["GET", "POST"])
    bp.add_url_rule("/bulk/standing/new", "new_standing", new_standing, methods=["GET", "POST"])
    bp.add_url_rule("/bulk/standing/<int:standing_id>/end", "end_standing", end_standing, methods=["POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>", "order", order, methods=["GET"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/edit", "edit_order", edit_order, methods=["GET", "POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/skip", "skip", skip, methods=["POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/unskip", "unskip", unskip, methods=["POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/cancel", "cancel", cancel, methods=["POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/allocate", "allocate", allocate, methods=["POST"])
    bp.add_url_rule("/bulk/orders/<int:order_id>/close", "close", close, methods=["POST"])
    bp.add_url_rule("/bulk/lines/<int:line_id>/ask", "ask", ask, methods=["POST"])
    bp.add_url_rule("/bulk/shares/<int:share_id>/adjust", "adjust", adjust, methods=["POST"])
    bp.add_url_rule("/bulk/shares/<int:share_id>/receive", "receive", receive, methods=["POST"])
    bp.add_url_rule("/bulk/shares/<int:share_id>/reject", "reject", reject, methods=["POST"])
    bp.add_url_rule("/bulk/shares/<int:share_id>/trace", "trace", trace)
    bp.add_url_rule("/bulk/delivery/<int:organisation_id>/<delivery_on>", "delivery_note", delivery_note)
    bp.add_url_rule("/bulk/recall", "recall", recall)
    bp.add_url_rule("/bulk/invoices", "invoices", invoice_list, methods=["GET", "POST"])
    bp.add_url_rule("/bulk/invoices/<int:invoice_id>", "invoice", invoice)
    bp.add_url_rule("/bulk/invoices/<int:invoice_id>/paid", "paid", paid, methods=["POST"])
    bp.add_url_rule("/bulk/invoices/<int:invoice_id>/pay", "pay", pay, methods=["POST"])
    bp.add_url_rule("/bulk/organisations/<int:organisation_id>/profile", "profile", profile, methods=["GET", "POST"])
    # fmt: on


def _locale() -> str:
    return str(get_locale())


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.get_or_404(Organisation, organisation_id)
    if not services.can_view(current_user, organisation):
        abort(404)  # another kitchen's business is not even acknowledged
    return organisation


def _order(order_id: int) -> BulkOrder:
    found = db.get_or_404(BulkOrder, order_id)
    _organisation(found.organisation_id)
    return found


def _share(share_id: int) -> Share:
    found = db.get_or_404(Share, share_id)
    _organisation(found.line.order.organisation_id)
    return found


def _lines(form) -> list[services.LineData]:
    return [services.LineData(row.crop_id.data, Unit(row.unit.data), row.quantity.data,
                              int(row.max_price.data * 100) if row.max_price.data is not None else None)
            for row in form.filled_lines()]


def _organisation_choices(form) -> list[Organisation]:
    mine = [o for o in services.buyer_organisations_of(current_user) if services.can_order_for(current_user, o)]
    form.organisation_id.choices = [(o.id, o.display_name(_locale())) for o in mine]
    return mine


# ---------------------------------------------------------------- kitchens
@login_required
def home():
    if not current_user.has_role(Role.BUYER, Role.COORDINATOR):
        abort(403)
    mine = services.buyer_organisations_of(current_user)
    queue = sharing.to_allocate() if current_user.has_role(Role.COORDINATOR) else []
    return render_template("bulk/home.html", organisations=mine, orders=services.orders_of(mine),
                           standing=services.standing_orders_of(mine), invoices=invoices.invoices_of(mine),
                           queue=queue, form=ActionForm())


def _order_form(form, template: str, **context):
    return render_template(template, form=form, **context)


@login_required
def new_order():
    form = BulkOrderForm()
    if not _organisation_choices(form):
        abort(403)
    form.set_crops(all_crops(), _locale())
    if form.validate_on_submit():
        organisation = _organisation(form.organisation_id.data)
        try:
            placed = services.place_order(current_user, organisation, form.delivery_on.data, _lines(form),
                                          form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            return done(_("The order is placed; the coordinator will share it out among the farms."),
                         url_for("bulk.order", order_id=placed.id))
    return _order_form(form, "bulk/order_form.html", title=_("New bulk order")), 400 if form.is_submitted() else 200


@login_required
def new_standing():
    form = StandingOrderForm()
    if not _organisation_choices(form):
        abort(403)
    form.set_crops(all_crops(), _locale())
    if form.validate_on_submit():
        organisation = _organisation(form.organisation_id.data)
        try:
            services.create_standing(current_user, organisation, form.weekdays.data, form.starts_on.data,
                                     form.ends_on.data, _lines(form), form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            return done(_("The standing order is saved, and its first weeks are ordered."), url_for("bulk.home"))
    return (_order_form(form, "bulk/order_form.html", title=_("New standing order"), standing=True),
            400 if form.is_submitted() else 200)


@login_required
def end_standing(standing_id: int):
    standing = db.get_or_404(StandingOrder, standing_id)
    _organisation(standing.organisation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end_standing(current_user, standing)
    except DomainError as error:
        return refused(error, url_for("bulk.home"))
    return done(_("The standing order is ended; weeks already ordered stand."), url_for("bulk.home"))


@login_required
def order(order_id: int):
    _order(order_id)
    found = services.order_with_details(order_id)
    is_coordinator = current_user.has_role(Role.COORDINATOR)
    offers = {line.id: sharing.offers_for(line) for line in found.lines} if is_coordinator else {}
    ask_forms = {}
    for line in found.lines if is_coordinator else []:
        form = AskForm(prefix=f"line{line.id}")
        form.capacity_id.choices = [(offer.capacity.id, f"{offer.capacity.plot.code} · {offer.capacity.farmer.display_name}"
                                                        f" · {format_quantity_for(offer.remaining, _locale())}") for offer in offers[line.id]]
        ask_forms[line.id] = form
    return render_template("bulk/order.html", order=found, offers=offers, ask_forms=ask_forms,
                           is_coordinator=is_coordinator, can_order=services.can_order_for(current_user,
                                                                                          found.organisation),
                           form=ActionForm(), reason_form=ReasonForm(), quantity_form=QuantityForm())


@login_required
def edit_order(order_id: int):
    found = _order(order_id)
    form = ChangeOrderForm(obj=None)
    form.set_crops(all_crops(), _locale())
    if request.method == "GET":
        for row, line in zip(form.lines, found.lines):
            row.form.crop_id.data, row.form.unit.data = line.crop_id, line.unit.value
            row.form.quantity.data = line.quantity
            row.form.max_price.data = line.max_price_satang / 100 if line.max_price_satang else None
        form.note.data = found.note
    if form.validate_on_submit():
        try:
            services.change_order(current_user, found, _lines(form), form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            return done(_("The order is changed."), url_for("bulk.order", order_id=found.id))
    return (_order_form(form, "bulk/order_form.html", title=_("Change order %(number)s", number=found.number),
                        order=found), 400 if form.is_submitted() else 200)


def _step(order_id: int, step, message: str, form_class=ActionForm):
    found = _order(order_id)
    form = form_class()
    return act(form, url_for("bulk.order", order_id=found.id), lambda: step(found, form), message)


@login_required
def skip(order_id: int):
    return _step(order_id, lambda o, f: services.skip(current_user, o), _("This week is skipped."))


@login_required
def unskip(order_id: int):
    return _step(order_id, lambda o, f: services.unskip(current_user, o), _("This week is ordered again."))


@login_required
def cancel(order_id: int):
    return _step(order_id, lambda o, f: services.cancel(current_user, o, f.reason.data), _("The order is cancelled."),
                 ReasonForm)


@coordinator_required
def allocate(order_id: int):
    def step(found, form):
        shortfalls = sharing.propose(current_user, found)
        for line in found.lines:
            if shortfalls.get(line.id):
                flash(_("No farm could offer the rest of %(crop)s: %(quantity)s %(unit)s short.",
                        crop=line.crop.name(_locale()), quantity=format_quantity_for(shortfalls[line.id], _locale()),
                        unit=line.unit.label), "warning")
    return _step(order_id, step, _("The farms are asked for their shares."))


@coordinator_required
def close(order_id: int):
    return _step(order_id, lambda o, f: sharing.close_allocation(current_user, o),
                 _("The order is confirmed with what the farms confirmed."))


@coordinator_required
def ask(line_id: int):
    line = db.get_or_404(BulkLine, line_id)
    form = AskForm(prefix=f"line{line.id}")
    form.capacity_id.choices = [(o.capacity.id, "") for o in sharing.offers_for(line)]
    target = url_for("bulk.order", order_id=line.order_id)
    if not form.validate_on_submit():
        flash(_("Choose a plot and a quantity."), "error")
        return redirect(target)
    try:
        sharing.ask(current_user, line, form.capacity_id.data, form.quantity.data)
    except DomainError as error:
        return refused(error, target)
    return done(_("The farm is asked."), target)


@coordinator_required
def adjust(share_id: int):
    share = _share(share_id)
    form = QuantityForm()
    target = url_for("bulk.order", order_id=share.line.order_id)
    if not form.validate_on_submit():
        flash(_("Enter a quantity between 0 and 100,000."), "error")
        return redirect(target)
    try:
        sharing.adjust(current_user, share, form.quantity.data)
    except DomainError as error:
        return refused(error, target)
    return done(_("The request is changed."), target)


# ---------------------------------------------------------------- delivery and traceability
def _note_target(share: Share) -> str:
    order_ = share.line.order
    return url_for("bulk.delivery_note", organisation_id=order_.organisation_id,
                   delivery_on=order_.delivery_on.isoformat())


@login_required
def receive(share_id: int):
    share = _share(share_id)
    form = QuantityForm(prefix=f"share{share.id}")
    if not form.validate_on_submit():
        flash(_("Enter a quantity between 0 and 100,000."), "error")
        return redirect(_note_target(share))
    try:
        delivery.receive(current_user, share, form.quantity.data, form.note.data or "")
    except DomainError as error:
        return refused(error, _note_target(share))
    return done(_("Recorded as received."), _note_target(share))


@login_required
def reject(share_id: int):
    share = _share(share_id)
    form = ReasonForm(prefix=f"share{share.id}")
    if not form.validate_on_submit():
        flash(_("Say why the delivery is rejected: the farm will read it."), "error")
        return redirect(_note_target(share))
    try:
        delivery.reject(current_user, share, form.reason.data)
    except DomainError as error:
        return refused(error, _note_target(share))
    return done(_("Recorded as rejected."), _note_target(share))


@login_required
def delivery_note(organisation_id: int, delivery_on: str):
    organisation = _organisation(organisation_id)
    try:
        on = date.fromisoformat(delivery_on)
    except ValueError:
        abort(404)
    note = delivery.delivery_note(organisation, on)
    return render_template("bulk/delivery_note.html", note=note, profile=services.profile_of(organisation),
                           can_receive=services.can_order_for(current_user, organisation),
                           quantity_form=QuantityForm, reason_form=ReasonForm)


@login_required
def trace(share_id: int):
    share = _share(share_id)
    if share.farmer.phone and privacy.log_access(current_user, [share.farmer_id], AccessKind.PHONE, "delivery trace"):
        db.session.commit()  # the trace shows the farm's phone: the farmer sees who looked
    return render_template("bulk/trace.html", trace=delivery.trace(share))


@coordinator_required
def recall():
    form = TraceForm(request.args)
    found, plot = [], None
    if request.args and form.validate():
        plot = find_by_typed_code(form.code.data)
        if plot is None:
            form.code.errors.append(_("No plot has this code."))
        else:
            try:
                found = delivery.deliveries_from(plot, form.start.data, form.end.data)
            except DomainError as error:
                form.end.errors.append(str(error))
    return render_template("bulk/recall.html", form=form, plot=plot, shares=found)


# ---------------------------------------------------------------- invoices
@login_required
def invoice_list():
    if not current_user.has_role(Role.COORDINATOR):
        abort(403)
    form = InvoiceForm()
    organisations = services.buyer_organisations_of(current_user)
    form.organisation_id.choices = [(o.id, o.display_name(_locale())) for o in organisations]
    if form.validate_on_submit():
        try:
            issued = invoices.issue(current_user, _organisation(form.organisation_id.data), form.month.data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            return done(_("Invoice %(number)s is issued.", number=issued.number),
                         url_for("bulk.invoice", invoice_id=issued.id))
    return render_template("bulk/invoices.html", form=form, invoices=invoices.invoices_of(organisations))


@login_required
def invoice(invoice_id: int):
    found = db.get_or_404(Invoice, invoice_id)
    if not invoices.can_view_invoice(current_user, found):
        abort(404)
    shares = invoices.invoice_shares(found)
    online = invoice_payments.latest(found)
    may_pay = services.can_order_for(current_user, found.organisation)
    response = current_app.make_response(render_template(
        "bulk/invoice.html", invoice=found, shares=shares, share_total=invoices.share_total,
        parts=invoices.farm_breakdown(shares), profile=services.profile_of(found.organisation), form=PaidForm(),
        online=online, can_pay_online=gateway.enabled() and may_pay,
        can_pay_direct=may_pay and payments.account_of(NETWORK) is not None,
        action_form=ActionForm()))
    if online is not None and online.qr_image_url:
        response.headers["Content-Security-Policy"] = gateway.QR_IMAGE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@login_required
def pay(invoice_id: int):
    found = db.get_or_404(Invoice, invoice_id)
    if not invoices.can_view_invoice(current_user, found):
        abort(404)
    target = url_for("bulk.invoice", invoice_id=found.id)
    form = InvoicePayForm()
    if not form.validate_on_submit():
        abort(400)
    direct = bool(form.direct.data)
    try:
        started = invoice_payments.start(current_user, found, direct)
    except DomainError as error:
        return refused(error, target)
    if direct:
        return done(_("Scan the PromptPay QR code with your banking app, then send the slip."),
                    url_for("payments.show", reference=started.reference))
    return done(_("Scan the PromptPay QR code below with your banking app."), target)


@coordinator_required
def paid(invoice_id: int):
    found = db.get_or_404(Invoice, invoice_id)
    form = PaidForm()
    target = url_for("bulk.invoice", invoice_id=found.id)
    if not form.validate_on_submit():
        flash(_("Enter the bank transfer's reference."), "error")
        return redirect(target)
    try:
        invoices.mark_paid(current_user, found, form.reference.data)
    except DomainError as error:
        return refused(error, target)
    return done(_("The invoice is marked paid."), target)


@login_required
def profile(organisation_id: int):
    organisation = _organisation(organisation_id)
    if not services.can_order_for(current_user, organisation):
        abort(403)
    current = services.profile_of(organisation)
    form = ProfileForm(obj=current if request.method == "GET" else None)
    if request.method == "GET":
        form.delivery_weekdays.data = current.weekday_numbers
        form.payment_terms.data = current.payment_terms.value
    may_set_terms = current_user.has_role(Role.COORDINATOR)
    if not may_set_terms:  # the terms are shown, not offered: they are agreed with the network
        form.payment_terms.data, form.invoice_days.data = current.payment_terms.value, current.invoice_days
    if form.validate_on_submit():
        data = services.ProfileData(
            delivery_address=form.delivery_address.data, delivery_weekdays=form.delivery_weekdays.data,
            window_opens=form.window_opens.data, window_closes=form.window_closes.data,
            payment_terms=PaymentTerms(form.payment_terms.data), invoice_days=form.invoice_days.data,
            contact_name=form.contact_name.data or "")
        try:
            services.save_profile(current_user, organisation, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            return done(_("Saved."), url_for("bulk.home"))
    return render_template("bulk/profile.html", form=form, organisation=organisation, current=current,
                           may_set_terms=may_set_terms), (
        400 if form.is_submitted() else 200)


register_routes(bp)
