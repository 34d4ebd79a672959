"""A shopper's phone at a market stall, and a coordinator printing a sheet of labels."""
import re
from datetime import timedelta

import sqlalchemy as sa

from greensmile.certification import charter, services
from greensmile.certification.models import CertStatus, EventKind
from greensmile.demo import demo_user
from greensmile.extensions import db
from greensmile.plots.demo import demo_code
from greensmile.plots.models import Plot
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import make_plot


def test_a_revoked_plot_shows_its_status_without_scrolling(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        code = demo_code(1)
        plot = db.session.scalar(sa.select(Plot).where(Plot.code == code))
        cert = services.certification_for(plot, charter.ensure_pgs_standard())
        if cert.status is not CertStatus.REVOKED:
            services.revoke(cert, demo_user("committee"), "ตรวจพบการใช้สารเคมี")
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="th-TH", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server['url']}/p/{code.lower()}")
        status = page.locator("[data-status]")
        assert status.get_attribute("data-status") == "revoked"
        assert "ถูกเพิกถอน" in status.inner_text()
        box = status.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 640, box  # all of it in the first screenful
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "public-plot-revoked.png"))
    finally:
        context.close()


def test_a_sheet_of_twelve_labels_prints_on_one_a4_page(browser, live_server):
    app = live_server["app"]
    with app.app_context():
        farmer, committee = demo_user("farmer"), demo_user("committee")
        standard = charter.ensure_pgs_standard()
        group = db.session.scalar(sa.select(Plot).where(Plot.code == demo_code(1))).group
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Plot).where(Plot.name.like("ฉลาก %")))
        for n in range(existing, 12):
            plot = make_plot(farmer, group, name=f"ฉลาก {n + 1:02d}")
            cert = services.certification_for(plot, standard)
            services._move(cert, CertStatus.CERTIFIED, EventKind.DECISION, committee, "ทดสอบฉลาก")
            cert.valid_from, cert.valid_until = services.today(), services.today() + timedelta(days=364)
        db.session.commit()
        codes = ",".join(db.session.scalars(sa.select(Plot.code).where(Plot.name.like("ฉลาก %"))))
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="th-TH")
    page = context.new_page()
    try:
        sign_in(page, live_server, "coordinator")
        page.goto(f"{live_server['url']}/labels?codes={codes}")
        assert page.locator(".sheet").count() == 1
        assert page.locator(".label").count() == 12
        assert page.locator(".label svg").count() == 12
        assert "ฉลาก 01" in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "labels-sheet.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
        (ARTIFACTS / "labels-sheet.pdf").write_bytes(pdf)
        assert re.findall(rb"/Type\s*/Pages\b.*?/Count (\d+)", pdf, re.S) == [b"1"]  # one A4 page
    finally:
        context.close()
