"""Where photos live: files under UPLOAD_DIR (a shared disk when there are several app servers)."""
from __future__ import annotations

import logging
import os
import re
import uuid
from pathlib import Path

from flask import abort, current_app, send_file
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from greensmile.media.images import ProcessedImage

log = logging.getLogger(__name__)
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


_AFTER_COMMIT = "greensmile.media.delete_after_commit"


def delete_after_commit(session, kind: str, stored_name: str) -> None:
    """Delete the image once the session's transaction commits, and never if it rolls back: the row that named it
    and the file go together (an erasure that fails half-way keeps both). Inside a savepoint, the file waits for the
    savepoint: released, it joins the enclosing transaction; rolled back, it is kept."""
    if stored_name:
        session = session.registry() if hasattr(session, "registry") else session  # Flask-SQLAlchemy's scoped one
        owner = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_AFTER_COMMIT, []).append((owner, current_app._get_current_object(), kind, stored_name))


@sa_event.listens_for(Session, "after_commit")
def _delete_committed(session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # a savepoint released (SQLAlchemy tells this too): its files now wait for its parent
        session.info[_AFTER_COMMIT] = [(savepoint.parent if owner is savepoint else owner, *rest)
                                       for owner, *rest in session.info.get(_AFTER_COMMIT, [])]
        return
    for _owner, app, kind, stored_name in session.info.pop(_AFTER_COMMIT, []):
        try:
            with app.app_context():
                delete_image(kind, stored_name)
        except OSError as error:  # the rows are gone already: a file left over is logged, never a failed request
            log.warning("could not delete %s/%s: %s", kind, stored_name, error)


@sa_event.listens_for(Session, "after_rollback")
def _keep_rolled_back(session) -> None:
    savepoint = session.get_nested_transaction()
    if savepoint is not None:  # only what the savepoint queued is kept
        session.info[_AFTER_COMMIT] = [entry for entry in session.info.get(_AFTER_COMMIT, [])
                                       if entry[0] is not savepoint]
        return
    session.info.pop(_AFTER_COMMIT, None)
