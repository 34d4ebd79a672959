"""The rubber group's manager audits a member plot in the field with no signal and raises a major corrective
action request; the exporter's buyer opens a lot's trace page through its QR code and sees each plot's FSC status."""
from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from PIL import Image

from greensmile.certification.group_models import CorrectiveAction
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.plots.demo import demo_code
from greensmile.plots.services import get_by_code
from greensmile.rubber.models import Lot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (230, 230, 220)).save(out, "JPEG")
    return out.getvalue()


def test_internal_audit_offline_then_the_exporter_traces_a_lot_by_its_qr(browser, live_server):
    import zxingcpp

    app, url = live_server["app"], live_server["url"]
    with app.app_context():
        plot = get_by_code(demo_code(7))
        code, group_id = plot.code, plot.group_id
        lot = db.session.scalar(sa.select(Lot).order_by(Lot.id))
        lot_id, lot_code = lot.id, lot.code
    due = (today() + timedelta(days=30)).isoformat()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "rubber")
        page.goto(f"{url}/rubber/groups/{group_id}")
        card = page.locator(f"details.member-plot[data-plot='{code}']")
        card.locator("summary").first.click()
        card.locator("details summary").click()  # a member with no agreement on file yet: attach it
        card.locator("input[name=agreement]").set_input_files(
            files=[{"name": "agreement.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
        card.locator("form[action$='/audit'] > button").click()
        page.wait_for_url(f"{url}/inspections/assignments/*")
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.wait_for_selector("[data-inspection]:not([hidden])")

        context.set_offline(True)  # the rubber plantation: no signal
        items = page.locator("[data-item]")
        for index in range(items.count()):
            items.nth(index).locator(f'input[value="{"non_compliant" if index == 7 else "compliant"}"]').check()
        page.click("[data-add-request]")
        page.select_option("select[name='req-severity-0']", "major")
        page.fill("textarea[name='req-finding-0']", "เก็บกรดฟอร์มิกไว้ริมลำห้วย ต้องย้ายไปตู้ล็อก")
        page.fill("input[name='req-due-0']", due)
        page.check('input[name="recommendation"][value="certify_with_conditions"]')
        page.click("[data-send]")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไม่มีสัญญาณ')")
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CorrectiveAction)) == 0
        page.reload()  # still offline: the form and the request come back from the phone
        page.wait_for_selector("[data-inspection]:not([hidden])")
        assert page.input_value("textarea[name='req-finding-0']").startswith("เก็บกรดฟอร์มิก")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rubber-internal-audit-offline.png"), full_page=True)

        context.set_offline(False)
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ส่งแล้ว')")
        with app.app_context():
            (request,) = db.session.scalars(sa.select(CorrectiveAction)).all()
            assert request.severity.value == "major" and request.inspection_id is not None
            assert request.due_on.isoformat() == due and request.certification.plot.code == code
    finally:
        context.close()

    exporter = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH")
    page = exporter.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "exporter")
        click_nav(page, "nav a[href='/rubber/lots']")
        page.click(f"main a[href='/rubber/lots/{lot_id}']")
        qr = page.request.get(f"{url}/lots/{lot_code}/qr.png")
        (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.body())))
        assert decoded.text.endswith(f"/lots/{lot_code}")
        page.goto(url + urlsplit(decoded.text).path)  # what the phone opens from the QR code
        rows = page.inner_text("table.lot-lines")
        assert code in rows and rows.count("ได้รับการรับรอง") == 2  # each contribution's FSC status that day
        assert "FSC 100%" in page.inner_text("main")
        page.screenshot(path=str(ARTIFACTS / "rubber-lot-trace.png"), full_page=True)
    finally:
        exporter.close()
