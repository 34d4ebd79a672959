"""A file whose groups and crops are not in the app yet: the report says so once per cause, with the names, the rows
they come from and what to do (the command line's flags, the upload page's check boxes), before the rows; and
nothing is written."""
from __future__ import annotations

import io
import re

from greensmile.accounts.models import Role
from greensmile.jobs import services as jobs
from tests.conftest import form_keys, login
from tests.factories import PASSWORD, make_user
from tests.plots.test_import_export import HEADER, _counts, catalogue

UNKNOWN_GROUPS = ["กลุ่มใหม่หนึ่ง", "กลุ่มใหม่สอง", "กลุ่มใหม่สาม"]


def _file() -> bytes:
    lines = [HEADER]
    for n in range(9):  # 9 rows over 3 unknown groups; one row also grows 2 unknown crops
        crops = "ผักบุ้ง|มะรุมพันธุ์ใหม่|ชะอมพันธุ์ใหม่" if n == 4 else "ผักบุ้ง"
        lines.append(f",เกษตรกร {n},08{n:08d},{UNKNOWN_GROUPS[n % 3]},สงขลา,ควนเนียง,รัตภูมิ,บ้าน {n},,,2,vegetables,"
                     f"{crops},,\n")
    return "".join(lines).encode()


def test_the_command_line_groups_the_unknown_groups_and_crops_with_the_flags_and_writes_nothing(app, given, tmp_path):
    with given():
        catalogue()
    before = _counts(app)
    path = tmp_path / "plots.csv"
    path.write_bytes(_file())
    result = app.test_cli_runner().invoke(args=["plots", "import", str(path)], catch_exceptions=False)
    assert result.exit_code != 0 and _counts(app) == before
    output = result.output
    groups_line = next(line for line in output.splitlines() if "farmer groups are unknown" in line)
    assert groups_line.startswith("3 farmer groups are unknown: ")
    assert all(f"{name} (3 rows)" in groups_line for name in UNKNOWN_GROUPS)
    assert "--create-groups" in groups_line and "/groups" in groups_line
    crops_line = next(line for line in output.splitlines() if "crops are unknown" in line)
    assert crops_line.startswith("2 crops are unknown: ") and "มะรุมพันธุ์ใหม่ (1 row)" in crops_line
    assert "--create-crops" in crops_line
    # The causes come first, then each row with its line.
    assert output.index("farmer groups are unknown") < output.index("line 2:")
    assert len(re.findall(r"^line \d+:", output, re.MULTILINE)) == 9

    again = app.test_cli_runner().invoke(args=["plots", "import", str(path), "--create-groups", "--create-crops"])
    assert again.exit_code == 0, again.output
    assert "new groups: " + ", ".join(UNKNOWN_GROUPS) in again.output


def test_the_import_page_tells_the_causes_and_offers_the_two_choices_ticked(client, given, app):
    with given():
        catalogue()
        make_user(Role.COORDINATOR, email="coord@example.com")
    login(client, "coord@example.com", PASSWORD)
    before = _counts(app)
    form = {**form_keys(client, "/plots/import"), "file": (io.BytesIO(_file()), "plots.csv")}
    sent = client.post("/plots/import", data=form, content_type="multipart/form-data")
    assert sent.status_code == 302
    with app.app_context():
        jobs.run_once("test")
    page = client.get(sent.location).get_data(as_text=True)
    assert _counts(app) == before
    causes = page[page.index('id="causes"'):]
    assert "ไม่รู้จักกลุ่มเกษตรกร 3 กลุ่ม: " + ", ".join(UNKNOWN_GROUPS) in causes
    assert "ไม่รู้จักพืช 2 ชนิด: มะรุมพันธุ์ใหม่, ชะอมพันธุ์ใหม่" in causes
    assert page.index('id="causes"') < page.index("<table")  # the causes before the rows
    # The upload form again, the two choices ticked for these causes; sending the file with them imports it.
    again = causes[causes.index("<form"):causes.index("</form>")]
    ticked = {re.search(r'name="(\w+)"', tag).group(1) for tag in re.findall(r"<input[^>]*>", again) if " checked" in tag}
    assert ticked == {"create_groups", "create_crops"}  # and not "only check the file": this import was for real
    keys = dict(re.findall(r'name="(csrf_token|submission_key)"[^>]*value="([^"]+)"', again))
    resent = client.post("/plots/import", data={**keys, "create_groups": "y", "create_crops": "y",
                                                "file": (io.BytesIO(_file()), "plots.csv")},
                         content_type="multipart/form-data")
    assert resent.status_code == 302
    with app.app_context():
        jobs.run_once("test")
    assert 'data-status="done"' in client.get(resent.location).get_data(as_text=True)
    assert _counts(app)[0] == before[0] + 9


def test_one_unknown_group_however_its_rows_capitalise_it(app, given, tmp_path):
    from greensmile.plots import importer

    with given():
        catalogue()
    data = (HEADER + ",เกษตรกร ก,0811111111,Green Valley,,ควนเนียง,,บ้านหนึ่ง,,,1,vegetables,,,\n"
            ",เกษตรกร ข,0822222222,green valley,,ควนเนียง,,บ้านสอง,,,1,vegetables,,,\n").encode()
    with app.test_request_context():
        report = importer.import_plots(data, None)
        assert report.unknown_groups == {"Green Valley": [2, 3]}  # --create-groups would make one group of the two
        assert importer.ImportReport.from_json(report.to_json()).unknown_groups == {"Green Valley": [2, 3]}
