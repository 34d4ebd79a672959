"""Where photos live: files under UPLOAD_DIR (a shared disk when there are several app servers)."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from flask import abort, current_app, send_file

from greensmile.media.images import ProcessedImage

_NAME = re.compile(r"^[0-9a-f]{32}(_t)?\.jpg$")


def _folder(kind: str) -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_image(kind: str, image: ProcessedImage) -> str:
    """Write the full picture and its thumbnail; returns the stored name of the full one."""
    stem = uuid.uuid4().hex
    folder = _folder(kind)
    for name, data in ((f"{stem}.jpg", image.full), (f"{stem}_t.jpg", image.thumb)):
        temporary = folder / f".{name}.part"
        temporary.write_bytes(data)
        os.replace(temporary, folder / name)  # readers never see half a file
    return f"{stem}.jpg"


def thumb_name(stored_name: str) -> str:
    return stored_name.replace(".jpg", "_t.jpg")


def delete_image(kind: str, stored_name: str) -> None:
    folder = _folder(kind)
    for name in (stored_name, thumb_name(stored_name)):
        (folder / name).unlink(missing_ok=True)


def image_path(kind: str, name: str) -> Path | None:
    """The file for a public name, or None (also for names that try to leave the folder)."""
    if not _NAME.match(name):
        return None
    path = _folder(kind) / name
    return path if path.is_file() else None


def send_private(kind: str, name: str):
    """A photo only some people may see (pledges, inspections): never kept in shared caches."""
    path = image_path(kind, name)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
