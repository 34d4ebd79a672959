"""An import writes in bulk: the statements it runs do not grow with the rows (a few per thousand), the rows it
writes are those the one-plot path would write, and a re-import that changes nothing writes nothing."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.network.models import Membership
from greensmile.plots import importer
from greensmile.plots import services as plots
from greensmile.plots.models import Plot, PlotChange
from tests.plots.test_import_export import HEADER, catalogue
from tests.public.test_public_pages import counting_queries

WRITES = ("INSERT", "UPDATE", "DELETE")


def _file(rows: int, farmers: int, first: int = 0) -> bytes:
    """Rows that differ the way real ones do: every other farmer without a phone, every third plot without a position
    (a None in a row must not split the batch of INSERTs)."""
    lines = [HEADER]
    for n in range(rows):
        farmer = first + n % farmers
        phone = f"08{farmer:08d}" if farmer % 2 == 0 else ""
        place = f"7.{n:04d},100.4" if n % 3 else ","
        lines.append(f",เกษตรกร {farmer},{phone},กลุ่มทดสอบควนเนียง,,ควนเนียง,ตำบล {n % 7},"
                     f"หมู่ {n},{place},{1 + n % 5},vegetables,ผักบุ้ง|คะน้า,บ่อ  บาดาล,\n")
    return "".join(lines).encode()


def _statements(app, data: bytes) -> tuple[importer.ImportReport, list[str]]:
    with app.test_request_context(), counting_queries(app) as statements:
        report = importer.import_plots(data, None)
        assert report.ok, report.row_errors[:3]
        db.session.commit()
    return report, [s for s in statements if s.startswith(WRITES)]


def test_the_statements_do_not_grow_with_the_rows(app, given):
    with given():
        catalogue()
    small, few = _statements(app, _file(30, 10))
    large, many = _statements(app, _file(900, 300, first=1000))
    assert (small.created, small.farmers_created) == (30, 10)
    assert (large.created, large.farmers_created) == (900, 300)
    # Users, their roles, memberships, plots, their crops and their history: one INSERT each (SQLite batches
    # 900 rows in one; PostgreSQL too, up to its page of 1,000).
    assert len(few) == 6, few
    assert len(many) == len(few), [s[:40] for s in many]


def test_bulk_written_plots_read_back_as_the_one_plot_path_writes_them(app, given):
    with given():
        catalogue()
    report, _ = _statements(app, _file(12, 4))
    assert report.created == 12
    with app.app_context():
        for plot in db.session.scalars(sa.select(Plot)):
            created = db.session.scalar(sa.select(PlotChange).where(PlotChange.plot_id == plot.id))
            # The history's "created" entry says exactly what the plot holds, read through the ORM.
            assert created.action == "created" and created.source.value == "import"
            assert created.changes == plots.diff({}, plots.snapshot(plot))
            assert plot.water_source == "บ่อ บาดาล"  # normalised as a form's save normalises it
            assert [crop.name_th for crop in plot.crops] == ["คะน้า", "ผักบุ้ง"]
            assert (plot.owner.phone or "08").startswith("08") and plot.owner.session_token
            assert db.session.get(Membership, (plot.group_id, plot.owner_id)) is not None
        owners = db.session.scalars(sa.select(Plot.owner_id)).all()
        assert len(set(owners)) == 4  # each farmer made once, their plots given the right one
        for owner_id in set(owners):
            names = {plot.owner.display_name for plot in db.session.scalars(
                sa.select(Plot).where(Plot.owner_id == owner_id))}
            assert len(names) == 1


def test_a_reimport_that_changes_nothing_writes_nothing(app, given):
    with given():
        catalogue()
    data = _file(40, 10)
    _statements(app, data)
    again, writes = _statements(app, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 40)
    assert writes == []
    changed = data.replace("หมู่ 7,7.0007,100.4,3,".encode(), "หมู่ 7,7.0007,100.4,4,".encode())  # its area
    assert changed != data
    once_more, writes = _statements(app, changed)
    assert (once_more.updated, once_more.unchanged) == (1, 39)
    assert len(writes) == 4, writes
    assert [s.split()[0:3] for s in writes[:2]] == [["UPDATE", "plots", "SET"], ["INSERT", "INTO", "plot_changes"]]
    # and the changed plot's public page moves on to a new version, to be rebuilt on its next scan
    assert "public_version" in writes[2] and writes[3].startswith("DELETE FROM public_snapshots")


def test_a_code_made_up_for_one_row_is_never_one_a_later_row_names(app, given, monkeypatch):
    """Codes are random: the one drawn for a row without a code must not be a code a later row of the same file gives
    its new plot (the bulk INSERT would fail on the unique code, and the whole import with it)."""
    from greensmile.plots.codes import check_character

    with given():
        catalogue()
    named = "QQ123" + check_character("QQ123")
    other = "QQ124" + check_character("QQ124")
    draws = iter([named, other])
    monkeypatch.setattr(importer, "new_code", lambda: next(draws))
    data = (HEADER + ",เกษตรกร ก,0811111111,,,ควนเนียง,,บ้านหนึ่ง,,,1,vegetables,,,\n"
            f"{named},เกษตรกร ข,0822222222,,,ควนเนียง,,บ้านสอง,,,1,vegetables,,,\n").encode()
    report, _ = _statements(app, data)
    assert report.created == 2
    with app.app_context():
        codes = dict(db.session.execute(sa.select(Plot.village, Plot.code)).all())
    assert codes == {"บ้านหนึ่ง": other, "บ้านสอง": named}
