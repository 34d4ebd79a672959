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
    assert len(rows) == len({row["name_th"] for row in rows}) == 44  # 14 of the 58 still want a source
    assert all(row["source"].startswith("http") for row in rows)
    assert all(row["on_collateral_list"] == "yes" for row in rows)
    densities = [row for row in rows if row["wood_density"]]
    assert densities and all("Global Wood Density Database" in row["density_source"] for row in densities)
    assert {row["name_th"] for row in densities} >= {"สัก", "พะยูง", "ชิงชัน"}


def test_loading_twice_changes_nothing_and_a_bad_file_loads_nothing(app_ctx):
    first = catalogue.load_species()
    assert (first.added, first.updated, first.errors) == (44, 0, [])
    again = catalogue.load_species()
    assert (again.added, again.updated) == (0, 0)
    teak = db.session.scalar(sa.select(Species).where(Species.name_th == "สัก"))
    assert str(teak.wood_density) == "0.601" and teak.scientific_name == "Tectona grandis" and teak.on_collateral_list
    bad = ("name_th,scientific_name,wood_density,density_source,on_collateral_list,source\n"
           "ไม้ใหม่,,0.7,,yes,http://example.org\n"  # a density without its source
           "ไม้อื่น,,heavy,x,yes,http://example.org\n").encode()
    report = catalogue.load_species(bad)
    assert [error.split(":")[0] for error in report.errors] == ["row 2", "row 3"]
    no_count = ("name_th,scientific_name,wood_density,density_records,density_source,on_collateral_list,source\n"
                "ไม้ใหม่,,0.7,none,GWDD,yes,http://example.org\n"  # a record count that is not a count
                "ไม้อื่น,,,2,,yes,http://example.org\n"  # a count of records of no density
                "ไม้ที่สาม,,0.6,²,GWDD,yes,http://example.org\n").encode()  # a digit, but not a count
    assert [e.split(":")[0] for e in catalogue.load_species(no_count).errors] == ["row 2", "row 3", "row 4"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Species)) == 44


ISSUE_23 = {  # the 25 densities issue 23 read from the GWDD copy in BIOMASS: (scientific name, mean, records)
    "กระพี้เขาควาย": ("Dalbergia cultrata", "0.770", 1), "สาธร": ("Millettia leucantha", "0.884", 1),
    "ประดู่ป่า": ("Pterocarpus macrocarpus", "0.700", 1), "ประดู่บ้าน": ("Pterocarpus indicus", "0.636", 4),
    "มะค่าแต้": ("Sindora siamensis", "0.716", 3), "เคี่ยม": ("Cotylelobium lanceolatum", "0.780", 1),
    "เคี่ยมคะนอง": ("Shorea henryana", "0.660", 2), "เต็ง": ("Shorea obtusa", "0.850", 1),
    "พะยอม": ("Shorea roxburghii", "0.700", 1), "ตะเคียนทอง": ("Hopea odorata", "0.635", 2),
    "ตะเคียนหิน": ("Hopea ferrea", "0.890", 1), "ตะเคียนชันตาแมว": ("Neobalanocarpus heimii", "0.760", 1),
    "ยมหิน": ("Chukrasia tabularis", "0.548", 5), "ยมหอม": ("Toona ciliata", "0.376", 6),
    "หว้า": ("Syzygium cumini", "0.673", 3), "จามจุรี": ("Albizia saman", "0.495", 2),
    "พลับพลา": ("Microcos tomentosa", "0.640", 1), "กันเกรา": ("Fagraea fragrans", "0.688", 4),
    "หลุมพอ": ("Intsia palembanica", "0.659", 6), "ราชพฤกษ์": ("Cassia fistula", "0.798", 6),
    "ฝาง": ("Caesalpinia sappan", "0.835", 2), "มะขามป้อม": ("Phyllanthus emblica", "0.636", 3),
    "มะขาม": ("Tamarindus indica", "0.978", 5), "ปีบ": ("Millingtonia hortensis", "0.577", 3),
    "ตะแบกนา": ("Lagerstroemia floribunda", "0.610", 1),
}


def test_the_25_densities_of_issue_23_and_the_five_species_of_properea_load_with_their_sources(app_ctx):
    assert not catalogue.load_species().errors
    species = {s.name_th: s for s in db.session.scalars(sa.select(Species))}
    for name, (scientific, density, records) in ISSUE_23.items():
        row = species[name]
        assert (row.scientific_name, str(row.wood_density), row.density_records) == (scientific, density, records)
        assert "BIOMASS" in row.density_source and f"mean of {records} record" in row.density_source
    for name in ("ปีบ", "ตะแบกนา", "ไม้สกุลจำปี", "กัลปพฤกษ์", "กฤษณา"):
        assert species[name].on_collateral_list
    rows = {row["name_th"]: row for row in csv.DictReader(catalogue.SPECIES_FILE.open(encoding="utf-8"))}
    assert all("properea.com" in rows[name]["source"] for name in ("ปีบ", "ตะแบกนา", "ไม้สกุลจำปี", "กัลปพฤกษ์",
                                                                    "กฤษณา", "มะขาม"))
    assert "ไม้หอม" not in rows  # the page's gloss of กฤษณา, not an item (SOURCES.md)
    # Every density names how many records its mean is of; a single record is flagged on the tree's page.
    assert all(s.density_records for s in species.values() if s.wood_density is not None)
    assert sum(1 for s in species.values() if s.wood_density is not None) == 32
