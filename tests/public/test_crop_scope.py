"""The plot's public page shows the crops its certificate covers, and those not yet inspected (issue 16)."""
from __future__ import annotations

import re

from tests.certification.helpers import certified, grow, make_cycle


def _section(html: str, marker: str) -> str:
    found = re.search(rf'<p class="tags" {marker}>(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_the_public_page_shows_the_covered_crops_and_marks_the_new_one_not_yet_inspected(client, given):
    with given():
        cycle = make_cycle(crops=("คะน้า", "ผักบุ้ง", "พริก"))
        certified(cycle)
        grow(cycle.plot, "ทุเรียน")
    html = client.get(f"/p/{cycle.plot.code}?lang=en").get_data(as_text=True)
    covered, waiting = _section(html, "data-covered"), _section(html, "data-not-inspected")
    assert "Crops the certificate covers" in html
    assert all(name in covered for name in ("คะน้า", "ผักบุ้ง", "พริก")) and "ทุเรียน" not in covered
    assert "ทุเรียน" in waiting and "not yet inspected" in waiting


def test_a_plot_never_certified_lists_what_it_grows(client, given):
    with given():
        cycle = make_cycle()
    html = client.get(f"/p/{cycle.plot.code}?lang=en").get_data(as_text=True)
    assert "Grown here" in html and "Crops the certificate covers" not in html and "ผักบุ้ง" in html


def test_a_revoked_certificate_covers_no_crops_on_the_public_page(client, given):
    from greensmile.certification import services as certification

    with given():
        cycle = make_cycle(crops=("คะน้า",))
        cert = certified(cycle)
        certification.revoke(cert, cycle.committee, "พบการใช้สารเคมี")
    html = client.get(f"/p/{cycle.plot.code}?lang=en").get_data(as_text=True)
    assert "Crops the certificate covers" not in html and "Grown here" in html
