import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from greensmile.accounts.models import Role, User
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.network import services as network
from greensmile.network.models import Membership, Organisation, OrganisationKind
from greensmile.plots import csvdata, importer
from greensmile.plots import services as plots
from greensmile.plots.codes import check_character
from greensmile.plots.errors import BadCropName
from greensmile.plots.models import Crop, Plot, PlotChange, PlotType
from tests.conftest import csrf_token, form_keys, login
from tests.factories import PASSWORD, add_member, crop, district, make_organisation, make_plot, make_user

HEADER = ("plot_code,farmer_name,farmer_phone,group_name,province,district,subdistrict,village,latitude,longitude,"
          "area_rai,plot_type,crops,water_source,notes\n")
CODE = "SK777" + check_character("SK777")


def catalogue():
    district("9011", "หาดใหญ่", "Hat Yai")
    district("9013", "ควนเนียง", "Khuan Niang")
    make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่มทดสอบควนเนียง")
    for name_th, name_en in [("ผักบุ้ง", "Morning glory"), ("คะน้า", "Chinese kale"), ("กล้วย", "Banana")]:
        crop(name_th, name_en)


GOOD = HEADER + (
    f"{CODE},สมชาย ใจดี,081-234-5678,กลุ่มทดสอบควนเนียง,สงขลา,ควนเนียง,รัตภูมิ,บ้านควน,7.1605,100.418,2.5,vegetables,"
    "ผักบุ้ง|Chinese kale,บ่อบาดาล,\n"
    ",สมชาย ใจดี,0812345678,กลุ่มทดสอบควนเนียง,สงขลา,Khuan Niang,ห้วยลึก,บ้านห้วยลึก,,,4,ผสมผสาน,กล้วย,สระ,มีสวนยางข้างๆ\n"
    ",สมหญิง รักดี,,,,อ. หาดใหญ่,คอหงส์,บ้านทุ่ง,7.0086,100.4747,0.75,ผัก,,,\n"
)


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (Plot, PlotChange, User, Crop, Organisation))


def _import(app, data: bytes, **options):
    with app.test_request_context():
        report = importer.import_plots(data, None, **options)
        (db.session.commit if report.ok else db.session.rollback)()
        return report


def _export(app) -> bytes:
    with app.test_request_context():
        out = io.StringIO()
        csvdata.export_plots(out)
        return out.getvalue().encode()


def test_a_clean_file_imports_and_reimporting_it_changes_nothing(app, given):
    with given():
        catalogue()
    first = _import(app, GOOD.encode())
    assert first.ok, (first.file_errors, first.row_errors)
    assert (first.created, first.updated, first.unchanged, first.farmers_created) == (3, 0, 0, 2)
    with app.app_context():
        plot = db.session.scalar(sa.select(Plot).where(Plot.code == CODE))
        assert plot.area_m2 == 4000
        assert [c.name_th for c in plot.crops] == ["คะน้า", "ผักบุ้ง"]
        assert plot.owner.phone == "0812345678" and Role.FARMER in plot.owner.role_set
        assert plot.group.name == "กลุ่มทดสอบควนเนียง"
    after_first = _counts(app)
    again = _import(app, GOOD.encode())
    assert (again.created, again.updated, again.unchanged, again.farmers_created) == (0, 0, 3, 0)
    assert _counts(app) == after_first  # no new plots, farmers, nor history entries


def test_export_then_import_is_a_no_op(app, given):
    with given():
        catalogue()
    _import(app, GOOD.encode())
    exported = _export(app)
    before = _counts(app)
    report = _import(app, exported)
    assert report.ok and report.unchanged == 3 and report.created == report.updated == 0
    assert _counts(app) == before
    assert _export(app) == exported


def test_a_changed_row_updates_the_plot_and_records_what_changed(app, given):
    with given():
        catalogue()
    _import(app, GOOD.encode())
    changed = GOOD.replace("บ้านควน,7.1605,100.418,2.5", "บ้านควน,7.1605,100.418,3")
    report = _import(app, changed.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with app.app_context():
        plot = db.session.scalar(sa.select(Plot).where(Plot.code == CODE))
        assert plot.area_m2 == 4800
        assert plot.changes[0].changes == {"area_m2": ["4000.00", "4800.00"]}
        assert plot.changes[0].source.value == "import"


def test_a_file_with_bad_rows_writes_nothing_and_names_every_bad_row(app, given):
    with given():
        catalogue()
    typo = CODE[:-1] + ("A" if CODE[-1] != "A" else "B")
    other = "SK778" + check_character("SK778")
    bad = HEADER + (
        f"{other},ดี หนึ่ง,,,,หาดใหญ่,,,7.0,100.4,1,vegetables,,,\n"  # line 2: good
        f",ผิด สอง,,,,หาดใหญ่,,,100.47,7.00,1,vegetables,,,\n"  # line 3: coordinates swapped
        f",ผิด สาม,,,,หาดใหญ่,,,,,1,spaceship,,,\n"  # line 4: unknown plot type
        f"{other},ผิด สี่,,,,หาดใหญ่,,,,,1,fruit,,,\n"  # line 5: duplicate code
        f"{typo},ผิด ห้า,,,,หาดใหญ่,,,,,1,fruit,,,\n"  # line 6: mistyped code
        f",ผิด หก,,,,ดาวอังคาร,,,,,-2,fruit,มะม่วงหิมะ,,\n"  # line 7: district, area, crop
        f",ผิด เจ็ด,12345,กลุ่มที่ไม่มี,,หาดใหญ่,,,7.0,,1,fruit,,,\n"  # line 8: phone, group, half coordinates
    )
    before = _counts(app)
    report = _import(app, bad.encode())
    assert not report.ok
    assert _counts(app) == before
    by_line = {error.line: " ".join(error.messages) for error in report.row_errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "ไม่อยู่ในประเทศไทย" in by_line[3]
    assert "spaceship" in by_line[4]
    assert "ซ้ำกับบรรทัด 2" in by_line[5]
    assert typo in by_line[6]
    assert "ดาวอังคาร" in by_line[7] and "-2" in by_line[7] and "มะม่วงหิมะ" in by_line[7]
    assert "12345" in by_line[8] and "กลุ่มที่ไม่มี" in by_line[8] and "ละติจูดและลองจิจูด" in by_line[8]


def test_broken_encoding_is_reported_with_its_line(app, given):
    with given():
        catalogue()
    data = (HEADER + ",สมชาย,,,,หาดใหญ่,,,,,1,vegetables,,,\n").encode() + ",นาย".encode("cp874") + b",,,,x\n"
    before = _counts(app)
    report = _import(app, data)
    assert not report.ok and _counts(app) == before
    assert "UTF-8" in report.file_errors[0] and "บรรทัด 3" in report.file_errors[0]


def test_excel_bom_and_thai_headers_are_understood(app, given):
    with given():
        catalogue()
    thai = ("รหัสแปลง,ชื่อเกษตรกร,เบอร์โทร,กลุ่ม,จังหวัด,อำเภอ,ตำบล,หมู่บ้าน,ละติจูด,ลองจิจูด,พื้นที่ (ไร่),"
            "ประเภทแปลง,พืช,แหล่งน้ำ,หมายเหตุ\n"
            ",ป้าแดง,0899998888,,สงขลา,หาดใหญ่,,,,,1.5,ผลไม้,กล้วย,,\n")
    report = _import(app, "\ufeff".encode() + thai.encode())
    assert report.ok and report.created == 1, (report.file_errors, report.row_errors)


def test_unknown_groups_and_crops_can_be_created_on_request(app, given):
    with given():
        catalogue()
    data = (HEADER + ",ลุงใหม่,0871112222,กลุ่มใหม่เอี่ยม,,หาดใหญ่,,,,,1,vegetables,ผักเหลียง,,\n").encode()
    assert not _import(app, data).ok
    report = _import(app, data, create_groups=True, create_crops=True)
    assert report.ok and report.groups_created == ["กลุ่มใหม่เอี่ยม"] and report.crops_created == ["ผักเหลียง"]


def test_unknown_and_missing_columns_are_file_errors(app, given):
    report = _import(app, b"plot_code,farmer,area\nX,Y,1\n")
    assert not report.ok
    assert any("farmer" in message for message in report.file_errors)
    assert any("district" in message for message in report.file_errors)


def test_three_thousand_rows_import_in_one_transaction(app, given):
    with given():
        catalogue()
    lines = [HEADER]
    for n in range(3000):
        lines.append(f",เกษตรกร {n % 900},08{n % 900:08d},กลุ่มทดสอบควนเนียง,,ควนเนียง,ตำบล {n % 7},"
                     f"หมู่ {n},7.{n:04d},100.4,{1 + n % 5},vegetables,ผักบุ้ง|คะน้า,,\n")
    report = _import(app, "".join(lines).encode())
    assert report.ok, report.row_errors[:3]
    assert report.created == 3000 and report.farmers_created == 900
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot)) == 3000


def test_cli_import_dry_run_and_export(app, given, tmp_path):
    with given():
        catalogue()
    path = tmp_path / "plots.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["plots", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "dry run" in dry.output and "3 new plots" in dry.output
    assert _counts(app)[0] == 0
    done = runner.invoke(args=["plots", "import", str(path)])
    assert done.exit_code == 0 and "imported" in done.output
    out = tmp_path / "out.csv"
    assert runner.invoke(args=["plots", "export", str(out)]).exit_code == 0
    assert CODE in out.read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ",x,,,,ไม่มี,,,,,1,vegetables,,,\n", encoding="utf-8")
    failed = runner.invoke(args=["plots", "import", str(bad)])
    assert failed.exit_code != 0 and "line 2" in failed.output


def test_upload_page_is_for_coordinators_and_reports_bad_rows(client, given, app):
    """The page stores the file and the worker imports it (tests/plots/test_import_jobs.py follows it closely)."""
    with given():
        catalogue()
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, email="farmer@example.com")
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/plots/import").status_code == 403
    assert client.get("/plots/export.csv").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "coord@example.com", PASSWORD)

    def send(data: bytes, dry_run: bool):
        form = {**form_keys(client, "/plots/import"), "file": (io.BytesIO(data), "plots.csv")}
        if dry_run:
            form["dry_run"] = "y"
        response = client.post("/plots/import", data=form, content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)
        with app.app_context():
            jobs.run_once("test")  # the worker (it may run the schedules' jobs too)
        return client.get(response.location).get_data(as_text=True)

    bad = send((HEADER + ",x,,,,ไม่มี,,,,,1,vegetables,,,\n").encode(), dry_run=False)
    assert "ไม่ได้นำเข้าข้อมูลใด ๆ" in bad and "ไม่รู้จักอำเภอ" in bad
    checked = send(GOOD.encode(), dry_run=True)
    assert "ไฟล์ถูกต้อง" in checked and _counts(app)[0] == 0
    imported = send(GOOD.encode(), dry_run=False)
    assert 'data-status="done"' in imported and _counts(app)[0] == 3
    exported = client.get("/plots/export.csv")
    assert exported.mimetype == "text/csv" and CODE in exported.get_data(as_text=True)


def test_cells_that_look_like_formulas_are_guarded_on_export_and_read_back(app, given):
    with given():
        catalogue()
    data = HEADER + ",ลุงสูตร,,,,หาดใหญ่,,,,,1,vegetables,,=HYPERLINK(\"http://x\"),@ระวัง\n"
    assert _import(app, data.encode()).created == 1
    exported = _export(app).decode()
    assert "'=HYPERLINK" in exported and "'@ระวัง" in exported
    report = _import(app, exported.encode())
    assert report.unchanged == 1 and report.updated == 0


def test_reimport_never_brings_a_removed_member_back_into_the_group(app, given):
    with given():
        catalogue()
    _import(app, GOOD.encode())
    exported = _export(app)
    with app.app_context():
        group = db.session.scalar(sa.select(Organisation).where(Organisation.name == "กลุ่มทดสอบควนเนียง"))
        owner_id = db.session.scalar(sa.select(Plot.owner_id).where(Plot.code == CODE))
        network.remove_member(group, owner_id)
        db.session.commit()
    report = _import(app, exported)
    assert report.ok and report.unchanged == 3
    with app.app_context():
        assert db.session.get(Membership, (group.id, owner_id)) is None


def test_web_made_plots_with_odd_spacing_round_trip(client, app, given):
    with given():
        catalogue()
        farmer = make_user(Role.FARMER, display_name="สมศรี  มีสุข", email="somsri@example.com")
        group = make_organisation(OrganisationKind.PGS_GROUP, name="กลุ่ม  สองวรรค")
        add_member(group, farmer)
        hat_yai = district("9011", "หาดใหญ่", "Hat Yai")
        for name, area in (("แปลง  หนึ่ง", "1000.01"), ("แปลงสอง", "0.30"), ("แปลงสาม", "2004.37")):
            plots.create_plot(farmer, farmer, plots.PlotData(
                district_id=hat_yai.id, area_m2=Decimal(area), plot_type=PlotType.VEGETABLES, name=name,
                group_id=group.id, subdistrict="คอ  หงส์", village=f" บ้าน  {name} ",
                water_source="บ่อ,  ลึก \"มาก\"", notes="บรรทัดแรก\nบรรทัดสอง, มี \"คำพูด\"\n'=ไม่ใช่สูตร",
            ))
    exported = _export(app)
    before = _counts(app)
    report = _import(app, exported)
    assert report.ok, report.row_errors
    assert report.unchanged == 3 and report.updated == 0
    assert _counts(app) == before
    assert _export(app) == exported


def test_a_plot_cannot_be_described_twice_in_one_file(app, given):
    with given():
        catalogue()
    _import(app, GOOD.encode())
    exported = _export(app).decode()
    first_row = exported.splitlines()[1]
    codeless_copy = "," + first_row.split(",", 1)[1].replace(",2.5,", ",5,")
    report = _import(app, (exported + codeless_copy + "\n").encode())
    assert not report.ok
    assert [error.line for error in report.row_errors] == [5]
    assert "บรรทัด 2" in report.row_errors[0].messages[0]


def test_several_plots_at_one_place_need_their_codes(app, given):
    with given():
        catalogue()
        farmer = make_user(Role.FARMER, display_name="ลุงสองแปลง")
        hat_yai = district("9011", "หาดใหญ่", "Hat Yai")
        make_plot(farmer, district_id=hat_yai.id)
        make_plot(farmer, district_id=hat_yai.id)
    report = _import(app, (HEADER + ",ลุงสองแปลง,,,,หาดใหญ่,,,,,1,vegetables,,,\n").encode())
    assert not report.ok and "หลายแปลง" in report.row_errors[0].messages[0]


def test_every_bad_row_is_reported_in_one_pass(app, given):
    with given():
        catalogue()
        make_user(Role.FARMER, display_name="เจ้าของจริง")
    _import(app, GOOD.encode())
    bad = HEADER + (
        f"{CODE},คนอื่น,,,,หาดใหญ่,,,,,1,vegetables,,,\n"  # line 2: the code is someone else's plot
        ",x,,,,ไม่มีอำเภอนี้,,,,,1,vegetables,,,\n"  # line 3: unknown district
    )
    report = _import(app, bad.encode())
    assert [error.line for error in report.row_errors] == [2, 3]


def test_line_numbers_count_spreadsheet_rows_not_text_lines(app, given):
    with given():
        catalogue()
    data = HEADER + ',ดี,,,,หาดใหญ่,,,,,1,vegetables,,,"หนึ่ง\nสอง\nสาม"\n' + ",ผิด,,,,ไม่มี,,,,,1,vegetables,,,\n"
    report = _import(app, data.encode())
    assert [error.line for error in report.row_errors] == [3]


def test_a_row_can_give_the_plots_farmer_a_phone(app, given):
    with given():
        catalogue()
    _import(app, GOOD.replace("สมหญิง รักดี,,", "สมหญิง รักดี,,").encode())
    exported = _export(app).decode()
    row = next(line for line in exported.splitlines() if "สมหญิง รักดี" in line)
    with_phone = exported.replace(row, row.replace("สมหญิง รักดี,,", "สมหญิง รักดี,0867776655,"))
    report = _import(app, with_phone.encode())
    assert report.ok and report.updated == 1 and report.farmers_created == 0
    with app.app_context():
        assert db.session.scalar(sa.select(User.phone).where(User.display_name == "สมหญิง รักดี")) == "0867776655"


def test_a_bad_last_row_of_three_thousand_writes_nothing(app, given):
    with given():
        catalogue()
    lines = [HEADER] + [f",เกษตรกร {n},,,,ควนเนียง,,หมู่ {n},,,1,vegetables,,,\n" for n in range(2999)]
    lines.append(",คนสุดท้าย,,,,ควนเนียง,,,,,1,ยานอวกาศ,,,\n")
    before = _counts(app)
    report = _import(app, "".join(lines).encode())
    assert not report.ok and [error.line for error in report.row_errors] == [3001]
    assert _counts(app) == before


def test_every_badly_encoded_line_is_named(app, given):
    data = HEADER.encode() + ",นาย".encode("cp874") + b",x\n" + b",ok\n" + ",นาง".encode("cp874") + b",y\n"
    report = _import(app, data)
    assert "2, 4" in report.file_errors[0]


def test_crop_names_with_the_separator_are_refused(app_ctx):
    with pytest.raises(BadCropName):
        plots.add_crop("ผัก|ปลอม", "")
