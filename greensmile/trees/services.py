"""Registering trees, measuring them (a whole measuring day at once, sent once), and pledging them as collateral."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from greensmile.accounts.models import Role, User
from greensmile.certification.conflicts import manages_group_of
from greensmile.certification.services import today
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.media import storage
from greensmile.media.images import process_photo
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position
from greensmile.plots.models import Plot
from greensmile.plots.services import find_by_typed_code
from greensmile.trees import valuation
from greensmile.trees.errors import NeedsConfirmation, NotAllowed, Pledged, TreeError
from greensmile.trees.models import Measurement, Pledge, Species, Stand, Tree, TreeStatus

PHOTO_KIND = "trees"


def may_manage(user: User, plot: Plot) -> bool:
    """The plot's farmer, a coordinator, or the manager of the plot's group (a tree-bank group included)."""
    if user.id == plot.owner_id or user.has_role(Role.COORDINATOR):
        return True
    if manages_group_of(user, plot):
        return True
    group = db.session.get(Organisation, plot.group_id) if plot.group_id else None
    if group is None or group.kind is not OrganisationKind.TREE_BANK_GROUP:
        return False
    membership = db.session.get(Membership, (group.id, user.id))
    return membership is not None and membership.position in (Position.MANAGER, Position.COMMITTEE)


@dataclass
class TreeData:
    tag: str
    species_id: int
    planted_on: date | None = None
    planting_year: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def register_tree(acting: User, plot: Plot, data: TreeData) -> Tree:
    """One tagged tree on a plot; its tag is unique on the plot."""
    if not may_manage(acting, plot):
        raise NotAllowed()
    tag = squeeze(data.tag)[:20]
    if not tag:
        raise TreeError(_l("Enter the number on the tree's tag."))
    if db.session.get(Species, data.species_id) is None:
        raise TreeError(_l("Choose the species from the list."))
    if data.planted_on and data.planted_on > today():
        raise TreeError(_l("The planting date must not be in the future."))
    if data.planting_year and not 1800 <= data.planting_year <= today().year:
        raise TreeError(_l("Enter the year it was planted (not in the future)."))
    if db.session.scalar(sa.select(Tree.id).where(Tree.plot_id == plot.id, Tree.tag == tag)) is not None:
        raise TreeError(_l("Tag %(tag)s is used on this plot already.", tag=tag))
    tree = Tree(plot_id=plot.id, tag=tag, species_id=data.species_id, planted_on=data.planted_on,
                planting_year=data.planting_year or (data.planted_on.year if data.planted_on else None),
                latitude=data.latitude, longitude=data.longitude, registered_by_id=acting.id)
    db.session.add(tree)
    db.session.flush()
    return tree


@dataclass
class MeasurementData:
    client_uuid: str
    tag: str
    girth_cm: Decimal
    height_m: Decimal


def record_day(acting: User, plot: Plot, measured_on: date, rows: list[MeasurementData],
               confirmed: bool = False, prices: valuation.Prices | None = None) -> int:
    """A measuring day on one plot, tree after tree: all stored or none. A row sent before (the same phone id) is
    stored once; a girth much smaller than the tree's last is refused unless confirmed. Returns how many are new."""
    if not may_manage(acting, plot):
        raise NotAllowed()
    if measured_on > today():
        raise TreeError(_l("The measuring day must not be in the future."))
    trees = {tree.tag: tree for tree in db.session.scalars(sa.select(Tree).where(
        Tree.plot_id == plot.id, Tree.status == TreeStatus.STANDING))}  # a felled tree is not measured
    known = set(db.session.scalars(sa.select(Measurement.client_uuid).where(
        Measurement.client_uuid.in_([row.client_uuid for row in rows])))) if rows else set()
    last = _last_girths([tree.id for tree in trees.values()], measured_on)
    # A tree is measured once a day: the same day entered again (on a second phone, say) is not stored twice.
    that_day = {m.tree_id: m for m in db.session.scalars(sa.select(Measurement).where(
        Measurement.tree_id.in_([tree.id for tree in trees.values()]), Measurement.measured_on == measured_on))}
    margin = Decimal(current_app.config["TREE_SHRINK_MARGIN_PERCENT"]) / 100
    smaller, new = [], []
    for row in rows:
        if row.client_uuid in known:
            continue
        tree = trees.get(squeeze(row.tag))
        if tree is None:
            raise TreeError(_l("No standing tree with tag %(tag)s on this plot.", tag=row.tag))
        girth, height = Decimal(row.girth_cm).quantize(Decimal("0.1")), Decimal(row.height_m).quantize(Decimal("0.01"))
        if not (0 < girth < 2000) or not (0 < height < 120):  # checked as stored (rounded)
            raise TreeError(_l("Tag %(tag)s: enter the girth in cm and the height in m.", tag=row.tag))
        same = that_day.get(tree.id)
        if same is not None:
            if (same.girth_cm, same.height_m) == (girth, height):
                continue
            raise TreeError(_l("Tag %(tag)s was measured on this day already, with other figures. Check which is "
                               "right.", tag=tree.tag))
        previous = last.get(tree.id)
        if previous is not None and girth < previous * (1 - margin):
            smaller.append(tree.tag)
        new.append((Measurement(client_uuid=row.client_uuid[:36], tree_id=tree.id, measured_on=measured_on,
                               girth_cm=girth, height_m=height,
                               measured_by_id=acting.id, created_at=utcnow()), tree.species_id))
        known.add(row.client_uuid)
        that_day[tree.id] = new[-1][0]
    if smaller and not confirmed:
        raise NeedsConfirmation(_l("Smaller than last time: %(tags)s. Check these girths, then confirm.",
                                   tags=", ".join(smaller)))
    db.session.add_all(measurement for measurement, _species in new)
    db.session.flush()
    valuation.value(new, prices, on=measured_on)
    return len(new)


def record_days(acting: User, measured_on: date, rows: list[tuple[str, MeasurementData]],
                confirmed: bool = False) -> int:
    """A group's measuring day sent from a phone: (plot code, measurement) rows on several plots, all or none."""
    by_plot: dict[str, list[MeasurementData]] = {}
    for code, row in rows:
        by_plot.setdefault(code, []).append(row)
    stored, smaller = 0, []
    table = valuation.active_table()
    prices = valuation.Prices(table) if table else None  # read once for the whole group, not once a plot
    for code, plot_rows in by_plot.items():
        plot = find_by_typed_code(code)
        if plot is None:
            raise TreeError(_l("No plot with the code %(code)s.", code=code))
        try:
            stored += record_day(acting, plot, measured_on, plot_rows, confirmed, prices)
        except NeedsConfirmation as question:
            smaller.append(str(question))
    if smaller:
        raise NeedsConfirmation(" ".join(smaller))
    return stored


def _last_girths(tree_ids: list[int], before: date) -> dict[int, Decimal]:
    """Each tree's girth at its latest measurement before that day (a tree is measured once a day)."""
    if not tree_ids:
        return {}
    newest = (sa.select(Measurement.tree_id, sa.func.max(Measurement.measured_on).label("day"))
              .where(Measurement.tree_id.in_(tree_ids), Measurement.measured_on < before)
              .group_by(Measurement.tree_id).subquery())
    return dict(db.session.execute(sa.select(Measurement.tree_id, Measurement.girth_cm).join(
        newest, (newest.c.tree_id == Measurement.tree_id) & (newest.c.day == Measurement.measured_on))).all())


# ---------------------------------------------------------------- collateral
def _lock(tree: Tree) -> None:
    """Take the tree's row lock and read it afresh."""
    db.session.execute(sa.select(Tree.id).where(Tree.id == tree.id).with_for_update())
    db.session.refresh(tree)


def active_pledge(tree: Tree) -> Pledge | None:
    return db.session.scalar(sa.select(Pledge).where(Pledge.tree_id == tree.id, Pledge.released_on.is_(None)))


def speaks_for_bank(user: User, bank: Organisation) -> bool:
    """An officer of this bank (a member of it in the app). Not a coordinator: a pledge is the bank's security for its
    loan, and once it is released the tree may be felled, so only the lending bank records or releases one."""
    return bank.kind is OrganisationKind.BANK and db.session.get(Membership, (bank.id, user.id)) is not None


def pledge(acting: User, tree: Tree, lender: Organisation, loan_reference: str, pledged_on: date) -> Pledge:
    """The bank accepts a standing tree as collateral for a loan; a tree is pledged to one loan at a time."""
    if lender.kind is not OrganisationKind.BANK:
        raise TreeError(_l("Trees are pledged to a bank."))
    if not speaks_for_bank(acting, lender) or not may_view(acting, tree.plot):
        raise NotAllowed()
    if pledged_on > today():
        raise TreeError(_l("The pledge date must not be in the future."))
    _lock(tree)  # a felling and a pledge of one tree at the same moment: one waits and sees the other
    if tree.status is not TreeStatus.STANDING:
        raise TreeError(_l("Only a standing tree can be pledged."))
    if active_pledge(tree) is not None:
        raise Pledged(_l("This tree is pledged already."))
    reference = squeeze(loan_reference)
    if not reference:
        raise TreeError(_l("Enter the loan's reference."))
    row = Pledge(tree_id=tree.id, lender_id=lender.id, loan_reference=reference[:60], pledged_on=pledged_on,
                 recorded_by_id=acting.id)
    db.session.add(row)
    db.session.flush()
    return row


def release(acting: User, row: Pledge, released_on: date) -> None:
    """The bank releases the tree when the loan is repaid; from then on it may be felled."""
    if not speaks_for_bank(acting, row.lender):
        raise NotAllowed()
    if released_on < row.pledged_on or released_on > today():
        raise TreeError(_l("The release date must be between the pledge date and today."))
    if row.released_on is not None:
        raise TreeError(_l("This pledge is released already."))
    row.released_on = released_on
    db.session.flush()


def take_down(acting: User, tree: Tree, status: TreeStatus, reason: str) -> None:
    """Record a tree as felled or removed, never while it is pledged."""
    if not may_manage(acting, tree.plot):
        raise NotAllowed()
    _lock(tree)
    if status is TreeStatus.STANDING or tree.status is not TreeStatus.STANDING:
        raise TreeError(_l("Only a standing tree can be felled or removed."))
    if active_pledge(tree) is not None:
        raise Pledged()
    tree.status, tree.status_reason = status, squeeze(reason)[:1000]
    db.session.flush()


def may_view(user: User, plot: Plot) -> bool:
    """Those who manage the plot's trees; and bank officers, for the tree bank's plots (those of a tree-bank group)
    and plots with a tree pledged to their bank."""
    if may_manage(user, plot):
        return True
    banks = sa.select(Membership.organisation_id).join(Organisation).where(
        Membership.user_id == user.id, Organisation.kind == OrganisationKind.BANK)
    if db.session.scalar(banks.limit(1)) is None:
        return False
    group = db.session.get(Organisation, plot.group_id) if plot.group_id else None
    if group is not None and group.kind is OrganisationKind.TREE_BANK_GROUP:
        return True
    return db.session.scalar(sa.select(Pledge.id).join(Tree, Tree.id == Pledge.tree_id).where(
        Tree.plot_id == plot.id, Pledge.lender_id.in_(banks)).limit(1)) is not None


def sees_loan(user: User, pledge_row: Pledge) -> bool:
    """A loan's reference is for the lending bank, the tree's farmer and those who manage the plot."""
    return speaks_for_bank(user, pledge_row.lender) or may_manage(user, pledge_row.tree.plot)


def set_tree_photo(acting: User, tree: Tree, data: bytes) -> None:
    """Check, re-encode (without EXIF) and keep a photo of the tree, replacing the last one."""
    if not may_manage(acting, tree.plot):
        raise NotAllowed()
    image = process_photo(data, current_app.config["PHOTO_MAX_BYTES"])
    tree.photo = storage.save_image(PHOTO_KIND, image)
    db.session.flush()


def set_measurement_photo(acting: User, client_uuid: str, data: bytes) -> None:
    """The photo taken with a measurement on the phone (kept once, like the measurement)."""
    measured = db.session.scalar(sa.select(Measurement).where(Measurement.client_uuid == client_uuid))
    if measured is None or measured.photo:
        return
    if not may_manage(acting, measured.tree.plot):
        raise NotAllowed()
    measured.photo = storage.save_image(PHOTO_KIND, process_photo(data, current_app.config["PHOTO_MAX_BYTES"]))
    db.session.flush()


def register_stand(acting: User, plot: Plot, species_id: int, count: int, planting_year: int | None) -> Stand:
    """Trees counted, not yet tagged: a stand of one species planted in one year."""
    if not may_manage(acting, plot):
        raise NotAllowed()
    if db.session.get(Species, species_id) is None:
        raise TreeError(_l("Choose the species from the list."))
    if not 0 < count <= 100_000:
        raise TreeError(_l("Enter how many trees there are."))
    if planting_year and not 1800 <= planting_year <= today().year:
        raise TreeError(_l("Enter the year it was planted (not in the future)."))
    stand = Stand(plot_id=plot.id, species_id=species_id, count=count, planting_year=planting_year)
    db.session.add(stand)
    db.session.flush()
    return stand


def split_stand(acting: User, stand: Stand, tags: list[str]) -> list[Tree]:
    """Tag some (or all) trees of a stand: each becomes a tree of its own, and the stand counts fewer."""
    if not may_manage(acting, stand.plot):
        raise NotAllowed()
    tags = [squeeze(tag) for tag in tags if squeeze(tag)]
    if not tags:
        raise TreeError(_l("Enter the tag numbers, one a line."))
    if len(set(tags)) != len(tags):
        raise TreeError(_l("A tag number is entered twice."))
    if len(tags) > stand.count:
        raise TreeError(lazy_ngettext("The stand has %(num)s tree: fewer tags, please.",
                                      "The stand has %(num)s trees: fewer tags, please.", stand.count))
    made = [register_tree(acting, stand.plot, TreeData(tag, stand.species_id, planting_year=stand.planting_year))
            for tag in tags]
    for tree in made:
        tree.stand_id = stand.id
    stand.count -= len(made)
    if stand.count == 0:
        db.session.delete(stand)
    db.session.flush()
    return made
