"""The public side of a plot: whether it may carry a QR code, what its page shows, concerns, labels."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.certification import overview, residue, scope
from greensmile.certification.charter import PGS_ORGANIC
from greensmile.certification.models import Certification, CertificationEvent, CertStatus, ResidueTest
from greensmile.db import utcnow
from greensmile.errors import DomainError
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.notifications import services as notifications
from greensmile.plots.models import Plot
from greensmile.privacy import services as privacy
from greensmile.privacy.models import Purpose
from greensmile.public.models import Concern
from greensmile.urls import public_url

log = logging.getLogger(__name__)
CERTIFIED = (CertStatus.CERTIFIED, CertStatus.CERTIFIED_WITH_CONDITIONS)


class ConcernRefused(DomainError):
    message = _l("Please describe the concern.")


def ever_certified_ids(plot_ids: list[int]) -> set[int]:
    """The plots among these that have held a certificate at some time (they get QR codes)."""
    if not plot_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Certification.plot_id).join(CertificationEvent, CertificationEvent.certification_id == Certification.id)
        .where(Certification.plot_id.in_(plot_ids), CertificationEvent.to_status.in_(CERTIFIED)).distinct()
    ))


def ever_certified(plot: Plot) -> bool:
    return plot.id in ever_certified_ids([plot.id])


@dataclass
class PublicPage:
    plot: Plot
    main: overview.PublicStatus | None  # the organic (PGS) certificate if it has one, else its other standard
    others: list[overview.PublicStatus]
    tests: list[ResidueTest]
    has_qr: bool
    on_sale: list = field(default_factory=list)  # listings from this plot a shopper can pre-order now
    crop_scope: scope.Scope | None = None  # the crops its organic certificate covers, and those not yet inspected
    named: bool = False  # the farmer agreed to show their name on the public pages (PDPA consent)
    photos: list = field(default_factory=list)  # those the public may see: with people only if the farmer agreed

    @property
    def status(self) -> CertStatus:
        return self.main.status if self.main else CertStatus.NOT_CERTIFIED


def public_page(plot: Plot, named: bool | None = None, people: bool | None = None) -> PublicPage:
    """What the plot's public page shows. `named`, `people`: whether the farmer agreed to show their name, and photos
    with people, when the caller read it already."""
    statuses = overview.public_statuses(plot)
    # The organic certificate is the one a shopper asks about; a plot without one (a rubber plot under FSC)
    # shows its own standard first.
    main = next((status for status in statuses if status.standard.code == PGS_ORGANIC), None) or (
        statuses[0] if statuses else None)
    others = [status for status in statuses if status is not main]
    return PublicPage(plot, main, others, residue.public_residue_tests(plot, limit=5), ever_certified(plot),
                      listings.listed_on_plot(plot), scope.scope_of(plot),
                      privacy.has_given(plot.owner, Purpose.PUBLIC_NAME) if named is None else named,
                      public_photos(plot, people))


def public_photos(plot: Plot, people: bool | None = None) -> list:
    """The plot's photos the public may see: one where people can be recognised only with the farmer's consent."""
    if people is None and any(photo.shows_people for photo in plot.photos):
        people = privacy.has_given(plot.owner, Purpose.PEOPLE_PHOTOS)
    return [photo for photo in plot.photos if people or not photo.shows_people]


def report_concern(plot: Plot, message: str, contact: str) -> Concern:
    """Keep a concern about a plot; coordinators see it on their pipeline page."""
    message = message.strip()
    if not message:
        raise ConcernRefused()
    concern = Concern(plot=plot, message=message, contact=contact.strip())
    db.session.add(concern)
    db.session.flush()
    return concern


def tell_coordinators(concern: Concern) -> None:
    """Tell every coordinator about a stored concern, in the concern's transaction."""
    plot, message = concern.plot, concern.message
    notifications.notify_coordinators("concern.reported", lambda: notifications.Message(
        _("A concern about plot %(code)s", code=plot.code),
        _("Someone reported a concern about plot %(code)s (%(farmer)s):\n\n%(message)s\n\nContact: %(contact)s",
          code=plot.code, farmer=plot.owner.display_name, message=message, contact=concern.contact or "—"),
        public_url("plots.detail", code=plot.code)))


def open_concerns() -> list[Concern]:
    return list(db.session.scalars(
        sa.select(Concern).where(Concern.handled_at.is_(None)).order_by(Concern.created_at)
    ))


def mark_handled(concern: Concern) -> None:
    concern.handled_at = utcnow()
    db.session.flush()
