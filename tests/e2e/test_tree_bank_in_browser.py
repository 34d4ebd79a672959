"""The tree bank on a phone with no signal: the group's manager measures two trees offline, the day reaches the
server once when the signal is back; the bank officer's printable register then shows them in Thai with values."""
import sqlalchemy as sa

from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.i18n import format_baht
from greensmile.trees import valuation
from greensmile.trees.models import Measurement, Tree
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def _today_measurements(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Tree.tag, Measurement.girth_cm, Measurement.height_m)
                                  .join(Tree, Tree.id == Measurement.tree_id)
                                  .where(Measurement.measured_on == today())).all()
        return {tag: (str(girth), str(height)) for tag, girth, height in rows}


def test_two_trees_measured_offline_sync_once_and_appear_on_the_bank_register(browser, live_server):
    app = live_server["app"]
    assert _today_measurements(app) == {}
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "treebank")
        click_nav(page, '.mainnav [data-nav="trees.home"]')
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.click("a[href*='/measure']")
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.wait_for_selector("[data-measure]:not([hidden])")

        context.set_offline(True)  # among the trees: no signal
        for tag, girth, height in (("KH-001", "78.5", "11.6"), ("KH-002", "52", "8.1")):
            page.fill("#tag", tag)
            page.fill("#girth", girth)
            page.fill("#height", height)
            page.press("#height", "Enter")  # next tree
            page.wait_for_selector(f"[data-rows] li[data-tag='{tag}']")
        page.fill("#tag", "NO-SUCH")  # a tag not on the plot is caught on the phone
        page.fill("#girth", "10")
        page.fill("#height", "2")
        page.click("[data-next]")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('NO-SUCH')")
        assert page.locator("[data-rows] li").count() == 2
        page.click("[data-send]")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไม่มีสัญญาณ')")
        assert _today_measurements(app) == {}  # nothing left the phone

        response = page.reload()  # still offline: the form comes from the phone's cache, the day from IndexedDB
        assert response is not None and response.from_service_worker
        page.wait_for_selector("[data-measure]:not([hidden])")
        assert page.locator("[data-rows] li").count() == 2
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "tree-measuring-day-offline.png"), full_page=True)

        context.set_offline(False)  # back in the village: the queued day goes by itself
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ส่งและบันทึกแล้ว')")
        assert _today_measurements(app) == {"KH-001": ("78.5", "11.60"), "KH-002": ("52.0", "8.10")}
        # The phone sends the same day again (a retry after a lost reply): stored once.
        again = page.evaluate("""async () => {
            const root = document.querySelector("[data-measure]");
            const day = await idbKeyval.get("measure:" + root.dataset.scope);
            const form = new FormData();
            form.append("day", JSON.stringify({measured_on: day.measured_on, confirmed: false,
                rows: day.rows.map((r) => ({...r, photo: null}))}));
            const response = await fetch(root.dataset.syncUrl, {method: "POST", body: form,
                headers: {"X-CSRFToken": root.dataset.csrf, "Accept": "application/json"}});
            return [response.status, (await response.json()).stored];
        }""")
        assert again == [200, 0]
        assert len(_today_measurements(app)) == 2
    finally:
        context.close()

    with app.app_context():
        tree_ids = dict(db.session.execute(sa.select(Tree.tag, Tree.id).where(Tree.tag.in_(["KH-001", "KH-002"]))).all())
        values = valuation.latest_values(list(tree_ids.values()))
        shown = {tag: format_baht(values[tree_id].value_satang, "th") for tag, tree_id in tree_ids.items()}
        assert all(values[tree_id].measurement.measured_on == today() for tree_id in tree_ids.values())

    officer = browser.new_context(viewport={"width": 1024, "height": 900}, locale="th-TH")
    page = officer.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "bank")
        click_nav(page, '.mainnav [data-nav="trees.home"]')
        page.click("text=มาลี ป่างาม")
        page.wait_for_selector("table.register")
        assert "ทะเบียนต้นไม้ที่ใช้เป็นหลักประกัน" in page.inner_text("h1")
        for tag, (girth, height) in (("KH-001", ("78.5", "11.6")), ("KH-002", ("52", "8.1"))):
            row = page.inner_text(f"tr[data-tag='{tag}']")
            assert girth in row and height in row and shown[tag] in row, (tag, row, shown[tag])
        assert "สัก" in page.inner_text("tr[data-tag='KH-001']") and "พ.ศ." not in page.inner_text("h1")
        assert "ธนาคารต้นไม้ตัวอย่าง" in page.inner_text("tr[data-tag='KH-003']")  # the pledged tree is marked
        page.emulate_media(media="print")
        assert not page.locator("[data-print]").is_visible()  # the print button is not printed
        page.screenshot(path=str(ARTIFACTS / "tree-collateral-register-print.png"), full_page=True)
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
    finally:
        officer.close()
