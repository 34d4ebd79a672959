from __future__ import annotations

from flask import Blueprint, abort, send_file

from greensmile.caching import public
from greensmile.media.storage import image_path

bp = Blueprint("media", __name__)
PUBLIC_KINDS = {"plots", "listings"}


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/media/<kind>/<name>", "image", image)


@public(3600)
def image(kind: str, name: str):
    path = image_path(kind, name) if kind in PUBLIC_KINDS else None
    if path is None:
        abort(404)
    # An hour in caches, then a cheap 304 revalidation: a photo its farmer removes is gone within the hour.
    return send_file(path, mimetype="image/jpeg", conditional=True, etag=True)


register_routes(bp)
