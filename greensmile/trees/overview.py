"""Reading the tree bank: a plot's or a farmer's trees with their latest measurement, value, carbon and pledge,
in a fixed number of queries whatever the number of trees; and the collateral register as CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from greensmile.accounts.models import User
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position
from greensmile.plots.models import Plot
from greensmile.spreadsheet import text_cell
from greensmile.trees import carbon, valuation
from greensmile.trees.models import Measurement, Pledge, Stand, Tree, TreeStatus, Valuation
from greensmile.trees.services import sees_loan

# The bank asks a tree-bank group for a committee of at least this many members.
COMMITTEE_MINIMUM = 9


@dataclass
class TreeRow:
    tree: Tree
    latest: Measurement | None
    value: Valuation | None
    estimate: carbon.CarbonEstimate | None
    pledge: Pledge | None
    loan_shown: bool = True  # False: pledged to another bank, whose loan is its own business


def rows_for(trees: list[Tree]) -> list[TreeRow]:
    ids = [tree.id for tree in trees]
    latest = latest_measurements(ids)
    values = valuation.latest_values(ids)
    pledges = {p.tree_id: p for p in db.session.scalars(
        sa.select(Pledge).where(Pledge.tree_id.in_(ids), Pledge.released_on.is_(None))
        .options(joinedload(Pledge.lender)))} if ids else {}
    rows = []
    for tree in trees:
        measured = latest.get(tree.id)
        estimate = carbon.estimate(tree.species.wood_density, float(measured.girth_cm),
                                   float(measured.height_m)) if measured else None
        rows.append(TreeRow(tree, measured, values.get(tree.id), estimate, pledges.get(tree.id)))
    return rows


def latest_measurements(tree_ids: list[int]) -> dict[int, Measurement]:
    if not tree_ids:
        return {}
    newest = valuation.newest_days().where(Measurement.tree_id.in_(tree_ids)).subquery()
    return {m.tree_id: m for m in db.session.scalars(sa.select(Measurement).join(
        newest, (newest.c.tree_id == Measurement.tree_id) & (newest.c.day == Measurement.measured_on)))}


def trees_of_plots(plot_ids: list[int], standing_only: bool = False) -> list[Tree]:
    if not plot_ids:
        return []
    query = (sa.select(Tree).where(Tree.plot_id.in_(plot_ids)).options(joinedload(Tree.species), joinedload(Tree.plot))
             .order_by(Tree.plot_id, Tree.tag))
    if standing_only:
        query = query.where(Tree.status == TreeStatus.STANDING)
    return list(db.session.scalars(query))


def stands_of(plot: Plot) -> list[Stand]:
    return list(db.session.scalars(sa.select(Stand).where(Stand.plot_id == plot.id)
                                   .options(joinedload(Stand.species)).order_by(Stand.id)))


def plots_with_trees_of(farmer: User) -> list[Plot]:
    return list(db.session.scalars(sa.select(Plot).where(Plot.owner_id == farmer.id, Plot.id.in_(
        sa.select(Tree.plot_id))).order_by(Plot.code)))


@dataclass
class Totals:
    trees: int
    value_satang: int
    valued: int
    co2_kg: float
    with_carbon: int


def totals(rows: list[TreeRow]) -> Totals:
    standing = [row for row in rows if row.tree.status is TreeStatus.STANDING]
    valued = [row.value.value_satang for row in standing if row.value]
    co2 = [row.estimate.co2_kg for row in standing if row.estimate]
    return Totals(len(standing), sum(valued), len(valued), sum(co2), len(co2))


# ---------------------------------------------------------------- the collateral register
@dataclass
class Register:
    farmer: User
    on: date
    rows: list[TreeRow]
    totals: Totals
    history: list[tuple[int, int]]  # (year, satang): the farmer's standing trees' value at the end of each year


def register(farmer: User, plots: list[Plot] | None = None, shown_to: User | None = None) -> Register:
    """Every standing tree of the farmer's (on these plots), for a bank officer: what it is, where, how big, what it
    is worth. Another bank's loan is shown as pledged, without its reference."""
    plots = plots_with_trees_of(farmer) if plots is None else plots
    rows = rows_for(trees_of_plots([plot.id for plot in plots], standing_only=True))
    if shown_to is not None:
        for row in rows:
            row.loan_shown = row.pledge is None or sees_loan(shown_to, row.pledge)
    return Register(farmer, today(), rows, totals(rows), valuation.yearly_totals([row.tree.id for row in rows]))


CSV_COLUMNS = ["plot_code", "tag", "species", "scientific_name", "latitude", "longitude", "planted",
               "girth_cm", "height_m", "measured_on", "value_baht", "price_table_version", "above_ground_co2_kg_estimate",
               "pledged_to", "pledged_on", "loan_reference"]


def register_csv(found: Register) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in found.rows:
        tree, m, v, p = row.tree, row.latest, row.value, row.pledge
        planted = tree.planted_on.isoformat() if tree.planted_on else (tree.planting_year or "")
        writer.writerow(["" if value is None else value for value in (
            tree.plot.code, text_cell(tree.tag), text_cell(tree.species.name_th),
            text_cell(tree.species.scientific_name), tree.latitude, tree.longitude, planted,
            m.girth_cm if m else None, m.height_m if m else None, m.measured_on.isoformat() if m else None,
            f"{v.value_satang / 100:.2f}" if v else None, v.table_version if v else None,
            f"{row.estimate.co2_kg:.1f}" if row.estimate else None, text_cell(p.lender.name) if p else None,
            p.pledged_on.isoformat() if p else None,
            text_cell(p.loan_reference) if p and row.loan_shown else None)])
    return "\ufeff" + out.getvalue()  # Excel opens Thai correctly only with the BOM


# ---------------------------------------------------------------- tree-bank groups
@dataclass
class GroupCommittee:
    group: Organisation
    committee: int
    minimum: int = COMMITTEE_MINIMUM

    @property
    def short(self) -> bool:
        return self.committee < COMMITTEE_MINIMUM


def committee_of(group: Organisation) -> GroupCommittee | None:
    """A tree-bank group's committee size (the bank asks for at least nine), or None for other kinds of group."""
    if group.kind is not OrganisationKind.TREE_BANK_GROUP:
        return None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.organisation_id == group.id, Membership.position.in_([Position.COMMITTEE, Position.MANAGER])))
    return GroupCommittee(group, count or 0)


def bank_of(user: User) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).join(Membership).where(
        Membership.user_id == user.id, Organisation.kind == OrganisationKind.BANK).order_by(Organisation.id).limit(1))


def farmers_with_trees(search: str = "", limit: int = 50, tree_bank_only: bool = True) -> list[tuple[User, int]]:
    """For a bank officer: farmers with standing trees in the tree bank's groups, with how many (coordinators: all)."""
    query = (sa.select(User, sa.func.count(Tree.id)).join(Plot, Plot.owner_id == User.id)
             .join(Tree, Tree.plot_id == Plot.id).where(Tree.status == TreeStatus.STANDING)
             .group_by(User.id).order_by(User.display_name).limit(limit))
    if tree_bank_only:
        query = query.where(Plot.group_id.in_(sa.select(Organisation.id).where(
            Organisation.kind == OrganisationKind.TREE_BANK_GROUP)))
    if search:
        query = query.where(User.display_name.contains(search) | (User.phone == search))
    return [(user, count) for user, count in db.session.execute(query)]


def farm_plots_of(user: User) -> list[Plot]:
    return list(db.session.scalars(sa.select(Plot).where(Plot.owner_id == user.id).order_by(Plot.code)))


def tree_bank_groups_of(user: User) -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).join(Membership).where(
        Membership.user_id == user.id, Organisation.kind == OrganisationKind.TREE_BANK_GROUP).order_by(
        Organisation.name)))


def group_plots(group: Organisation) -> list[Plot]:
    return list(db.session.scalars(sa.select(Plot).where(Plot.group_id == group.id).order_by(Plot.code)))


def has_trees(plot: Plot) -> bool:
    return db.session.scalar(sa.select(Tree.id).where(Tree.plot_id == plot.id).limit(1)) is not None
