"""GET /api/v1/listings: what is on sale, with the catalogue's filters, as JSON."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request

from greensmile.db import MAX_ID
from greensmile.extensions import db
from greensmile.input_hygiene import whole_number
from greensmile.listings import services
from greensmile.listings.services import CatalogueFilters
from greensmile.orders import services as orders
from greensmile.urls import public_url

bp = Blueprint("listings_api", __name__, url_prefix="/api/v1")
PER_PAGE_MAX = 100


class BadParameter(ValueError):
    pass


def _int(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    number = whole_number(raw, low=0)
    if number is None:
        raise BadParameter(f"{name} must be a whole number from 0 to {MAX_ID}")
    return number


def _date(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a date as YYYY-MM-DD") from None


def listings():
    try:
        filters = CatalogueFilters(
            q=request.args.get("q", "")[:100], crop_id=_int("crop"), district_id=_int("district"),
            pickup_point_id=_int("pickup_point"), harvest_from=_date("harvest_from"), harvest_to=_date("harvest_to"))
        page_number = _int("page") or 1
        per_page = min(_int("per_page") or 50, PER_PAGE_MAX)
    except BadParameter as error:
        return jsonify(error=str(error)), 400
    if orders.expire_due():
        db.session.commit()
    page = db.paginate(services.catalogue(filters), page=page_number, per_page=per_page)
    labels = services.labels_for(page.items)
    return jsonify(
        page=page.page, pages=page.pages, total=page.total,
        listings=[{
            "id": item.id,
            "title": item.title,
            "crop": {"id": item.crop.id, "name_th": item.crop.name_th, "name_en": item.crop.name_en},
            "label": labels[item.id],
            "unit": item.unit.value,
            "price_satang": item.price_satang,
            "currency": "THB",
            "available": str(item.available),
            "harvest_on": item.harvest_on.isoformat(),
            "order_by": item.order_by.isoformat(),
            "farmer": item.farmer.display_name,
            "plot": {"code": item.plot.code, "url": public_url("public.plot", code=item.plot.code),
                     "district": item.plot.district.name_th},
            "pickup_points": [{"id": p.id, "kind": p.kind.value, "name": p.name} for p in item.pickup_points
                              if p.is_active],
            "url": public_url("market.listing", listing_id=item.id),
        } for item in page.items],
    )


bp.add_url_rule("/listings", "listings", listings)
