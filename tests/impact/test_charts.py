"""The SVG bar chart: bars in proportion, every figure written beside its bar, text escaped, nothing fetched."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from greensmile.impact.charts import FIGURE_ROOM, WIDTH, Bar, bar_chart


def test_bars_are_in_proportion_and_carry_their_figures():
    svg = str(bar_chart("ขายปีนี้", [Bar("ผู้บริโภค", 300, "฿3"), Bar("หน่วยงาน <ครัว>", 150, "฿1.50"),
                                     Bar("ไม่มี", 0, "฿0")]))
    root = ET.fromstring(svg)  # well-formed: the label's < and > are escaped
    widths = [int(rect.get("width")) for rect in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths == [WIDTH - FIGURE_ROOM, (WIDTH - FIGURE_ROOM) // 2, 0]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["ผู้บริโภค", "฿3", "หน่วยงาน <ครัว>", "฿1.50", "ไม่มี", "฿0"]
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", svg)  # nothing from elsewhere


def test_a_long_label_is_shortened_but_kept_whole_in_the_tooltip():
    name = "มาตรฐานเกษตรอินทรีย์แบบมีส่วนร่วม (PGS) ของเครือข่ายเกษตรกรสงขลา"
    svg = str(bar_chart("พื้นที่", [Bar(name, 2.5, "2.5 ไร่")]))
    assert f"<title>{name}: 2.5 ไร่</title>" in svg and ">" + name + "<" not in svg and "…" in svg
