"""The species catalogue as data: loaded from trees/data/species.csv (or a coordinator's own file), matched by
Thai name, so loading again updates and adds without ever removing a species that trees use."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa

from greensmile.db import squeeze
from greensmile.extensions import db
from greensmile.trees.models import Species

SPECIES_FILE = Path(__file__).resolve().parent / "data" / "species.csv"
COLUMNS = ("name_th", "scientific_name", "wood_density", "density_source", "on_collateral_list", "source")
OPTIONAL = ("density_records",)  # how many records the density is the mean of (a file of one's own may lack it)


@dataclass
class SpeciesReport:
    added: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def load_species(data: bytes | None = None) -> SpeciesReport:
    """Add or update species from CSV (default: the published collateral list shipped with the app); all or none."""
    report = SpeciesReport()
    text = (data if data is not None else SPECIES_FILE.read_bytes()).decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or set(COLUMNS) - set(reader.fieldnames):
        report.errors.append("columns must be: " + ", ".join(COLUMNS))
        return report
    parsed = []
    for line, row in enumerate(reader, start=2):
        name = squeeze(row["name_th"])
        density = squeeze(row["wood_density"])
        try:
            value = Decimal(density) if density else None
            if value is not None and not Decimal("0.05") <= value < Decimal("1.6"):
                raise InvalidOperation
        except InvalidOperation:
            report.errors.append(f"row {line}: wood density {density!r} is not a density in g/cm³")
            continue
        records_text = squeeze(row.get("density_records") or "")
        records = int(records_text) if records_text.isascii() and records_text.isdigit() else None
        records = records if records else None  # 0 is no count
        if not name:
            report.errors.append(f"row {line}: no Thai name")
        elif value is not None and not squeeze(row["density_source"]):
            report.errors.append(f"row {line}: a wood density needs its source")
        elif records_text and (records is None or value is None):
            report.errors.append(f"row {line}: density_records {records_text!r} must be a count of records (1 or "
                                 "more) of the wood density given")
        else:
            parsed.append((name, squeeze(row["scientific_name"]), value, squeeze(row["density_source"]),
                           squeeze(row["on_collateral_list"]).lower() in ("yes", "true", "1", "ใช่"), records))
    if report.errors:
        return report
    existing = {s.name_th: s for s in db.session.scalars(sa.select(Species))}
    for name, scientific, density, density_source, listed, records in parsed:
        species = existing.get(name)
        if species is None:
            species = existing[name] = Species(name_th=name)
            db.session.add(species)
            report.added += 1
        elif (species.scientific_name, species.wood_density, species.density_source,
              species.on_collateral_list, species.density_records) != (scientific, density, density_source, listed,
                                                                        records):
            report.updated += 1
        species.scientific_name, species.wood_density = scientific, density
        species.density_source, species.on_collateral_list = density_source[:300], listed
        species.density_records = records
    db.session.flush()
    return report
