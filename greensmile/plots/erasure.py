"""What erasure removes from the plots: the photos of the person's plots in which people can be recognised. The plots
themselves stay (their PGS history is kept, pseudonymised, under the certification hold)."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.plots.models import Plot, PlotPhoto
from greensmile.plots.services import PHOTO_KIND
from greensmile.privacy import erasure


def erase(person: User, pseudonym: str) -> erasure.Erased:
    photos = db.session.scalars(sa.select(PlotPhoto).where(
        PlotPhoto.shows_people.is_(True), PlotPhoto.plot_id.in_(sa.select(Plot.id).where(Plot.owner_id == person.id))
    )).all()
    for photo in photos:
        storage.delete_image(PHOTO_KIND, photo.stored_name)
        db.session.delete(photo)
    return erasure.Erased({"photos_of_people": len(photos)})


def register() -> None:
    erasure.register("plots", erase)
