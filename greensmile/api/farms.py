"""GET /api/v1/farms.geojson: the public farm directory for other markets and apps, as a GeoJSON FeatureCollection
(RFC 7946), with the directory page's filters (crop, standard, district; lat and lon for nearest first)."""
from __future__ import annotations

import json

from flask import Blueprint, current_app
from flask_babel import get_locale

from greensmile.public import directory
from greensmile.public.routes import farm_search
from greensmile.urls import public_url

bp = Blueprint("farms_api", __name__, url_prefix="/api/v1")


def farms():
    search, filters = farm_search()
    if search.errors:  # an API caller is told what was wrong rather than given everything
        problems = {name: [str(e) for e in errors] for name, errors in search.errors.items()}
        return current_app.response_class(json.dumps({"error": problems}, ensure_ascii=False), status=400,
                                          mimetype="application/json")
    locale = str(get_locale())
    collection = {
        "type": "FeatureCollection",
        "features": [directory.feature(farm, locale, public_url("public.plot", code=farm.plot.code),
                                       public_url("market.catalogue", q=farm.plot.code))
                     for farm in directory.farms(filters)],
    }
    return current_app.response_class(json.dumps(collection, ensure_ascii=False, separators=(",", ":")),
                                      mimetype="application/geo+json")


bp.add_url_rule("/farms.geojson", "farms", farms)
