"""Supporters' pages: their pledges and a new one, a pledge's deliveries, paying a money pledge with PromptPay,
and withdrawing. A pledge's private details are shown only to those who may see them."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.certification.services import today
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.network.models import Category, Organisation
from greensmile.payments import gateway
from greensmile.payments import services as payments
from greensmile.plots.models import Crop
from greensmile.plots.services import find_by_typed_code
from greensmile.responses import act, act_or_render, flash_form_errors, refused
from greensmile.supporters import services
from greensmile.supporters.forms import DeliveryForm, PayForm, PledgeForm, WithdrawForm
from greensmile.supporters.models import DeliveryVia, SupportKind, SupportPledge

bp = Blueprint("support", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/support", "home", home)
    bp.add_url_rule("/support/pledges", "new", new, methods=["GET", "POST"])
    bp.add_url_rule("/support/pledges/<int:pledge_id>", "pledge", pledge)
    bp.add_url_rule("/support/pledges/<int:pledge_id>/deliveries", "deliver", deliver, methods=["POST"])
    bp.add_url_rule("/support/pledges/<int:pledge_id>/pay", "pay", pay, methods=["POST"])
    bp.add_url_rule("/support/pledges/<int:pledge_id>/withdraw", "withdraw", withdraw, methods=["POST"])
    # fmt: on


def _satang(baht: Decimal | None) -> int | None:
    return int((baht * 100).to_integral_value()) if baht is not None else None


def _pledge_form() -> PledgeForm:
    form = PledgeForm()
    form.supporter_id.choices = [(o.id, o.name) for o in services.supporting_organisations_of(current_user)]
    groups = db.session.scalars(db.select(Organisation).order_by(Organisation.name))
    form.beneficiary.choices = [("network", _("The whole network"))] + [
        (f"g{g.id}", g.name) for g in groups if g.kind.category is Category.FARMER_GROUP]
    form.crop_id.choices = [(0, "—")] + [(c.id, c.name_th) for c in db.session.scalars(
        db.select(Crop).order_by(Crop.name_th))]
    return form


@login_required
def home():
    form = _pledge_form()
    if request.method == "GET" and not form.starts_on.data:
        form.starts_on.data = today()
    return _home_page(form)


def _home_page(form: PledgeForm) -> str:
    return render_template("support/home.html", pledges=services.visible_to(current_user), form=form)


@login_required
def new():
    form = _pledge_form()
    if not form.supporter_id.choices:
        abort(403)
    return act_or_render(form, lambda: _home_page(form), url_for("support.home"), lambda: _make_pledge(form),
                         _("The pledge is recorded."), once="support-pledge",
                         made=lambda made: url_for("support.pledge", pledge_id=made.id))


def _make_pledge(form: PledgeForm) -> SupportPledge:
    plot = None
    if form.plot_code.data:
        plot = find_by_typed_code(form.plot_code.data)
        if plot is None:
            raise services.SupportError(_("No plot with the code %(code)s.", code=form.plot_code.data))
    beneficiary = form.beneficiary.data
    return services.make_pledge(current_user, db.session.get(Organisation, form.supporter_id.data), services.PledgeData(
        kind=SupportKind(form.kind.data), title=form.title.data, details=form.details.data or "",
        group_id=int(beneficiary[1:]) if beneficiary.startswith("g") else None, plot_id=plot.id if plot else None,
        amount_satang=_satang(form.amount_baht.data), crop_id=form.crop_id.data or None,
        kg_per_week=form.kg_per_week.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
        public=form.public.data, public_amount=form.public_amount.data))


def _visible(pledge_id: int) -> tuple[SupportPledge, bool]:
    found = db.get_or_404(SupportPledge, pledge_id)
    private = services.may_see_private(current_user, found)
    if not private and not found.public:
        abort(404)  # not even that it exists
    return found, private


def pledge(pledge_id: int):
    """The pledge in full for those who may see it; for everyone else only what the supporter made public."""
    found, private = _visible(pledge_id)
    acting = current_user.is_authenticated and services.speaks_for(current_user, found.supporter)
    delivery_form, pay_form = DeliveryForm(), PayForm()
    if not delivery_form.delivered_on.data:
        delivery_form.delivered_on.data = today()
    return render_template(
        "support/pledge.html", pledge=found, private=private, acting=acting, delivery_form=delivery_form,
        pay_form=pay_form, withdraw_form=WithdrawForm(), delivered=services.delivered_satang(found),
        delivered_kg=services.delivered_kg(found), online=gateway.enabled(),
        direct=payments.account_of(services.receiver(found)) is not None)


def _acting_on(pledge_id: int) -> SupportPledge:
    found = db.get_or_404(SupportPledge, pledge_id)
    if not current_user.is_authenticated or not services.speaks_for(current_user, found.supporter):
        abort(404 if not found.public else 403)
    return found


@login_required
def deliver(pledge_id: int):
    found = _acting_on(pledge_id)
    form = DeliveryForm()
    return act(form, url_for("support.pledge", pledge_id=found.id),
               lambda: services.record_delivery(current_user, found, services.DeliveryData(
                   form.delivered_on.data, DeliveryVia(form.via.data), _satang(form.amount_baht.data),
                   form.quantity_kg.data, form.note.data or "", form.reference.data or "", form.completes.data)),
               _("The delivery is recorded."), once="support-delivery")


@login_required
def pay(pledge_id: int):
    found = _acting_on(pledge_id)
    form = PayForm()
    target = url_for("support.pledge", pledge_id=found.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        started = services.start_payment(current_user, found, _satang(form.amount_baht.data), bool(form.direct.data))
    except DomainError as error:
        return refused(error, target)
    db.session.commit()
    return redirect(url_for("payments.show", reference=started.reference))


@login_required
def withdraw(pledge_id: int):
    found = _acting_on(pledge_id)
    form = WithdrawForm()
    return act(form, url_for("support.pledge", pledge_id=found.id),
               lambda: services.withdraw(current_user, found, form.reason.data), _("The pledge is withdrawn."))


register_routes(bp)
