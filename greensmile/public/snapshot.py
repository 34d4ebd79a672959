"""The QR page from one read: each plot's public page content kept as one versioned snapshot.

Invariant: every change the page shows moves `plots.public_version` on in the change's own transaction
(public/freshness.py). A snapshot records the version it was built from; a view reads the snapshot and the plot's
version in one query and rebuilds when they differ. A snapshot built by a view that raced a change carries the old
version, so the next view rebuilds it: no change is ever hidden by a snapshot.

The status by date is not frozen in the snapshot: it keeps each standard's status from today on, at every date where
it can change by itself (a certificate's last day, a group certificate's dates, a corrective action's due day), so a
certificate that expires at midnight shows expired at 00:00 with no rebuild and no write. The rendered page may be
kept in Redis too (public/page_cache.py).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts.models import User
from greensmile.certification import overview
from greensmile.certification.models import CertStatus
from greensmile.clock import today
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.plots.models import Plot
from greensmile.public import freshness  # noqa: F401  (its session listeners keep the versions moving)
from greensmile.public.models import PublicSnapshot

log = logging.getLogger(__name__)
SELLING = ("certified", "certified_with_conditions", "in_conversion")
# A snapshot older than this is rebuilt anyway: the bound on a change no listener saw (SQL run by hand, a worker of
# the previous release during a deploy). FORMAT changes with the shape of build(): an older row is rebuilt.
MAX_AGE = timedelta(seconds=60)
FORMAT = 1
HORIZON = timedelta(days=3 * 366)  # dates of change further out are met by a rebuild long before

# ---------------------------------------------------------------- what the page reads (duck-typed like the models)
@dataclass(frozen=True)
class Named:
    th: str
    en: str = ""

    def name(self, locale: str) -> str:
        return self.en if locale == "en" and self.en else self.th

    display_name = name


@dataclass(frozen=True)
class Place:
    district: Named
    province_names: Named

    def name(self, locale: str) -> str:
        return self.district.name(locale)

    def province(self, locale: str) -> str:
        return self.province_names.name(locale)


@dataclass(frozen=True)
class Owner:
    display_name: str


@dataclass(frozen=True)
class Standard:
    code: str
    names: Named

    def name(self, locale: str) -> str:
        return self.names.name(locale)


@dataclass(frozen=True)
class Status:
    standard: Standard
    status: CertStatus
    valid_from: date | None
    valid_until: date | None
    last_inspected_on: date | None
    version_label: str | None
    version_number: int | None


@dataclass(frozen=True)
class Offer:
    id: int
    title: str
    price_satang: int
    unit: Unit
    harvest_on: date
    order_by: datetime


@dataclass(frozen=True)
class Photo:
    stored_name: str
    width: int
    height: int
    caption: str


@dataclass(frozen=True)
class Test:
    tested_on: date
    substance: str
    sample: str
    result: object  # ResidueResult


@dataclass(frozen=True)
class Scope:
    decided: bool
    covered: list[Named]
    not_yet_inspected: list[Named]


@dataclass
class PlotView:
    id: int
    code: str
    name: str
    subdistrict: str
    district: Place
    group: Named | None
    owner: Owner | None
    crops: list[Named]


@dataclass
class Page:
    """What plot.html reads, for one day: the same names as public.services.PublicPage."""

    plot: PlotView
    main: Status | None
    others: list[Status]
    tests: list[Test]
    has_qr: bool
    on_sale: list[Offer] = field(default_factory=list)
    crop_scope: Scope | None = None
    named: bool = False
    photos: list[Photo] = field(default_factory=list)

    @property
    def status(self) -> CertStatus:
        return self.main.status if self.main else CertStatus.NOT_CERTIFIED


# ---------------------------------------------------------------- building
def _day(value) -> str | None:
    return value.isoformat() if value else None


def _named(obj) -> dict:
    return {"th": obj.name("th"), "en": obj.name("en")}


def _change_days(plot: Plot, on: date) -> list[date]:
    """The days after `on` on which a status of the plot may change by itself."""
    from greensmile.certification.group_models import CorrectiveAction, GroupCertificate
    from greensmile.certification.models import Certification

    certs = db.session.execute(sa.select(Certification.id, Certification.valid_from, Certification.valid_until)
                               .where(Certification.plot_id == plot.id)).all()
    days = set()
    for _id, valid_from, valid_until in certs:
        days |= {valid_from, valid_until + timedelta(days=1) if valid_until else None}
    if certs:
        days |= {due + timedelta(days=1) for due in db.session.scalars(sa.select(CorrectiveAction.due_on).where(
            CorrectiveAction.certification_id.in_([cert.id for cert in certs])))}
    if plot.group_id is not None:
        for start, end in db.session.execute(sa.select(GroupCertificate.valid_from, GroupCertificate.valid_until)
                                             .where(GroupCertificate.organisation_id == plot.group_id)):
            days |= {start, end + timedelta(days=1) if end else None}
    return sorted(day for day in days if day is not None and on < day <= on + HORIZON)


def _status_entry(status: overview.PublicStatus) -> dict:
    return {"standard": {"code": status.standard.code, **_named(status.standard)}, "status": status.status.value,
            "valid_from": _day(status.valid_from), "valid_until": _day(status.valid_until),
            "last_inspected_on": _day(status.last_inspected_on), "version_label": status.version_label,
            "version_number": status.version_number}


def build(plot: Plot, on: date | None = None) -> dict:
    """The page's content as JSON, with each standard's statuses from `on` (today) at every day they may change."""
    from greensmile.public import services

    on = on or today()
    page = services.public_page(plot)
    timeline = []
    for day in [on, *_change_days(plot, on)]:
        statuses = page.main and [page.main, *page.others] if day == on else _ordered(plot, day)
        entry = [_status_entry(status) for status in statuses or []]
        if not timeline or timeline[-1]["statuses"] != entry:
            timeline.append({"from": day.isoformat(), "statuses": entry})
    return {
        "format": FORMAT,
        "plot": {"id": plot.id, "code": plot.code, "name": plot.name, "subdistrict": plot.subdistrict,
                 "district": _named(plot.district), "province": {"th": plot.district.province("th"),
                                                                 "en": plot.district.province("en")},
                 "group": {"th": plot.group.display_name("th"), "en": plot.group.display_name("en")}
                 if plot.group else None,
                 "owner": plot.owner.display_name if page.named else None,
                 "crops": [_named(crop) for crop in plot.crops]},
        "timeline": timeline,
        "tests": [{"tested_on": _day(test.tested_on), "substance": test.substance, "sample": test.sample,
                   "result": test.result.value} for test in page.tests],
        "has_qr": page.has_qr,
        "on_sale": [{"id": item.id, "title": item.title, "price_satang": item.price_satang, "unit": item.unit.value,
                     "harvest_on": _day(item.harvest_on), "order_by": item.order_by.isoformat()}
                    for item in page.on_sale],
        "scope": {"decided": page.crop_scope.decided, "covered": [_named(c) for c in page.crop_scope.covered],
                  "not_yet_inspected": [_named(c) for c in page.crop_scope.not_yet_inspected]}
        if page.crop_scope else None,
        "named": page.named,
        "photos": [{"stored_name": p.stored_name, "width": p.width, "height": p.height, "caption": p.caption}
                   for p in page.photos],
    }


def _ordered(plot: Plot, day: date) -> list[overview.PublicStatus]:
    """The statuses on `day`, the page's main one first (as public_page orders them)."""
    from greensmile.certification.charter import PGS_ORGANIC

    statuses = overview.public_statuses(plot, on=day)
    main = next((s for s in statuses if s.standard.code == PGS_ORGANIC), None) or (statuses[0] if statuses else None)
    return [main, *[s for s in statuses if s is not main]] if main else []


# ---------------------------------------------------------------- reading
def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def page_of(data: dict, on: date, now: datetime | None = None) -> Page:
    """The page for day `on` from a snapshot: the statuses in force that day, the offers still open now."""
    from greensmile.certification.models import ResidueResult

    now = now or utcnow()
    entry = data["timeline"][0]
    for candidate in data["timeline"]:
        if date.fromisoformat(candidate["from"]) <= on:
            entry = candidate
    statuses = [Status(Standard(s["standard"]["code"], Named(s["standard"]["th"], s["standard"]["en"])),
                       CertStatus(s["status"]), _date(s["valid_from"]), _date(s["valid_until"]),
                       _date(s["last_inspected_on"]), s["version_label"], s["version_number"])
                for s in entry["statuses"]]
    main = statuses[0] if statuses else None
    raw = data["plot"]
    plot = PlotView(raw["id"], raw["code"], raw["name"], raw["subdistrict"],
                    Place(Named(**raw["district"]), Named(**raw["province"])),
                    Named(**raw["group"]) if raw["group"] else None,
                    Owner(raw["owner"]) if raw["owner"] else None, [Named(**crop) for crop in raw["crops"]])
    selling = main is not None and main.status.value in SELLING
    offers = [Offer(o["id"], o["title"], o["price_satang"], Unit(o["unit"]), date.fromisoformat(o["harvest_on"]),
                    datetime.fromisoformat(o["order_by"])) for o in data["on_sale"]]
    scope = data["scope"]
    return Page(
        plot, main, statuses[1:],
        [Test(date.fromisoformat(t["tested_on"]), t["substance"], t["sample"], ResidueResult(t["result"]))
         for t in data["tests"]],
        data["has_qr"],
        [offer for offer in offers if offer.order_by > now] if selling else [],
        Scope(scope["decided"], [Named(**c) for c in scope["covered"]],
              [Named(**c) for c in scope["not_yet_inspected"]]) if scope else None,
        data["named"] and raw["owner"] is not None,
        [Photo(**photo) for photo in data["photos"]],
    )


@dataclass
class Found:
    plot_id: int
    version: int
    data: dict
    rebuilt: bool = False


def read(code: str) -> Found | None:
    """The plot's snapshot in one query, rebuilt (and kept) when missing or older than the plot's version; None when
    there is no such plot. The caller commits a rebuilt one (a lost race only costs the next view a rebuild)."""
    row = db.session.execute(
        sa.select(Plot.id, Plot.public_version, PublicSnapshot.version, PublicSnapshot.data, PublicSnapshot.built_at)
        .outerjoin(PublicSnapshot, PublicSnapshot.plot_id == Plot.id).where(Plot.code == code)).first()
    if row is None:
        return None
    plot_id, current, built, data, built_at = row
    if built == current and data is not None and data.get("format") == FORMAT and built_at > utcnow() - MAX_AGE:
        return Found(plot_id, current, data)
    plot = db.session.scalar(sa.select(Plot).where(Plot.id == plot_id).options(
        joinedload(Plot.owner).lazyload(User.roles), joinedload(Plot.group), joinedload(Plot.district),
        selectinload(Plot.crops), selectinload(Plot.photos)))
    data = build(plot)
    table = PublicSnapshot.__table__
    values = {"version": current, "data": data, "built_at": utcnow()}
    try:
        with db.session.begin_nested():
            if built is None:
                db.session.execute(sa.insert(table).values(plot_id=plot_id, **values))
            else:  # only over an older one (or one of the same version past its age): a newer one stays
                db.session.execute(sa.update(table).where(table.c.plot_id == plot_id, table.c.version <= current)
                                   .values(**values))
    except sa.exc.IntegrityError:  # another view kept the same snapshot first
        pass
    return Found(plot_id, current, data, rebuilt=True)


def keep(found: Found) -> None:
    """Commit a rebuilt snapshot for the views after; a database that cannot take it now costs them a rebuild, never
    this page."""
    if not found.rebuilt:
        return
    try:
        db.session.commit()
    except Exception as error:
        log.warning("snapshot of plot %s not kept: %s", found.plot_id, error)
        try:
            db.session.rollback()
        except Exception:
            log.exception("rollback after a snapshot not kept")
