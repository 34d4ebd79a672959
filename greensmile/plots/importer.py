"""Importing the central data: check every row, match it to a plot and a farmer, then write, or not at all.

Three passes. Reading checks each row's cells (csvdata.py). Resolving matches every good row to its
plot (by plot_code, else by farmer and location) and its farmer, and finds the conflicts a single row
cannot show (a plot claimed twice, a code that belongs to another farmer, an ambiguous name). Only
when no row has a problem does the last pass write, so a bad file changes nothing and names every
bad row at once.

The upload page has the worker run it (jobs.py), which shows `progress` on the import's page; the command
line runs it in its own process. Each pass is linear: the registry is loaded in a handful of queries, then
matched in memory.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from greensmile.accounts import services as accounts
from greensmile.accounts.models import Role, User, UserRole
from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation, OrganisationKind
from greensmile.plots import services
from greensmile.plots.codes import new_code
from greensmile.plots.csvdata import Catalogues, ImportReport, Row, RowError, parse_row, read_rows
from greensmile.plots.models import ChangeSource, Crop, ImportPhase, Plot, PlotChange, plot_crops

FLUSH_EVERY = 500  # changed plots sent to the database at a time (new ones go in one bulk INSERT)
READ_BACK = 10_000  # new plots' codes in one IN list when their ids are read back (PostgreSQL: 65,535 at most)

# Told how far the import is: (phase, rows done in that phase, rows in the file: 0 while it is being read).
Progress = Callable[[ImportPhase, int, int], None]


def _no_progress(phase: ImportPhase, done: int, total: int) -> None:
    pass


@contextmanager
def _without_cyclic_gc():
    # An import builds some hundred thousand ORM objects that all stay alive until it ends: the cyclic collector
    # would walk them again and again, for a third of the import's time at 100,000 rows, to free nothing.
    # Reference counting still frees what goes; one collection at the end takes whatever cycles are left.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_plots(
    data: bytes, acting: User | None, *, create_groups: bool = False, create_crops: bool = False,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Check every row; if all are good, create or update the plots (and the farmers they name).

    Nothing is written when any row is bad: the report lists each bad row with its line number. `progress` is told
    after every row. The caller commits (or, for a dry run, rolls back)."""
    with _without_cyclic_gc():
        return _import(data, acting, create_groups=create_groups, create_crops=create_crops, progress=progress)


def _import(data: bytes, acting: User | None, *, create_groups: bool, create_crops: bool,
            progress: Progress) -> ImportReport:
    report = ImportReport()
    raw_rows = read_rows(data, report, lambda done: progress(ImportPhase.READING, done, 0))
    if report.file_errors:
        return report
    total = report.rows = len(raw_rows)
    progress(ImportPhase.READING, total, total)
    cat = Catalogues()
    options = {"create_groups": create_groups, "create_crops": create_crops}
    rows: list[Row] = []
    for done, (line, raw) in enumerate(raw_rows, start=1):
        row, errors = parse_row(line, raw, cat, options, report)
        if errors:
            report.row_errors.append(RowError(line, errors))
        else:
            rows.append(row)
        progress(ImportPhase.CHECKING, done, total)
    plans = _Resolver(cat, report).resolve(rows, lambda done: progress(ImportPhase.MATCHING, done, total),
                                           already=total - len(rows))
    report.row_errors.sort(key=lambda error: error.line)
    if report.ok:
        _Writer(cat, acting, report).write(plans, lambda phase, done: progress(phase, done, total))
    return report


def _coordinate(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.000001"))


def _location_key(row_or_plot) -> tuple:
    return (row_or_plot.district.id, row_or_plot.subdistrict, row_or_plot.village,
            _coordinate(row_or_plot.latitude), _coordinate(row_or_plot.longitude))


def _new_farmer_key(row: Row) -> tuple:
    return ("phone", row.phone, row.farmer_name) if row.phone else ("name", row.farmer_name, row.group_name.lower())


@dataclass
class _Plan:
    row: Row
    plot: Plot | None  # the plot to update; None: create one
    farmer: User | None  # None: create the farmer under new_farmer_key
    new_farmer_key: tuple | None = None
    new_phone: str | None = None  # the row gives the plot's own farmer a (new) phone number


class _Resolver:
    """Matches rows to plots and farmers without writing anything."""

    def __init__(self, cat: Catalogues, report: ImportReport):
        self.cat, self.report = cat, report

    def _load(self) -> None:
        eager = (joinedload(Plot.owner), joinedload(Plot.group), joinedload(Plot.district), selectinload(Plot.crops))
        self.farmers_by_phone: dict[str, list[User]] = {}
        self.farmers_by_name: dict[str, list[User]] = {}
        farmers = db.session.scalars(
            sa.select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.FARMER)
        ).unique()
        for farmer in farmers:
            if farmer.phone:
                self.farmers_by_phone.setdefault(farmer.phone, []).append(farmer)
            self.farmers_by_name.setdefault(farmer.display_name, []).append(farmer)
        self.memberships = {
            (group_id, user_id)
            for group_id, user_id in db.session.execute(sa.select(Membership.organisation_id, Membership.user_id))
        }
        # Every plot, once: rows match by code or by owner and place. (An IN list of the file's codes would pass
        # SQLite's limit on parameters at 100,000 rows.)
        self.plots_by_owner: dict[int, list[Plot]] = {}
        self.plots_by_code: dict[str, Plot] = {}
        for plot in db.session.scalars(sa.select(Plot).options(*eager)).unique():
            self.plots_by_owner.setdefault(plot.owner_id, []).append(plot)
            self.plots_by_code[plot.code] = plot

    def _fail(self, row: Row, message: str) -> None:
        self.report.row_errors.append(RowError(row.line, [message]))

    def _farmer(self, row: Row, group: Organisation | None) -> tuple[User | None, bool]:
        """(farmer, ambiguous): an existing farmer, or (None, False) when a new one is to be made."""
        if row.phone:
            candidates = self.farmers_by_phone.get(row.phone, [])
            if len(candidates) > 1:  # a household sharing one phone: the name decides
                candidates = [farmer for farmer in candidates if farmer.display_name == row.farmer_name]
        else:
            candidates = [
                farmer for farmer in self.farmers_by_name.get(row.farmer_name, [])
                if group is None or (group.id, farmer.id) in self.memberships
            ]
        if len(candidates) > 1:
            return None, True
        return (candidates[0] if candidates else None), False

    def resolve(self, rows: list[Row], counted: Callable[[int], None], already: int = 0) -> list[_Plan]:
        """Plans for the rows that match without conflict; the others' problems go in the report.
        `counted` is told how many rows are done, counting from `already` (the rows that failed their checks)."""
        counted(already)  # loading the registry, before the first row
        self._load()
        plans: list[_Plan] = []
        claimed: dict[int, int] = {}
        first_code_line: dict[str, int] = {}
        first_new_place: dict[tuple, int] = {}
        for done, row in enumerate(rows, start=already + 1):
            counted(done)
            group = self.cat.groups.get(row.group_name.lower()) if row.group_name else None
            plot = self.plots_by_code.get(row.code) if row.code else None
            new_phone = None
            if row.code and row.code in first_code_line:
                self._fail(row, _("plot code %(code)s is also on line %(other)s",
                                  code=row.code, other=first_code_line[row.code]))
                continue
            if row.code:
                first_code_line[row.code] = row.line
            if plot is not None and plot.owner.display_name == row.farmer_name:
                farmer = plot.owner
                if row.phone and row.phone != farmer.phone:
                    new_phone = row.phone
            else:
                farmer, ambiguous = self._farmer(row, group)
                if ambiguous:
                    self._fail(row, _("several farmers are called %(name)s: add farmer_phone to say which",
                                      name=row.farmer_name))
                    continue
                if plot is not None:
                    self._fail(row, _("plot %(code)s belongs to %(owner)s in the registry, not to %(farmer)s",
                                      code=plot.code, owner=plot.owner.display_name, farmer=row.farmer_name))
                    continue
            if plot is None and not row.code:
                if farmer is not None:
                    here = [p for p in self.plots_by_owner.get(farmer.id, []) if _location_key(p) == _location_key(row)]
                    if len(here) > 1:
                        self._fail(row, _("%(name)s has several plots at this location: give plot_code to say which",
                                          name=row.farmer_name))
                        continue
                    plot = here[0] if here else None
                if plot is None:
                    place = (_new_farmer_key(row) if farmer is None else farmer.id, _location_key(row))
                    if place in first_new_place:
                        self._fail(row, _("the same farmer and location are also on line %(other)s; give each "
                                          "plot its code", other=first_new_place[place]))
                        continue
                    first_new_place[place] = row.line
            if plot is not None:
                if plot.id in claimed:
                    self._fail(row, _("this row and line %(other)s both describe plot %(code)s",
                                      other=claimed[plot.id], code=plot.code))
                    continue
                claimed[plot.id] = row.line
                moving = (group.id if group else None) != plot.group_id
                if moving and group is not None and (group.id, plot.owner_id) not in self.memberships:
                    # Memberships are managed in the app; an import never brings anyone (back) into a group.
                    self._fail(row, _("%(name)s is not a member of %(group)s: add them to the group first",
                                      name=plot.owner.display_name, group=group.name))
                    continue
                if moving and group is None and row.group_name:
                    self._fail(row, _("plot %(code)s cannot move to a group that does not exist yet",
                                      code=plot.code))
                    continue
            plans.append(_Plan(row, plot, farmer, None if farmer else _new_farmer_key(row), new_phone))
        return plans


class _Writer:
    """Writes a resolved, error-free import in the caller's transaction, in bulk.

    New farmers, new plots, their crops, memberships and history rows each go in with multi-row INSERTs (a few
    statements per thousand rows, RETURNING the new ids). A row that names an existing plot is compared with it in
    memory first: only a plot the row changes is updated, through the ORM, flushed in batches."""

    def __init__(self, cat: Catalogues, acting: User | None, report: ImportReport):
        self.cat, self.acting, self.report = cat, acting, report
        self.new_farmer_ids: dict[tuple, int] = {}
        self.taken_codes = set(db.session.scalars(sa.select(Plot.code)))
        self.memberships = {
            (group_id, user_id)
            for group_id, user_id in db.session.execute(sa.select(Membership.organisation_id, Membership.user_id))
        }

    def _group(self, name: str) -> Organisation | None:
        if not name:
            return None
        group = self.cat.groups.get(name.lower())
        if group is None:  # only reached with create_groups
            group = Organisation(name=name, kind=OrganisationKind.PGS_GROUP, description="")
            db.session.add(group)
            db.session.flush()
            self.cat.groups[name.lower()] = group
            self.report.groups_created.append(name)
        return group

    def _crop(self, name: str) -> Crop:
        crop = self.cat.crop(name)
        if crop is None:  # only reached with create_crops
            crop = Crop(name_th=name, name_en="")
            db.session.add(crop)
            db.session.flush()
            self.cat.crops[name] = crop
            self.report.crops_created.append(name)
        return crop

    def _add_farmers(self, plans: list[_Plan], step: Callable[[ImportPhase, int], None]) -> None:
        """The farmers the file names for the first time, in one go."""
        wanted: dict[tuple, tuple[str, str | None]] = {}
        for done, plan in enumerate(plans, start=1):
            if plan.farmer is None and plan.new_farmer_key not in wanted:
                wanted[plan.new_farmer_key] = (plan.row.farmer_name, plan.row.phone)
            step(ImportPhase.ACCOUNTS, done)
        ids = accounts.create_accounts(list(wanted.values()), (Role.FARMER,), self.acting)
        self.new_farmer_ids = dict(zip(wanted, ids, strict=True))
        self.report.farmers_created += len(ids)

    def _new_code(self) -> str:
        while True:
            code = new_code()
            if code not in self.taken_codes:
                return code

    def write(self, plans: list[_Plan], step: Callable[[ImportPhase, int], None]) -> None:
        """Write the plans; `step(phase, rows done)` after each row."""
        self._add_farmers(plans, step)
        # Codes the file gives its new plots are taken before any is made up for a row without one.
        self.taken_codes.update(plan.row.code for plan in plans if plan.row.code)
        acting_id = self.acting.id if self.acting is not None else None
        new_plots: list[dict] = []
        new_details: list[tuple[list[int], dict]] = []  # each new plot's crop ids and its history entry
        new_members: list[dict] = []
        updated = 0
        for done, plan in enumerate(plans, start=1):
            step(ImportPhase.WRITING, done)
            row = plan.row
            group = self._group(row.group_name)
            crops = sorted({crop.id: crop for crop in map(self._crop, row.crop_names)}.values(),
                           key=lambda crop: crop.name_th)
            data = services.PlotData(
                district_id=row.district.id, area_m2=row.area_m2, plot_type=row.plot_type,
                name=plan.plot.name if plan.plot else "", group_id=group.id if group else None,
                subdistrict=row.subdistrict, village=row.village, latitude=row.latitude, longitude=row.longitude,
                crop_ids=sorted(crop.id for crop in crops), water_source=row.water_source,
                neighbour_risks=plan.plot.neighbour_risks if plan.plot else "", notes=row.notes,
            )
            columns = services.column_values(data, row.district)
            if plan.plot is None:
                farmer_id = plan.farmer.id if plan.farmer else self.new_farmer_ids[plan.new_farmer_key]
                if group is not None and (group.id, farmer_id) not in self.memberships:
                    new_members.append({"organisation_id": group.id, "user_id": farmer_id})
                    self.memberships.add((group.id, farmer_id))
                code = row.code or self._new_code()
                self.taken_codes.add(code)
                owner = plan.farmer or SimpleNamespace(display_name=squeeze(row.farmer_name),
                                                       phone=accounts.normalise_phone(row.phone))
                described = services.describe(columns, owner=owner, group=group, district=row.district, crops=crops)
                new_plots.append(columns | {"code": code, "owner_id": farmer_id, "district_id": row.district.id,
                                            "group_id": group.id if group else None})
                new_details.append(([crop.id for crop in crops], services.diff({}, described)))
                continue
            plot = plan.plot
            owner = SimpleNamespace(display_name=plot.owner.display_name,
                                    phone=accounts.normalise_phone(plan.new_phone) if plan.new_phone else plot.owner.phone)
            if services.describe(columns, owner=owner, group=group, district=row.district, crops=crops) \
                    == services.snapshot(plot):
                self.report.unchanged += 1  # nothing to write, nor to compare again after a flush
                continue
            changes = services.update_plot(
                self.acting, plot, data, source=ChangeSource.IMPORT, crops_by_id={crop.id: crop for crop in crops},
                check_group=False, new_owner_phone=plan.new_phone, flush=False,
            )
            if not changes:  # the plot's own comparison has the last word
                self.report.unchanged += 1
                continue
            self.report.updated += 1
            updated += 1
            if updated % FLUSH_EVERY == 0:
                db.session.flush()
        self._insert(new_plots, new_details, new_members, acting_id)
        db.session.flush()

    def _insert(self, plots: list[dict], details: list[tuple[list[int], dict]], members: list[dict],
                acting_id: int | None) -> None:
        if members:
            db.session.execute(sa.insert(Membership), members)  # (no None in these rows)
        if not plots:
            return
        # One executemany (PostgreSQL pipelines it: faster than multi-row INSERTs with RETURNING), then the new ids
        # read back by code, which is unique. render_nulls: a plot without a group or a position keeps its None, so
        # the rows stay one batch (left out, they would split it wherever a row differs from the one before).
        db.session.execute(sa.insert(Plot).execution_options(render_nulls=True), plots)
        codes = [plot["code"] for plot in plots]
        by_code = {}
        for start in range(0, len(codes), READ_BACK):
            by_code.update(db.session.execute(
                sa.select(Plot.code, Plot.id).where(Plot.code.in_(codes[start:start + READ_BACK]))).all())
        ids = [by_code[code] for code in codes]
        crops = [{"plot_id": plot_id, "crop_id": crop_id}
                 for plot_id, (crop_ids, _) in zip(ids, details, strict=True) for crop_id in crop_ids]
        if crops:
            db.session.execute(plot_crops.insert(), crops)
        db.session.execute(sa.insert(PlotChange).execution_options(render_nulls=True), [
            {"plot_id": plot_id, "user_id": acting_id, "source": ChangeSource.IMPORT, "action": "created",
             "changes": changes}
            for plot_id, (_, changes) in zip(ids, details, strict=True)
        ])
        self.report.created += len(ids)
