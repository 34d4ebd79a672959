"""Loading and listing districts."""
from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.places.models import District

DISTRICTS_CSV = Path(__file__).parent / "data" / "districts.csv"


def read_district_rows(path: Path = DISTRICTS_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines))


def load_districts(path: Path = DISTRICTS_CSV) -> int:
    """Insert or update districts from the data file by code; returns how many rows were new."""
    existing = {d.code: d for d in db.session.scalars(sa.select(District))}
    created = 0
    for row in read_district_rows(path):
        district = existing.get(row["code"])
        if district is None:
            district = District(code=row["code"])
            db.session.add(district)
            created += 1
        for field in ("province_th", "province_en", "name_th", "name_en"):
            setattr(district, field, row[field])
    db.session.flush()
    return created


def all_districts() -> list[District]:
    return list(db.session.scalars(sa.select(District).order_by(District.code)))
