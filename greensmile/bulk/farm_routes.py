"""The farm's side of kitchens' orders: shares to confirm or decline, weekly capacity, and the demand outlook."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import role_required
from greensmile.bulk import services
from greensmile.bulk import shares as sharing
from greensmile.bulk.forms import CapacityForm, ReasonForm
from greensmile.bulk.models import FarmCapacity, Share
from greensmile.bulk.outlook import outlook
from greensmile.certification import scope
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.forms import ActionForm
from greensmile.listings.models import Unit
from greensmile.plots.models import Plot
from greensmile.plots.services import all_crops
from greensmile.responses import act

bp = Blueprint("bulk_farm", __name__)


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/farm/bulk", "shares", shares)
    bp.add_url_rule("/farm/bulk/shares/<int:share_id>/confirm", "confirm", confirm, methods=["POST"])
    bp.add_url_rule("/farm/bulk/shares/<int:share_id>/decline", "decline", decline, methods=["POST"])
    bp.add_url_rule("/farm/capacity/new", "new_capacity", edit_capacity, methods=["GET", "POST"])
    bp.add_url_rule("/farm/capacity/<int:capacity_id>/edit", "edit_capacity", edit_capacity, methods=["GET", "POST"])
    bp.add_url_rule("/bulk/outlook", "outlook", demand_outlook)
    # fmt: on


def _own_share(share_id: int) -> Share:
    share = db.get_or_404(Share, share_id)
    if share.farmer_id != current_user.id:
        abort(404)
    return share


@role_required(Role.FARMER)
def shares():
    asked = sharing.shares_of_farmer(current_user)
    kitchens = {share.line.order.organisation for share in asked}  # where and when each kitchen takes deliveries
    return render_template("bulk/farm.html", shares=asked, profiles={k.id: services.profile_of(k) for k in kitchens},
                           capacities=services.capacities_of(current_user), form=ActionForm(), reason_form=ReasonForm)


def _answer(share_id: int, form, step, message: str):
    share = _own_share(share_id)
    return act(form, url_for("bulk_farm.shares"), lambda: step(share, form), message)


@role_required(Role.FARMER)
def confirm(share_id: int):
    return _answer(share_id, ActionForm(), lambda share, form: sharing.confirm_share(current_user, share),
                   _("Confirmed: the kitchen counts on it."))


@role_required(Role.FARMER)
def decline(share_id: int):
    return _answer(share_id, ReasonForm(prefix=f"share{share_id}"),
                   lambda share, form: sharing.decline_share(current_user, share, form.reason.data),
                   _("Declined; the coordinator will ask another farm."))


@role_required(Role.FARMER)
def edit_capacity(capacity_id: int | None = None):
    capacity = db.get_or_404(FarmCapacity, capacity_id) if capacity_id else None
    if capacity is not None and capacity.farmer_id != current_user.id:
        abort(404)
    locale = str(get_locale())
    form = CapacityForm(obj=capacity)
    plots = db.session.scalars(db.select(Plot).where(Plot.owner_id == current_user.id).order_by(Plot.code)).all()
    form.plot_id.choices = [(p.id, f"{p.code} {p.name or ''}".strip()) for p in plots]
    # Crops a certificate covers on these plots, or registered on a plot not yet decided on (stated ahead).
    offerable = scope.offerable_crop_ids(plots, undecided_ok=True) | ({capacity.crop_id} if capacity else set())
    form.crop_id.choices = [(c.id, c.name(locale)) for c in all_crops() if c.id in offerable]
    if capacity is not None and not form.is_submitted():
        form.unit.data, form.price.data = capacity.unit.value, capacity.price_satang / 100
    if form.validate_on_submit():
        data = services.CapacityData(form.plot_id.data, form.crop_id.data, Unit(form.unit.data),
                                     form.weekly_quantity.data, int(form.price.data * 100), form.is_active.data)
        try:
            services.save_capacity(current_user, capacity, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Saved: kitchens' orders can now be shared with you."), "success")
            return redirect(url_for("bulk_farm.shares"))
    return render_template("bulk/capacity_form.html", form=form, capacity=capacity), (
        400 if form.is_submitted() else 200)


@login_required
def demand_outlook():
    if not current_user.has_role(Role.FARMER, Role.COORDINATOR):
        abort(403)
    farmer = current_user if current_user.has_role(Role.FARMER) else None
    return render_template("bulk/outlook.html", view=outlook(farmer))


register_routes(bp)
