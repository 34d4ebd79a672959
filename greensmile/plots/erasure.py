"""What erasure removes from the plots: the photos of the person's plots in which people can be recognised, and an
import's stored file that names them (kept only while an import could be sent again). The plots themselves stay,
their PGS history kept, pseudonymised, under the certification hold. A plot's change history and an import's report
may hold the person's name or phone as text: they are swept. A photo with people is served at its address only as
the public page would show it (see `photo_verdict`)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.media.routes import PUBLIC_CHECKS
from greensmile.plots import services
from greensmile.plots.models import Plot, PlotImport, PlotPhoto
from greensmile.plots.services import PHOTO_KIND
from greensmile.privacy import erasure
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose


def erase(person: User, pseudonym: str) -> erasure.Erased:
    photos = db.session.scalars(sa.select(PlotPhoto).where(
        PlotPhoto.shows_people.is_(True), PlotPhoto.plot_id.in_(sa.select(Plot.id).where(Plot.owner_id == person.id))
    )).all()
    for photo in photos:
        storage.delete_after_commit(db.session, PHOTO_KIND, photo.stored_name)
        db.session.delete(photo)
    named = [value.encode() for value in erasure.personal_values(person)]
    files = 0
    for import_id, data in db.session.execute(sa.select(PlotImport.id, PlotImport.data).where(PlotImport.size > 0)):
        if data and any(value in data for value in named):
            db.session.execute(sa.update(PlotImport).where(PlotImport.id == import_id).values(data=b""))
            files += 1
    return erasure.Erased({"photos_of_people": len(photos), "import_files": files})


def photo_verdict(name: str) -> str:
    """Who may see a plot photo at its address: anyone, unless people can be recognised in it; then the public only
    while the farmer agrees, and the people who may see the plot itself always (never from a shared cache)."""
    found = db.session.execute(sa.select(PlotPhoto.shows_people, PlotPhoto.plot_id, Plot.owner_id)
                               .join(Plot, Plot.id == PlotPhoto.plot_id)
                               .where(PlotPhoto.stored_name == name.replace("_t.jpg", ".jpg"))).first()
    if found is None:
        return "hidden"  # a file whose row is gone (removed, erased) is nobody's to see
    if not found.shows_people:
        return "public"
    if privacy.given_among(Purpose.PEOPLE_PHOTOS, [found.owner_id]):
        return "uncached"
    if current_user.is_authenticated and services.can_view(current_user, db.session.get(Plot, found.plot_id)):
        return "uncached"
    return "hidden"


def register() -> None:
    erasure.register("plots", erase, copies=[("plot_changes", "changes"), ("plot_imports", "report")])
    PUBLIC_CHECKS[PHOTO_KIND] = photo_verdict
