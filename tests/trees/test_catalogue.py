"""The species catalogue shipped with the app: every row names its source, no density without one, loading it
twice changes nothing, and a bad file loads nothing."""
from __future__ import annotations

import csv

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.trees import catalogue
from greensmile.trees.models import Species


def test_every_shipped_row_names_its_source_and_no_density_is_unsourced():
    rows = list(csv.DictReader(catalogue.SPECIES_FILE.open(encoding="utf-8")))
    assert len(rows) == len({row["name_th"] for row in rows}) == 39  # 19 of the 58 still want a source
    assert all(row["source"].startswith("http") for row in rows)
    assert all(row["on_collateral_list"] == "yes" for row in rows)
    densities = [row for row in rows if row["wood_density"]]
    assert densities and all("Global Wood Density Database" in row["density_source"] for row in densities)
    assert {row["name_th"] for row in densities} >= {"สัก", "พะยูง", "ชิงชัน"}


def test_loading_twice_changes_nothing_and_a_bad_file_loads_nothing(app_ctx):
    first = catalogue.load_species()
    assert (first.added, first.updated, first.errors) == (39, 0, [])
    again = catalogue.load_species()
    assert (again.added, again.updated) == (0, 0)
    teak = db.session.scalar(sa.select(Species).where(Species.name_th == "สัก"))
    assert str(teak.wood_density) == "0.601" and teak.scientific_name == "Tectona grandis" and teak.on_collateral_list
    bad = ("name_th,scientific_name,wood_density,density_source,on_collateral_list,source\n"
           "ไม้ใหม่,,0.7,,yes,http://example.org\n"  # a density without its source
           "ไม้อื่น,,heavy,x,yes,http://example.org\n").encode()
    report = catalogue.load_species(bad)
    assert [error.split(":")[0] for error in report.errors] == ["row 2", "row 3"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Species)) == 39
