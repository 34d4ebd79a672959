"""Keeping the QR page's snapshots honest: every change the page shows moves its plots' `public_version` on in the
change's own transaction, and the old snapshots go with it.

A listener on the session sees the rows each flush writes (a decision, a status event, a photo, a listing, a
consent, a residue test, the plot itself, its farmer's or group's name, ...); statements the ORM does not track name
their rows through greensmile.db.touched (the stock's conditional UPDATEs, an erasure's sweep). Before the commit one
UPDATE moves the touched plots' versions on; after it, Redis is told (public/page_cache.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from greensmile.db import TOUCHED
from greensmile.plots.models import Plot
from greensmile.public.models import PublicSnapshot

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
_CHUNK = 10_000  # ids in one IN list: PostgreSQL takes at most 65,535 parameters a statement


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
        # A new row of what a page names (a plot, a person, a group, a crop...) is on no page yet: the plots that
        # name it in the same transaction are new themselves, or changed and noted as plots. (An import that makes
        # a group with its 100,000 plots must not move them all on at commit.) A new photo, consent or
        # certificate of an existing plot or person is a change of that page.
        if obj in new and (kind in _NAMES_ONLY or attribute == "id"):
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
    ids = [row.id for row in rows]
    for start in range(0, len(ids), _CHUNK):
        session.execute(sa.delete(snapshots).where(snapshots.c.plot_id.in_(ids[start:start + _CHUNK])))
    session.info.setdefault(_BUMPED, {}).update({row.code: row.public_version for row in rows})


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: told when the whole transaction commits
    bumped = session.info.pop(_BUMPED, None)
    if bumped:
        from greensmile.public import page_cache  # (it reads snapshots; this module is read by them)

        page_cache.announce(bumped)


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    if session.get_nested_transaction() is None:
        session.info.pop(_SEEN, None)
        session.info.pop(_BUMPED, None)
        session.info.pop(TOUCHED, None)
