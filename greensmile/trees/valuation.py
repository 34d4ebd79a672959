"""What a tree is worth: its timber volume from girth and height, priced from the active guideline price table.

    V = f × g² × H ÷ (4π)      V in m³; g girth at breast height in m; H height in m; f the form factor
                                (TREE_FORM_FACTOR in configuration: how much of the cylinder the trunk fills)

The prices are never made up here: a coordinator loads each version of the table from CSV (the bank's or the
Royal Forest Department's guideline), and every valuation records the table version and formula it used, so a
value shown to a bank officer can be traced to its source.
"""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from greensmile.accounts.models import Role, User
from greensmile.certification.services import today
from greensmile.db import squeeze, utcnow
from greensmile.extensions import db
from greensmile.trees.errors import NotAllowed, TreeError
from greensmile.trees.models import Measurement, PriceRow, PriceTable, Species, Tree, TreeStatus, Valuation

FORMULA = "V = f × g² × H ÷ 4π"
COLUMNS = {"species": "species", "ชนิดไม้": "species", "min_girth_cm": "min_girth_cm",
           "ขนาดรอบวงตั้งแต่ (ซม.)": "min_girth_cm", "baht_per_m3": "baht_per_m3", "ราคาต่อลูกบาศก์เมตร (บาท)": "baht_per_m3"}


def form_factor() -> Decimal:
    return Decimal(str(current_app.config["TREE_FORM_FACTOR"]))


def volume_m3(girth_cm: Decimal, height_m: Decimal, factor: Decimal) -> Decimal:
    """The formula above, to a ten-thousandth of a cubic metre."""
    girth_m = float(girth_cm) / 100
    volume = float(factor) * girth_m * girth_m * float(height_m) / (4 * math.pi)
    return Decimal(str(volume)).quantize(Decimal("0.0001"))


def active_table() -> PriceTable | None:
    return db.session.scalar(sa.select(PriceTable).where(PriceTable.active.is_(True)))


class Prices:
    """One table's prices, looked up by species and girth: the row with the highest starting girth not above it."""

    def __init__(self, table: PriceTable):
        self.table = table
        self._rows: dict[int, list[tuple[Decimal, int]]] = defaultdict(list)
        for species_id, min_girth, price in db.session.execute(
                sa.select(PriceRow.species_id, PriceRow.min_girth_cm, PriceRow.satang_per_m3)
                .where(PriceRow.table_id == table.id).order_by(PriceRow.min_girth_cm)):
            self._rows[species_id].append((min_girth, price))

    def price(self, species_id: int, girth_cm: Decimal) -> int | None:
        found = None
        for min_girth, price in self._rows.get(species_id, ()):
            if girth_cm >= min_girth:
                found = price
        return found


def value(measurements: list[tuple[Measurement, int]], prices: Prices | None = None,
          on: date | None = None) -> list[Valuation]:
    """Value (measurement, species id) pairs with the active table; a species or girth it has no price for is
    left unvalued rather than guessed."""
    prices = prices or (Prices(table) if (table := active_table()) else None)
    if prices is None:
        return []
    factor, on = form_factor(), on or today()
    made = []
    for measurement, species_id in measurements:
        price = prices.price(species_id, measurement.girth_cm)
        if price is None:
            continue
        volume = volume_m3(measurement.girth_cm, measurement.height_m, factor)
        made.append(Valuation(
            tree_id=measurement.tree_id, measurement_id=measurement.id, table_id=prices.table.id,
            table_version=prices.table.version, formula=FORMULA, form_factor=factor, volume_m3=volume,
            satang_per_m3=price, value_satang=int((volume * price).to_integral_value()), valued_on=on,
            created_at=utcnow()))
    db.session.add_all(made)
    db.session.flush()
    return made


# ---------------------------------------------------------------- loading a table
@dataclass
class LoadReport:
    table: PriceTable | None = None
    rows: int = 0
    revalued: int = 0
    errors: list[str] = field(default_factory=list)


class PriceTableRefused(TreeError):
    message = _l("The price table was not loaded: nothing was changed.")


def load_table(acting: User, data: bytes, source: str) -> LoadReport:
    """A new version of the price table from CSV (species, min_girth_cm, baht_per_m3), all rows or none; it
    becomes the active one and every standing tree's latest measurement is valued with it."""
    if not acting.has_role(Role.COORDINATOR):
        raise NotAllowed()
    report = LoadReport()
    source = squeeze(source)[:300]
    if not source:
        report.errors.append(_("Say whose prices these are (for example the bank's guideline of this year)."))
    rows = _read(data, report)
    if report.errors:
        return report
    db.session.execute(sa.select(PriceTable.id).with_for_update())  # one new version at a time
    number = (db.session.scalar(sa.select(sa.func.max(PriceTable.version))) or 0) + 1
    db.session.execute(sa.update(PriceTable).where(PriceTable.active.is_(True)).values(active=False))
    table = PriceTable(version=number, source=source, active=True, loaded_by_id=acting.id, loaded_at=utcnow())
    db.session.add(table)
    db.session.flush()
    db.session.add_all(PriceRow(table_id=table.id, species_id=species_id, min_girth_cm=girth, satang_per_m3=price)
                       for species_id, girth, price in rows)
    db.session.flush()
    report.table, report.rows = table, len(rows)
    report.revalued = len(value(_latest_measurements(), Prices(table)))
    return report


def _read(data: bytes, report: LoadReport) -> list[tuple[int, Decimal, int]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(_("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”."))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [COLUMNS.get(squeeze(name).lower()) or COLUMNS.get(squeeze(name)) for name in next(reader, [])]
    if set(header) != {"species", "min_girth_cm", "baht_per_m3"}:
        report.errors.append(_("The columns must be: species, min_girth_cm, baht_per_m3."))
        return []
    species = {}
    for row in db.session.execute(sa.select(Species.id, Species.name_th, Species.scientific_name)):
        species[row.name_th] = row.id
        if row.scientific_name:
            species[row.scientific_name.lower()] = row.id
    rows, seen = [], set()
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        cells = dict(zip(header, (squeeze(value) for value in values)))
        species_id = species.get(cells.get("species", "")) or species.get(cells.get("species", "").lower())
        problems = []
        if species_id is None:
            problems.append(_("no species called “%(name)s” in the catalogue", name=cells.get("species", "")))
        try:
            girth = Decimal(cells.get("min_girth_cm") or "0").quantize(Decimal("0.1"))
            price = Decimal(cells.get("baht_per_m3", "").replace(",", ""))
            if not (0 <= girth < 10_000 and price.is_finite() and 0 <= price <= 1_000_000_000):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(_("the girth (cm) and the price (baht a cubic metre) must be numbers, not negative"))
        else:
            if (species_id, girth) in seen:
                problems.append(_("this species and girth are priced twice"))
            seen.add((species_id, girth))
        if problems:
            report.errors.append(_("Row %(line)s: %(problems)s.", line=line, problems="; ".join(problems)))
        else:
            rows.append((species_id, girth, int((price * 100).to_integral_value())))
    if not rows and not report.errors:
        report.errors.append(_("The file has no prices."))
    return rows


# ---------------------------------------------------------------- reading values
def newest_days() -> sa.Select:
    """Each tree's latest measuring day (a tree is measured at most once a day): join on tree and day."""
    return sa.select(Measurement.tree_id, sa.func.max(Measurement.measured_on).label("day")).group_by(
        Measurement.tree_id)


def _latest_measurements() -> list:
    """Every standing tree's latest measurement, with its species."""
    newest = newest_days().subquery()
    return list(db.session.execute(
        sa.select(Measurement, Tree.species_id)
        .join(newest, (newest.c.tree_id == Measurement.tree_id) & (newest.c.day == Measurement.measured_on))
        .join(Tree, Tree.id == Measurement.tree_id).where(Tree.status == TreeStatus.STANDING)))


def newest_valuations() -> sa.Select:
    """The id of each tree's valuation of its newest measurement (the newest table's, if valued twice)."""
    newest = newest_days().subquery()
    return (sa.select(sa.func.max(Valuation.id).label("id"))
            .join(Measurement, Measurement.id == Valuation.measurement_id)
            .join(newest, (newest.c.tree_id == Measurement.tree_id) & (newest.c.day == Measurement.measured_on))
            .group_by(Valuation.tree_id))


def latest_values(tree_ids: list[int]) -> dict[int, Valuation]:
    """Each tree's current value: its newest measurement, valued with the newest table that priced it. A day
    entered late for the past does not replace the newer measurement's value."""
    if not tree_ids:
        return {}
    best = newest_valuations().where(Valuation.tree_id.in_(tree_ids)).subquery()
    return {v.tree_id: v for v in db.session.scalars(sa.select(Valuation).join(best, best.c.id == Valuation.id))}


def yearly_totals(tree_ids: list[int]) -> list[tuple[int, int]]:
    """(year, value in satang) of these trees at the end of each year they were valued: the value as it grows."""
    if not tree_ids:
        return []
    by_tree: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    for tree_id, valued_on, valuation_id, satang in db.session.execute(
            sa.select(Valuation.tree_id, Valuation.valued_on, Valuation.id, Valuation.value_satang)
            .where(Valuation.tree_id.in_(tree_ids))):
        by_tree[tree_id].append((valued_on, valuation_id, satang))
    years = sorted({valued_on.year for rows in by_tree.values() for valued_on, _id, _s in rows})
    totals = []
    for year in years:
        total = 0
        for rows in by_tree.values():
            known = [row for row in rows if row[0].year <= year]
            if known:
                total += max(known)[2]
        totals.append((year, total))
    return totals
