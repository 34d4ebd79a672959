"""The QR page from one read: each plot's public page content kept as one versioned snapshot.

Invariant: every change the page shows bumps `plots.public_version` in the change's own transaction (a listener on
the session sees the rows each flush writes: a decision, a status event, a photo, a listing, a consent, a residue
test, the plot itself, its farmer's name, its group, ...). A snapshot records the version it was built from; a view
reads the snapshot and the plot's version in one query and rebuilds when they differ. A snapshot built by a view that
raced a change carries the old version, so the next view rebuilds it: no change is ever hidden by a snapshot.

The status by date is not frozen in the snapshot: it keeps each standard's status from today on, at every date where
it can change by itself (a certificate's last day, a group certificate's dates, a corrective action's due day), so a
certificate that expires at midnight shows expired at 00:00 with no rebuild and no write.

With Redis, the rendered page is kept too, under the plot's version (one round trip reads the version and the page):
a change bumps the version in Redis when it commits, so the next view renders again. A page kept there lives at most
a minute, so even a version bump lost with Redis down shows within the minute.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload, selectinload

from greensmile.accounts.models import User
from greensmile.certification import overview
from greensmile.certification.models import CertStatus
from greensmile.clock import today
from greensmile.db import TOUCHED, utcnow
from greensmile.extensions import db
from greensmile.listings.models import Unit
from greensmile.plots.models import Plot
from greensmile.public.models import PublicSnapshot

log = logging.getLogger(__name__)
SELLING = ("certified", "certified_with_conditions", "in_conversion")
PAGE_SECONDS = 60  # a kept page's life in Redis: the bound on a lost version bump
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


# ---------------------------------------------------------------- the rendered page in Redis
# One round trip: the plot's version, the page kept under it, and the scan counted when the phone does not already
# hold this page (its If-None-Match names another ETag, or none).
_READ = r"""
local version = redis.call('GET', KEYS[1])
if not version then return false end
local kept = redis.call('GET', KEYS[2] .. version)
if not kept then return false end
local plot_id, etag = string.match(kept, '^(%d+)\n([^\n]*)\n')
if not string.find(ARGV[1], ',' .. etag .. ',', 1, true) then
  redis.call('HINCRBY', KEYS[3], plot_id, 1)
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
return kept
"""


@dataclass
class Kept:
    plot_id: int
    etag: str
    page: bytes


def _redis():
    from greensmile.public.scans import _redis as client

    return client()


def _prefix() -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'greensmile')}:qrpage"


def _page_key(code: str, variant: str, day: date) -> str:
    return f"{_prefix()}:page:{code}:{variant}:{day.isoformat()}:"


def _version_key(code: str) -> str:
    return f"{_prefix()}:version:{code}"


def cached_page(code: str, variant: str, day: date, held: Iterable[str] = ()) -> Kept | None:
    """The page kept for this code's current version, in one round trip that also counts the scan (unless the
    phone holds this very page: `held`, its If-None-Match ETags); None when not kept, or no Redis."""
    from greensmile.public import scans

    client = _redis()
    if client is None:
        return None
    script = current_app.extensions.get("qr_page_read")
    if script is None:  # sent by its SHA-1 from then on (EVALSHA), loaded again if Redis forgot it
        script = current_app.extensions["qr_page_read"] = client.register_script(_READ)
    try:
        kept = script(keys=[_version_key(code), _page_key(code, variant, day), scans.day_key(day)],
                      args=["," + ",".join(held) + ",", scans.KEEP_DAYS_IN_REDIS * 86400])
    except Exception as error:  # Redis down: the database answers
        log.warning("QR page cache not read: %s", error)
        return None
    if not kept:
        return None
    plot_id, etag, page = kept.split(b"\n", 2)
    return Kept(int(plot_id), etag.decode(), page)


# A version only ever moves forward: a late or lost announcement, or a view that read an older version, never sets
# it back (a page kept under an older version is then never read again).
_RAISE = """
local known = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > known then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
"""


def _raise_version(client, code: str, version: int) -> None:
    script = current_app.extensions.get("qr_page_raise")
    if script is None:
        script = current_app.extensions["qr_page_raise"] = client.register_script(_RAISE)
    script(keys=[_version_key(code)], args=[version, 86400], client=client)


def keep_page(code: str, variant: str, day: date, found: Found, page: bytes, etag: str) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.set(_page_key(code, variant, day) + str(found.version), f"{found.plot_id}\n{etag}\n".encode() + page,
                   ex=PAGE_SECONDS)
        _raise_version(client, code, found.version)
    except Exception as error:
        log.warning("QR page not kept: %s", error)


def _announce(versions: dict[str, int]) -> None:
    """After a commit: each changed plot's new version, so a kept page of an older one is never read again."""
    client = _redis() if versions else None
    if client is None:
        return
    try:
        for code, version in versions.items():
            _raise_version(client, code, version)
    except Exception as error:  # the kept pages expire within the minute
        log.warning("QR page versions not announced: %s", error)


# ---------------------------------------------------------------- noticing changes
_SEEN = "greensmile.public.snapshot.seen"
_BUMPED = "greensmile.public.snapshot.bumped"
# Rows changed by statements the ORM does not track (greensmile.db.touched): their table, and what names their plot.
TOUCHED_KINDS = {"plots": "plot", "listings": "listing"}


def _watched():
    """Each kind of row the page shows, and how to find its plots: ("plot", attribute) for a row that names its plot,
    ("certification", attribute), ("application", attribute), ("listing", ...), ("owner", attribute) for a person
    whose plots it concerns, ("group", attribute) for a farmer group; ("crop" | "district" | "standard", attribute)
    for a name many pages show, whose new rows no page shows yet (a crop added to the catalogue)."""
    from greensmile.accounts.models import User
    from greensmile.certification.group_models import CorrectiveAction, GroupCertificate
    from greensmile.certification.models import (
        Application,
        Certification,
        CertificationEvent,
        Decision,
        Inspection,
        ResidueTest,
        Standard,
        StandardVersion,
    )
    from greensmile.listings.models import Listing
    from greensmile.network.models import Organisation
    from greensmile.places.models import District
    from greensmile.plots.models import Crop, PlotPhoto
    from greensmile.privacy.models import Consent

    # A changed row of these counts only when one of the named columns changed (a sign-in writes the account).
    only = {User: {"display_name"}, Organisation: {"name", "name_en"}}
    return {model: (*how, only.get(model)) for model, how in {
        Plot: ("plot", "id"), PlotPhoto: ("plot", "plot_id"), Certification: ("plot", "plot_id"),
        ResidueTest: ("plot", "plot_id"), Listing: ("plot", "plot_id"),
        CertificationEvent: ("certification", "certification_id"),
        CorrectiveAction: ("certification", "certification_id"),
        Application: ("certification", "certification_id"), Decision: ("application", "application_id"),
        Inspection: ("application", "application_id"), Consent: ("owner", "user_id"), User: ("owner", "id"),
        Organisation: ("group", "id"), GroupCertificate: ("group", "organisation_id"),
        Crop: ("crop", "id"), District: ("district", "id"), Standard: ("standard", "id"),
        StandardVersion: ("standard", "standard_id"),
    }.items()}


_WATCHED: dict | None = None
_NAMES_ONLY = {"crop", "district", "standard"}  # a new one is on no page yet


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context) -> None:
    global _WATCHED
    if _WATCHED is None:
        _WATCHED = _watched()
    seen = session.info.setdefault(_SEEN, {})
    dirty, new = set(session.dirty), set(session.new)
    for obj in (*new, *dirty, *session.deleted):
        how = _WATCHED.get(type(obj))
        if how is None:
            continue
        kind, attribute, only = how
        if obj in new and kind in _NAMES_ONLY:
            continue
        values = {getattr(obj, attribute, None)}
        if obj in dirty:
            state = sa.inspect(obj)
            changed = [name for name, attr in state.attrs.items() if attr.history.has_changes()]
            if not changed or (only and not only.intersection(changed)):
                continue
            if attribute in state.attrs:  # a listing moved to another plot leaves the first one's page too
                values.update(state.attrs[attribute].history.deleted or ())
        seen.setdefault(kind, set()).update(value for value in values if value is not None)


def _plot_ids(seen: dict) -> sa.CompoundSelect | None:
    """The plots whose pages the noted changes touch, as one select (None: nothing noted)."""
    from greensmile.certification.models import Application, Certification
    from greensmile.listings.models import Listing
    from greensmile.plots.models import plot_crops

    plot_of = {
        "plot": lambda ids: sa.select(Plot.id).where(Plot.id.in_(ids)),
        "listing": lambda ids: sa.select(Listing.plot_id).where(Listing.id.in_(ids)),
        "certification": lambda ids: sa.select(Certification.plot_id).where(Certification.id.in_(ids)),
        "application": lambda ids: sa.select(Certification.plot_id).join(
            Application, Application.certification_id == Certification.id).where(Application.id.in_(ids)),
        "owner": lambda ids: sa.select(Plot.id).where(Plot.owner_id.in_(ids)),
        "group": lambda ids: sa.select(Plot.id).where(Plot.group_id.in_(ids)),
        "crop": lambda ids: sa.select(plot_crops.c.plot_id).where(plot_crops.c.crop_id.in_(ids)),
        "district": lambda ids: sa.select(Plot.id).where(Plot.district_id.in_(ids)),
        "standard": lambda ids: sa.select(Certification.plot_id).where(Certification.standard_id.in_(ids)),
    }
    parts = [plot_of[kind](sorted(ids)) for kind, ids in seen.items() if ids and kind in plot_of]
    return sa.union(*parts) if parts else None


@event.listens_for(Session, "before_commit")
def _bump_versions(session) -> None:
    """In the committing transaction: every touched plot's version moves on (one UPDATE), so its snapshot is old, and
    the old snapshot goes. A savepoint released does it too: if the enclosing transaction rolls back, the bump goes
    with it."""
    session.flush()
    seen = session.info.pop(_SEEN, None) or {}
    for table, ids in (session.info.pop(TOUCHED, None) or {}).items():
        if table in TOUCHED_KINDS:
            seen.setdefault(TOUCHED_KINDS[table], set()).update(ids)
    touched = _plot_ids(seen)
    if touched is None:
        return
    table = Plot.__table__
    rows = session.execute(sa.update(table).where(table.c.id.in_(touched)).values(
        public_version=table.c.public_version + 1, updated_at=table.c.updated_at,  # not a change of the plot's own
    ).returning(table.c.id, table.c.code, table.c.public_version)).all()
    # The old snapshots go at once: what they held (a withdrawn name, an erased person's) is not kept a moment longer.
    snapshots = PublicSnapshot.__table__
    session.execute(sa.delete(snapshots).where(snapshots.c.plot_id.in_([row.id for row in rows])))
    session.info.setdefault(_BUMPED, {}).update({row.code: row.public_version for row in rows})


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: told when the whole transaction commits
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        _announce(bumped)


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(_SEEN, None)
        session.info.pop(_BUMPED, None)
        session.info.pop(TOUCHED, None)
