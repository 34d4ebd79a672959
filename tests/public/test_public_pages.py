import io
import logging
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from greensmile.accounts.models import Role
from greensmile.certification import services
from greensmile.certification.models import Outcome
from greensmile.config import ROOT
from greensmile.extensions import db
from greensmile.plots.models import PlotPhoto
from greensmile.public import scans
from greensmile.public.models import Concern, PlotScan
from tests.certification.helpers import certified, make_cycle, through_inspection
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, crop, make_plot, make_user
from tests.outbox import sent_mails
from tests.plots.test_search_and_api import counting_queries


def _decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_qr_code_decodes_to_exactly_the_public_address(client, given, app):
    with given():
        cycle = make_cycle()
        certified(cycle)
    expected = f"{app.config['PUBLIC_BASE_URL']}/p/{cycle.plot.code}"
    assert client.get(f"/p/{cycle.plot.code.lower()}/qr.png").headers["Location"] == f"/p/{cycle.plot.code}/qr.png"
    sticker = client.get(f"/p/{cycle.plot.code}/qr.png")
    assert sticker.status_code == 200 and sticker.mimetype == "image/png"
    assert _decode(sticker.data) == [expected]
    sign = client.get(f"/p/{cycle.plot.code}/qr.png?size=sign")
    assert _decode(sign.data) == [expected]
    assert Image.open(io.BytesIO(sign.data)).width > 2 * Image.open(io.BytesIO(sticker.data)).width
    svg = client.get(f"/p/{cycle.plot.code}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(svg.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # the SVG draws the same code: rasterise its module grid and decode it
    assert _decode(_raster(root)) == [expected]


def _raster(root) -> bytes:
    import re

    size = int(float(root.get("viewBox").split()[2]))
    image = Image.new("L", (size, size), 255)
    path = root.find("{http://www.w3.org/2000/svg}path").get("d")
    for x, y in re.findall(r"M(\d+),(\d+)H", path):
        image.putpixel((int(x), int(y)), 0)
    out = io.BytesIO()
    image.resize((size * 8, size * 8), Image.NEAREST).save(out, "PNG")
    return out.getvalue()


def test_a_plot_never_certified_has_no_qr_code(client, given):
    with given():
        cycle = make_cycle()
        application = through_inspection(cycle)
        services.decide(application, cycle.committee, Outcome.IN_CONVERSION, "ยังอยู่ในระยะปรับเปลี่ยน")
        never = make_plot(cycle.farmer, cycle.group)
    for code in (cycle.plot.code, never.code):
        assert client.get(f"/p/{code}/qr.png").status_code == 404
        assert client.get(f"/p/{code}/qr.svg").status_code == 404
        assert client.get(f"/p/{code}").status_code == 200  # the page itself is public


def test_a_revoked_plots_page_says_so_first(client, given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
        services.revoke(cert, cycle.committee, "ใช้ยาฆ่าหญ้า")
    html = client.get(f"/p/{cycle.plot.code}").get_data(as_text=True)
    main = html.split("<main>", 1)[1]
    assert main.lstrip().startswith('<div class="status bad" data-status="revoked">')
    assert "ถูกเพิกถอน" in main.split("</div>", 1)[0]
    assert "ใช้ยาฆ่าหญ้า" not in html  # the reason is not for the public
    assert client.get(f"/p/{cycle.plot.code}/qr.png").status_code == 200  # old labels still lead here


def test_an_expired_certificate_shows_expired_on_the_day(client, given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
        cert.valid_until = services.today() - timedelta(days=1)
    html = client.get(f"/p/{cycle.plot.code}").get_data(as_text=True)
    assert 'data-status="expired"' in html and "หมดอายุเมื่อ" in html


def test_certified_page_shows_dates_in_the_buddhist_era_and_the_charter(client, given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
    html = client.get(f"/p/{cycle.plot.code}").get_data(as_text=True)
    assert f"ใช้ได้ถึง {cert.valid_until.day}" in html and str(cert.valid_until.year + 543) in html
    assert "pgs-organic" not in html and "มาตรฐานเกษตรอินทรีย์แบบมีส่วนร่วม (PGS) ของเครือข่าย" in html  # its name
    assert "แปลงสมัคร" in html
    english = client.get(f"/p/{cycle.plot.code}?lang=en").get_data(as_text=True)
    assert "Valid until" in english and str(cert.valid_until.year) in english
    assert "The network's PGS organic charter, version 1" in english.replace("&#39;", "'")


def test_codes_are_case_insensitive_and_typos_get_a_helpful_404(client, given):
    with given():
        cycle = make_cycle()
    code = cycle.plot.code
    moved = client.get(f"/p/{code.lower()}")
    assert moved.status_code == 301 and moved.headers["Location"] == f"/p/{code}"
    assert client.get(f"/p?code={code[:3]}-{code[3:].lower()}").headers["Location"] == f"/p/{code}"
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = client.get(f"/p/{typo}")
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "ไม่ใช่รหัสแปลง" in body and 'name="code"' in body
    from greensmile.plots.codes import check_character

    unknown = client.get("/p/ZZ999" + check_character("ZZ999"))  # a well-formed code no plot has
    body = unknown.get_data(as_text=True)
    assert unknown.status_code == 404 and "ไม่มีแปลงรหัส" in body and 'name="code"' in body
    english = client.get(f"/p/{typo}?lang=en").get_data(as_text=True)
    assert '<input type="hidden" name="lang" value="en">' in english  # typing again keeps the language
    assert 'action="/p"' in client.get("/").get_data(as_text=True)  # the same box on the home page


def test_the_page_is_small_cacheable_and_sets_no_cookie(client, given):
    with given():
        cycle = make_cycle()
        cert = certified(cycle)
    response = client.get(f"/p/{cycle.plot.code}")
    assert response.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"  # within the minute
    assert "Set-Cookie" not in response.headers
    css = (ROOT / "static" / "css" / "public.css").read_bytes()
    assert len(response.data) + len(css) < 30 * 1024
    assert b"<script" not in response.data
    again = client.get(f"/p/{cycle.plot.code}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    with given():
        services.suspend(db.session.merge(cert), db.session.merge(cycle.committee), "ตรวจพบสารตกค้าง")
    changed = client.get(f"/p/{cycle.plot.code}", headers={"If-None-Match": response.headers["ETag"]})
    assert changed.status_code == 200 and 'data-status="suspended"' in changed.get_data(as_text=True)


def test_views_are_counted_per_day_and_counting_never_breaks_the_page(client, given, app, monkeypatch):
    with given():
        cycle = make_cycle()
    for _ in range(3):
        client.get(f"/p/{cycle.plot.code}")
    with app.app_context():
        assert db.session.scalar(sa.select(PlotScan.count).where(PlotScan.plot_id == cycle.plot.id)) == 3
        assert db.session.scalar(sa.select(PlotScan.day)) == services.today()

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(scans, "_add_to_database", broken)
    assert client.get(f"/p/{cycle.plot.code}").status_code == 200
    monkeypatch.undo()
    monkeypatch.setattr(db.session, "commit", broken)  # a locked database at commit time
    assert client.get(f"/p/{cycle.plot.code}").status_code == 200
    monkeypatch.undo()
    etag = client.get(f"/p/{cycle.plot.code}").headers["ETag"]  # the 4th counted view
    client.get(f"/p/{cycle.plot.code}", headers={"If-None-Match": etag})  # a revalidation: not a view
    client.head(f"/p/{cycle.plot.code}")  # nor is a HEAD
    login(client, "farmer@example.com", PASSWORD)
    assert "มีผู้เปิดดู 4 ครั้ง" in client.get(f"/plots/{cycle.plot.code}").get_data(as_text=True)


@pytest.mark.own_app
def test_views_counted_in_redis_are_shared_and_collected(database_url, tmp_path):
    import socket
    import uuid

    import flask_migrate

    from greensmile import create_app

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    path = tmp_path / "scans.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "REDIS_URL": "redis://127.0.0.1:6379/0",
                      "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    with app.app_context():
        flask_migrate.upgrade()
        plot = make_plot(make_user(Role.FARMER))
        db.session.commit()
        yesterday = services.today() - timedelta(days=1)
        for _ in range(4):
            scans.count_scan(plot.id, yesterday)
        scans.count_scan(plot.id, services.today())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotScan)) == 0  # all in Redis so far
        assert scans.recent_counts(plot.id, services.today()) == {yesterday: 4, services.today(): 1}
        # the database fails during a collection: nothing is lost, the next run picks it up
        real_commit = db.session.commit

        def failing_commit():
            raise RuntimeError("database down")

        db.session.commit = failing_commit
        with pytest.raises(RuntimeError):
            scans.collect(services.today())
        db.session.commit = real_commit
        db.session.rollback()
        scans.count_scan(plot.id, yesterday)  # a late view of yesterday meanwhile
        assert scans.collect(services.today()) == 5
        assert db.session.scalar(sa.select(PlotScan.count).where(PlotScan.day == yesterday)) == 5
        assert scans.collect(services.today()) == 0
        assert scans.recent_counts(plot.id, services.today()) == {yesterday: 5, services.today(): 1}
        db.engine.dispose()


def test_anyone_can_report_a_concern_and_coordinators_hear_of_it(client, given, app, caplog):
    with given():
        cycle = make_cycle()
    page = f"/p/{cycle.plot.code}/concern"
    empty = post_form(client, page, {"message": "  "})
    assert "โปรดกรอกช่องนี้" in empty.get_data(as_text=True)
    assert client.post(page, data={"message": "ไม่มีโทเคน"}).status_code == 400  # CSRF
    with caplog.at_level(logging.INFO, logger="greensmile.mail"):
        sent = post_form(client, page, {"message": "เห็นคนพ่นยาในแปลงเมื่อวาน", "contact": "0891234567"})
    assert sent.status_code == 200 and "ขอบคุณ" in sent.get_data(as_text=True)
    with app.app_context():
        concern = db.session.scalar(sa.select(Concern))
        assert concern.message == "เห็นคนพ่นยาในแปลงเมื่อวาน" and concern.plot_id == cycle.plot.id
    mails = sent_mails(caplog, app)
    assert len(mails) == 1 and "coord@example.com" in mails[0] and "เห็นคนพ่นยา" in mails[0]
    login(client, "coord@example.com", PASSWORD)
    pipeline = client.get("/certification/pipeline").get_data(as_text=True)
    concerns = pipeline.split('id="concerns"')[1].split("</section>")[0]
    assert "เห็นคนพ่นยาในแปลงเมื่อวาน" in concerns
    post_form(client, f"/concerns/{concern.id}/handled", {}, page="/certification/pipeline")
    assert "เห็นคนพ่นยา" not in client.get("/certification/pipeline").get_data(as_text=True)


def test_label_sheets_for_coordinators_and_for_farmers_own_plots(client, given):
    with given():
        cycle = make_cycle()
        certified(cycle)
        other_farmer = make_user(Role.FARMER, email="other@example.com")
        never = make_plot(cycle.farmer, cycle.group, name="แปลงยังไม่รับรอง")
    assert client.get("/labels").status_code == 302  # sign in first
    login(client, "coord@example.com", PASSWORD)
    sheet = client.get(f"/labels?group={cycle.group.id}").get_data(as_text=True)
    assert sheet.count('class="label"') == 1 and f'data-label="{cycle.plot.code}"' in sheet
    assert never.code in sheet.split('class="sheet"')[0]  # listed as having no label
    assert "<svg" in sheet
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "other@example.com", PASSWORD)
    theirs = client.get(f"/labels?codes={cycle.plot.code}").get_data(as_text=True)
    assert 'class="label"' not in theirs  # not their plot
    assert other_farmer


def test_qr_export_writes_png_and_svg_for_certified_plots(app, given, tmp_path):
    with given():
        cycle = make_cycle()
        certified(cycle)
        make_plot(cycle.farmer, cycle.group)
    out = tmp_path / "qr"
    result = app.test_cli_runner().invoke(args=["qr", "export", "--out", str(out), "--group", cycle.group.name])
    assert result.exit_code == 0, result.output
    assert "wrote 1 QR codes" in result.output and "1 plots never certified" in result.output
    assert sorted(p.name for p in out.iterdir()) == [f"{cycle.plot.code}.png", f"{cycle.plot.code}.svg"]
    assert _decode((out / f"{cycle.plot.code}.png").read_bytes()) == [
        f"{app.config['PUBLIC_BASE_URL']}/p/{cycle.plot.code}"]
    bad = app.test_cli_runner().invoke(args=["qr", "export", "--out", str(out), "--group", "ไม่มีกลุ่มนี้"])
    assert bad.exit_code != 0


def test_a_page_view_is_one_read_and_a_rebuild_a_fixed_handful(client, given, app):
    """A view reads the snapshot with the plot's version (one query) and counts the scan; after a change, the first
    view rebuilds the snapshot in a fixed number of queries, however many crops, photos and tests the plot has."""
    with given():
        cycle = make_cycle()
        certified(cycle)

    def queries() -> list[str]:
        with counting_queries(app) as statements:
            assert client.get(f"/p/{cycle.plot.code}").status_code == 200
        # the scan's count is an UPDATE, and the day's first an INSERT too: counted apart
        return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "INSERT INTO plot_scans"))]

    rebuild = queries()
    steady = queries()
    assert len(steady) == 2 and steady[0].startswith("SELECT plots.id, plots.public_version"), steady  # + the scan
    assert len(rebuild) <= 18, rebuild
    with given():  # more crops, photos and tests must not mean more queries
        plot = db.session.merge(cycle.plot)
        for n in range(4):
            plot.crops.append(crop(f"พืชเพิ่ม {n}"))
            db.session.add(PlotPhoto(plot=plot, stored_name=f"{n:032x}.jpg", width=10, height=10))
    assert len(queries()) == len(rebuild)  # the change moved the version on: rebuilt
    assert len(queries()) == len(steady)



def test_codes_that_name_no_plot_are_limited_per_address_and_real_plots_never(client, given, app, monkeypatch):
    """Someone trying codes: past QR_MISS_RATE_LIMIT an address gets a bare 429 for each code that names no plot,
    while it still gets every real plot's page, and other addresses are untouched."""
    from greensmile.plots.codes import check_character

    with given():
        cycle = make_cycle()
    monkeypatch.setitem(app.config, "QR_MISS_RATE_LIMIT", "3 per 7 minutes")
    here, elsewhere = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.9"}
    missing = ["ZZ9" + f"{n:02d}" for n in range(4)]
    answers = [client.get(f"/p/{code}{check_character(code)}", environ_base=here).status_code for code in missing]
    assert answers == [404, 404, 404, 429]
    refused = client.get(f"/p/ZZ904{check_character('ZZ904')}", environ_base=here)
    assert refused.status_code == 429 and "ลองหลายครั้งเกินไป" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"] == "60" and "no-store" in refused.headers["Cache-Control"]
    for _ in range(3):
        assert client.get(f"/p/{cycle.plot.code}", environ_base=here).status_code == 200
    assert client.get(f"/p/ZZ900{check_character('ZZ900')}", environ_base=elsewhere).status_code == 404


def test_every_limit_of_the_miss_setting_counts_and_a_bad_setting_never_fails_a_page(client, given, app, monkeypatch):
    from greensmile.plots.codes import check_character

    here = {"REMOTE_ADDR": "203.0.113.77"}
    monkeypatch.setitem(app.config, "QR_MISS_RATE_LIMIT", "50 per 11 minutes;2 per 13 hours")  # the second bites
    answers = [client.get(f"/p/ZY9{n:02d}{check_character(f'ZY9{n:02d}')}", environ_base=here).status_code
               for n in range(3)]
    assert answers == [404, 404, 429]
    monkeypatch.setitem(app.config, "QR_MISS_RATE_LIMIT", "a hundred or so")  # a setting the limiter cannot read
    assert client.get(f"/p/ZY950{check_character('ZY950')}", environ_base=here).status_code == 404
