from __future__ import annotations

from flask import Blueprint, abort, send_file

from greensmile.media.storage import image_path

bp = Blueprint("media", __name__)
PUBLIC_KINDS = {"plots"}


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/media/<kind>/<name>", "image", image)


def image(kind: str, name: str):
    path = image_path(kind, name) if kind in PUBLIC_KINDS else None
    if path is None:
        abort(404)
    # Stored names are never reused, so a browser may keep a photo for a year.
    response = send_file(path, mimetype="image/jpeg", max_age=365 * 24 * 3600, conditional=True)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


register_routes(bp)
