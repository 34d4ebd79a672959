"""Issue 23 on a phone, in Thai: a coordinator's file naming groups and crops the app does not know is answered
cause by cause, with the upload form again and the two boxes ticked, and goes in when sent with them; a tree whose
species mean is of a single record says so beside its above-ground carbon."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.trees.models import Tree
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav

HEADER = ("plot_code,farmer_name,farmer_phone,group_name,province,district,subdistrict,village,latitude,longitude,"
          "area_rai,plot_type,crops,water_source,notes\n")
GROUPS = ["กลุ่มใหม่ริมคลอง", "กลุ่มใหม่บนควน", "กลุ่มใหม่ท้ายนา"]


def _file(tmp_path):
    rows = [HEADER] + [f",เกษตรกรใหม่ {n},0899{n:06d},{GROUPS[n % 3]},สงขลา,หาดใหญ่,คอหงส์,บ้านใหม่ {n},,,1,vegetables,"
                       f"{'ผักบุ้ง|ผักเหลียงพันธุ์ใหม่' if n == 1 else 'ผักบุ้ง'},,\n" for n in range(6)]
    path = tmp_path / "แปลงใหม่.csv"
    path.write_text("".join(rows), encoding="utf-8")
    return path


def test_an_import_names_its_causes_and_goes_in_with_the_boxes_ticked(browser, live_server, tmp_path):
    app = live_server["app"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "coordinator")
        click_nav(page, '.mainnav [data-nav="plots.index"]')
        page.click("a[href='/plots/import']")
        page.set_input_files("#file", str(_file(tmp_path)))
        page.uncheck("#dry_run")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        with app.app_context():
            jobs.run_once("e2e")  # the worker
        page.reload()
        causes = page.locator("#causes")
        assert "ไม่รู้จักกลุ่มเกษตรกร 3 กลุ่ม" in causes.inner_text() and "ผักเหลียงพันธุ์ใหม่" in causes.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.is_checked("#causes #create_groups") and page.is_checked("#causes #create_crops")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-causes.png"), full_page=True)

        page.set_input_files("#causes #file", str(_file(tmp_path)))
        with page.expect_navigation():
            page.click("#causes button[type=submit]")
        with app.app_context():
            jobs.run_once("e2e")
        page.reload()
        assert page.locator("#import").get_attribute("data-status") == "done"
        assert "กลุ่มใหม่ริมคลอง" in page.content()  # named among the new groups
    finally:
        context.close()


def test_a_species_mean_of_one_record_is_flagged_beside_the_above_ground_carbon(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        tree_id = db.session.scalar(sa.select(Tree.id).where(Tree.tag == "KH-002"))  # พะยูง: one record in the GWDD
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "treebank")
        page.goto(f"{live_server['url']}/trees/{tree_id}")
        text = page.locator("main").inner_text()
        assert "คาร์บอนเหนือพื้นดิน" in text and "ข้อมูลเพียงรายการเดียว" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
