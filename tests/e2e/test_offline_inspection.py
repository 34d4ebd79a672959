"""An inspector in a field with no signal: the form opens, keeps every answer and photo, and the
inspection reaches the server exactly once when the phone is back online."""
import io

import sqlalchemy as sa
from PIL import Image

from greensmile.certification.models import Application, ApplicationStatus, Assignment, Inspection, InspectionPhoto
from greensmile.demo import demo_user
from greensmile.extensions import db
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.menu import click_nav


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (60, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def _inspections(app) -> list[Inspection]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Inspection)).all())


def test_inspection_made_offline_arrives_once(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        inspector = demo_user("inspector")
        assignment_id = db.session.scalar(
            sa.select(Assignment.id).join(Application, Application.id == Assignment.application_id)
            .where(Assignment.inspector_id == inspector.id, Application.status == ApplicationStatus.ASSIGNED)
        )
        assert assignment_id is not None, "seed-demo gives the demo inspector an open assignment"
    before = len(_inspections(app))
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow",
        geolocation={"latitude": 7.171201, "longitude": 100.395399, "accuracy": 6}, permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "inspector")
        click_nav(page, '.mainnav [data-nav="inspections.assignments"]')
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.click(f'a[href="/inspections/assignments/{assignment_id}"]')
        page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
        page.wait_for_selector("[data-inspection]:not([hidden])")

        context.set_offline(True)  # the field: no signal from here on
        items = page.locator("[data-item]")
        count = items.count()
        assert count >= 20
        for index in range(count):
            answer = "non_compliant" if index == 2 else "compliant"
            items.nth(index).locator(f'input[value="{answer}"]').check()
        items.nth(2).locator("textarea").fill("ถังพ่นยาใช้ร่วมกับแปลงข้างเคียง")
        page.click("[data-take-position]")
        page.wait_for_function("() => document.querySelector('[data-position]').textContent.includes('7.171201')")
        page.set_input_files("input[data-general-photo]",
                             files=[{"name": "test.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}])
        page.wait_for_selector("[data-photos] img")
        page.check('input[name="recommendation"][value="certify_with_conditions"]')
        page.fill("textarea[name=summary]", "ต้องแยกถังพ่นภายใน 3 เดือน")
        page.click("[data-send]")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไม่มีสัญญาณ')")
        # queued is frozen: what is shown is what the server will store
        assert page.locator("[data-item] input").first.is_disabled()
        assert len(_inspections(app)) == before  # nothing could leave the phone

        response = page.reload()  # still offline: the page comes from the phone's cache
        assert response is not None and response.from_service_worker
        page.wait_for_selector("[data-inspection]:not([hidden])")
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ไม่มีสัญญาณ')")
        assert page.locator("[data-item]").nth(2).locator('input[value="non_compliant"]').is_checked()
        assert page.locator("[data-item]").nth(0).locator('input[value="compliant"]').is_checked()
        assert page.input_value("[data-item] >> nth=2 >> textarea") == "ถังพ่นยาใช้ร่วมกับแปลงข้างเคียง"
        assert page.locator("[data-photos] img").count() == 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inspector-offline-form.png"), full_page=True)

        context.set_offline(False)  # back in the village: the queued inspection goes by itself
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ส่งแล้ว')")
        stored = _inspections(app)
        assert len(stored) == before + 1
        # The phone sends the same inspection again (a retry after a lost reply): still stored once.
        again = page.evaluate("""async () => {
            const record = await idbKeyval.get("inspection:" + document.querySelector("[data-inspection]").dataset.assignment);
            const form = new FormData();
            form.append("inspection", JSON.stringify({...record, photos: []}));
            const response = await fetch("/inspections/sync", {method: "POST", body: form,
                headers: {"X-CSRFToken": document.querySelector("[data-inspection]").dataset.csrf}});
            return [response.status, (await response.json()).status];
        }""")
        assert again == [200, "already_stored"]
        page.reload()
        page.wait_for_function("() => document.querySelector('[data-status]').textContent.includes('ส่งแล้ว')")
        stored = _inspections(app)
        assert len(stored) == before + 1
        with app.app_context():
            inspection = db.session.scalar(sa.select(Inspection).order_by(Inspection.id.desc()))
            assert inspection.recommendation.value == "certify_with_conditions"
            assert float(inspection.latitude) == 7.171201 and inspection.accuracy_m == 6
            failing = [a for a in inspection.answers if a.answer.value == "non_compliant"]
            assert len(failing) == 1 and failing[0].note == "ถังพ่นยาใช้ร่วมกับแปลงข้างเคียง"
            assert db.session.scalar(sa.select(sa.func.count()).select_from(InspectionPhoto)
                                     .where(InspectionPhoto.inspection_id == inspection.id)) == 1

        # Signing out takes the cached inspection pages off the phone.
        assert page.evaluate("() => caches.has('gs-inspection-pages')")
        with page.expect_navigation():
            click_nav(page, ".mainnav form[data-sign-out] button")
        assert not page.evaluate("() => caches.has('gs-inspection-pages')")
    finally:
        context.close()



def test_signing_out_while_pages_are_being_stored_leaves_none_behind(browser, live_server):
    """Signing out while the service worker is still storing an inspection page (the one just opened, or one
    offline.js fetched): the cache ends empty, because signing out waits for those writes before emptying it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        for _ in range(3):
            sign_in(page, live_server, "inspector")
            click_nav(page, '.mainnav [data-nav="inspections.assignments"]')
            page.wait_for_function("() => document.documentElement.dataset.offlineReady === 'yes'")
            assert page.evaluate("() => caches.has('gs-inspection-pages')")
            with page.expect_navigation():
                # Pages on their way through the service worker into the cache, and the sign-out at once.
                page.evaluate("""() => {
                    for (let i = 0; i < 3; i++) fetch("/inspections", {credentials: "same-origin"});
                    document.querySelector("form[data-sign-out]").requestSubmit();
                }""")
            assert not page.evaluate("() => caches.has('gs-inspection-pages')")
    finally:
        context.close()


def test_signing_out_goes_ahead_when_the_offline_pages_never_finish_storing(browser, live_server):
    """A worker that never installed, or a fetch hanging on a poor signal: sign-out waits a few seconds for the
    pages being stored, then signs out all the same."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="th-TH", service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server, "inspector")
        click_nav(page, '.mainnav [data-nav="inspections.assignments"]')
        page.evaluate("() => { window.gsOfflinePages = new Promise(() => {}); }")  # never settles
        with page.expect_navigation(timeout=15000):
            page.evaluate("() => document.querySelector('form[data-sign-out]').requestSubmit()")
        assert page.locator("form[data-sign-out]").count() == 0  # signed out
    finally:
        context.close()
