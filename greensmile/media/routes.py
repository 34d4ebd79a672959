from __future__ import annotations

from flask import Blueprint, abort, send_file

from greensmile.caching import public
from greensmile.media.storage import image_path

bp = Blueprint("media", __name__)
PUBLIC_KINDS = {"plots", "listings"}
# kind -> check(stored name) -> whether the public may see it now; a room that holds photos of people fills it (plots:
# a photo marked as showing people, only while its farmer agrees). Media imports no room.
PUBLIC_CHECKS: dict[str, object] = {}


def register_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/media/<kind>/<name>", "image", image)


@public(3600)
def image(kind: str, name: str):
    path = image_path(kind, name) if kind in PUBLIC_KINDS else None
    if path is None:
        abort(404)
    check = PUBLIC_CHECKS.get(kind)
    verdict = check(name) if check is not None else "public"
    if verdict == "hidden":
        abort(404)
    # An hour in caches, then a cheap 304 revalidation: a photo its farmer removes is gone within the hour. A photo
    # with people is never kept by a cache: a withdrawn consent takes effect on the next request.
    response = send_file(path, mimetype="image/jpeg", conditional=True, etag=True)
    if verdict == "uncached":
        response.headers["Cache-Control"] = "no-store"
    return response


register_routes(bp)
