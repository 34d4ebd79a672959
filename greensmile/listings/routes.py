"""The catalogue for consumers, farmers' listings, and pickup points."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from greensmile.accounts.models import Role
from greensmile.accounts.permissions import role_required
from greensmile.certification import scope
from greensmile.certification.services import BANGKOK
from greensmile.errors import DomainError
from greensmile.extensions import db, limiter, per_account
from greensmile.forms import ActionForm
from greensmile.listings import pickup_points as stops
from greensmile.listings import services
from greensmile.listings.forms import CatalogueForm, ListingForm, PhotoForm, PickupPointForm
from greensmile.listings.models import WEEKDAY_LABELS, Listing, ListingPhoto, PickupKind, PickupPoint, Unit
from greensmile.listings.pickup_points import PickupData
from greensmile.listings.services import CatalogueFilters, ListingData
from greensmile.orders import services as orders
from greensmile.orders.forms import AddToCartForm
from greensmile.places.services import all_districts
from greensmile.plots.services import all_crops

bp = Blueprint("market", __name__)
PER_PAGE = 24


def register_routes(bp: Blueprint) -> None:
    # fmt: off
    bp.add_url_rule("/market", "catalogue", catalogue)
    bp.add_url_rule("/market/<int:listing_id>", "listing", listing)
    bp.add_url_rule("/farm/listings", "mine", mine)
    bp.add_url_rule("/farm/listings/new", "create", edit, methods=["GET", "POST"])
    bp.add_url_rule("/farm/listings/<int:listing_id>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/farm/listings/<int:listing_id>/withdraw", "withdraw", withdraw, methods=["POST"])
    bp.add_url_rule("/farm/listings/<int:listing_id>/relist", "relist", relist, methods=["POST"])
    bp.add_url_rule("/farm/listings/<int:listing_id>/photos", "add_photo", add_photo, methods=["POST"])
    bp.add_url_rule("/farm/listings/<int:listing_id>/photos/<int:photo_id>/delete", "delete_photo", delete_photo,
                    methods=["POST"])
    bp.add_url_rule("/pickup-points", "points", points)
    bp.add_url_rule("/pickup-points/new", "create_point", edit_point, methods=["GET", "POST"])
    bp.add_url_rule("/pickup-points/<int:point_id>/edit", "edit_point", edit_point, methods=["GET", "POST"])
    # fmt: on


def _locale() -> str:
    return str(get_locale())


def expire_unpaid() -> None:
    """Reading listings also frees stock held by unpaid orders past their time (cron does it too)."""
    if orders.expire_due():
        db.session.commit()


# ---------------------------------------------------------------- consumers
def catalogue():
    expire_unpaid()
    search = CatalogueForm(request.args)
    search.set_choices(services.crops_on_sale(), all_districts(), stops.active_pickup_points(), _locale())
    filters = CatalogueFilters()
    if search.validate():
        filters = CatalogueFilters(
            q=search.q.data or "", crop_id=search.crop.data or None, district_id=search.district.data or None,
            pickup_point_id=search.point.data or None, harvest_from=search.harvest_from.data,
            harvest_to=search.harvest_to.data)
    page = db.paginate(services.catalogue(filters), per_page=PER_PAGE)
    return render_template("market/catalogue.html", search=search, page=page, labels=services.labels_for(page.items))


def listing(listing_id: int):
    expire_unpaid()
    item = db.get_or_404(Listing, listing_id)
    is_owner = current_user.is_authenticated and current_user.id == item.farmer_id
    on_sale = db.session.scalar(db.select(Listing.id).where(Listing.id == item.id, services.on_sale(in_stock=False)))
    if on_sale is None and not is_owner and not (current_user.is_authenticated and
                                                  current_user.has_role(Role.COORDINATOR)):
        return render_template("market/not_on_sale.html", listing=item), 410
    labels = services.labels_for([item])
    return render_template("market/listing.html", listing=item, on_sale=on_sale is not None, form=AddToCartForm(),
                           label=labels[item.id])


# ---------------------------------------------------------------- farmers
def _own(listing_id: int) -> Listing:
    item = db.get_or_404(Listing, listing_id)
    if item.farmer_id != current_user.id:
        abort(404)
    return item


@role_required(Role.FARMER)
def mine():
    if services.lapse_due(farmer=current_user):  # a certificate that lapsed by date shows here at once
        db.session.commit()
    mine = services.listings_of(current_user)
    return render_template("market/mine.html", listings=mine, form=ActionForm(), labels=services.labels_for(mine))


@role_required(Role.FARMER)
def edit(listing_id: int | None = None):
    item = _own(listing_id) if listing_id else None
    locale = _locale()
    form = ListingForm(obj=item)
    plots = services.sellable_plots_of(current_user)
    if item is not None and item.plot not in plots:
        plots.append(item.plot)
    form.plot_id.choices = [SelectChoice(str(p.id), f"{p.code} {p.name}".strip()) for p in plots]
    # Only crops a certificate covers on the farmer's plots (and the listing's own, so an old one can be opened).
    offerable = scope.offerable_crop_ids(plots) | ({item.crop_id} if item is not None else set())
    form.crop_id.choices = [SelectChoice(str(c.id), c.name(locale)) for c in all_crops() if c.id in offerable]
    form.pickup_points.choices = [SelectChoice(str(p.id), p.display_name(locale))
                                  for p in stops.pickup_points_for(current_user)]
    if not plots:
        flash(_("None of your plots may sell yet: produce is sold only from plots with a valid organic certificate "
                "or in their conversion period."), "info")
    if request.method == "GET" and item is not None:
        form.unit.data = item.unit.value
        form.price.data = Decimal(item.price_satang) / 100
        local = item.order_by.astimezone(BANGKOK)
        form.order_by_date.data, form.order_by_time.data = local.date(), local.time()
        form.pickup_points.data = [p.id for p in item.pickup_points]
    if form.validate_on_submit():
        data = ListingData(
            plot_id=form.plot_id.data, crop_id=form.crop_id.data, title=form.title.data or "",
            description=form.description.data or "", unit=Unit(form.unit.data),
            price_satang=int(form.price.data * 100), quantity=form.quantity.data, harvest_on=form.harvest_on.data,
            order_by=datetime.combine(form.order_by_date.data, form.order_by_time.data, tzinfo=BANGKOK),
            pickup_point_ids=form.pickup_points.data or [])
        try:
            if item is None:
                item = services.create_listing(current_user, data)
            else:
                services.update_listing(item, current_user, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The listing is saved."), "success")
            return redirect(url_for("market.listing", listing_id=item.id))
    return render_template("market/edit.html", form=form, listing=item, photo_form=PhotoForm(),
                           action_form=ActionForm()), 400 if request.method == "POST" else 200  # a refusal


def _act(listing_id: int, action, message: str):
    item = _own(listing_id)
    if ActionForm().validate_on_submit():
        try:
            action(item, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("market.mine"))


@role_required(Role.FARMER)
def withdraw(listing_id: int):
    return _act(listing_id, services.withdraw, _("The listing is off sale. Orders already placed stand."))


@role_required(Role.FARMER)
def relist(listing_id: int):
    return _act(listing_id, services.put_back_on_sale, _("The listing is on sale again."))


@limiter.limit("30 per minute", key_func=per_account("photo-upload"))
@role_required(Role.FARMER)
def add_photo(listing_id: int):
    item = _own(listing_id)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            services.add_photo(item, current_user, form.photo.data.read())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The photo is added."), "success")
    else:
        for message in form.photo.errors:
            flash(str(message), "error")
    return redirect(url_for("market.edit", listing_id=item.id))


@role_required(Role.FARMER)
def delete_photo(listing_id: int, photo_id: int):
    item = _own(listing_id)
    photo = db.get_or_404(ListingPhoto, photo_id)
    if photo.listing_id != item.id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.remove_photo(photo, current_user)
        db.session.commit()
        flash(_("The photo is removed."), "success")
    return redirect(url_for("market.edit", listing_id=item.id))


# ---------------------------------------------------------------- pickup points
def points():
    everyone = stops.active_pickup_points()
    managed = stops.managed_points(current_user) if current_user.is_authenticated and current_user.has_role(
        Role.COORDINATOR, Role.FARMER) else []
    return render_template("market/points.html", points=everyone, managed=managed)


@role_required(Role.COORDINATOR, Role.FARMER)
def edit_point(point_id: int | None = None):
    point = db.get_or_404(PickupPoint, point_id) if point_id else None
    if point is not None and not stops.can_manage_point(current_user, point):
        abort(404)
    form = PickupPointForm(obj=point)
    form.district_id.choices = [SelectChoice("0", "—")] + [SelectChoice(str(d.id), d.name(_locale()))
                                                           for d in all_districts()]
    coordinator = current_user.has_role(Role.COORDINATOR)
    if not coordinator:
        form.kind.choices = [c for c in form.kind.choices if c.value == PickupKind.DELIVERY.value]
    if request.method == "GET" and point is not None:
        form.kind.data = point.kind.value
        form.district_id.data = point.district_id or 0
        form.weekdays.data = point.weekday_numbers
        form.fee.data = Decimal(point.fee_satang) / 100
    if form.validate_on_submit():
        data = PickupData(
            kind=PickupKind(form.kind.data), name=form.name.data, name_en=form.name_en.data or "",
            district_id=form.district_id.data or None, address=form.address.data or "",
            weekdays=form.weekdays.data or [], opens_at=form.opens_at.data, closes_at=form.closes_at.data,
            fee_satang=int((form.fee.data or 0) * 100), is_active=form.is_active.data,
            organisation_id=point.organisation_id if point else None)
        try:
            point = stops.save_pickup_point(current_user, point, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The pickup point is saved."), "success")
            return redirect(url_for("market.points"))
    return render_template("market/edit_point.html", form=form, point=point)


register_routes(bp)


@bp.app_context_processor
def _market_helpers():
    return {"label_text": services.label_text, "weekday_labels": WEEKDAY_LABELS}
