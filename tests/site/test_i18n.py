import re
from datetime import date, datetime, timezone
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from greensmile.config import ROOT
from greensmile.i18n import format_baht, format_date_for, format_datetime_for

CATALOGUE = ROOT / "greensmile" / "translations" / "th" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="th")


def test_buddhist_era_in_thai_and_gregorian_in_english():
    assert format_date_for(date(2026, 11, 23), "th") == "23 พ.ย. 2569"
    assert format_date_for(date(2026, 11, 23), "en") == "23 Nov 2026"
    assert format_date_for(date(2026, 11, 23), "th", "long") == "23 พฤศจิกายน 2569"
    assert format_date_for(date(2027, 1, 5), "th") == "5 ม.ค. 2570"
    assert format_date_for(date(2026, 11, 1), "th", "month") == "พฤศจิกายน 2569"  # an invoice's month
    assert format_date_for(date(2026, 11, 1), "en", "month") == "November 2026"
    assert format_date_for(None, "th") == ""


def test_datetime_shows_bangkok_time_in_templates(app):
    from flask import render_template_string

    # 18:30 UTC on New Year's Eve is already 1 January 01:30 in Bangkok.
    moment = datetime(2026, 12, 31, 18, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        assert render_template_string("{{ m|datetime }}", m=moment) == "1 ม.ค. 2570 01:30"
        assert render_template_string("{{ m|date }}", m=moment) == "1 ม.ค. 2570"
    assert format_datetime_for(datetime(2026, 11, 23, 14, 5), "en") == "23 Nov 2026 14:05"


def test_baht_from_integer_satang():
    assert format_baht(123450, "th") == "฿1,234.50"
    assert format_baht(4500, "en") == "฿45"
    assert format_baht(5, "th") == "฿0.05"
    assert format_baht(-2500, "th") == "-฿25"
    assert format_baht(None, "th") == ""


def test_baht_filter_in_a_template(app):
    from flask import render_template_string

    with app.test_request_context():
        assert render_template_string("{{ 150000|baht }}") == "฿1,500"


def test_thai_catalogue_is_complete_and_consistent():
    catalogue = _catalogue()
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or "fuzzy" in message.flags:
            problems.append(f"untranslated: {message.id!r}")
        elif any(set(PLACEHOLDER.findall(ids[0])) != set(PLACEHOLDER.findall(text)) for text in strings):
            problems.append(f"placeholders differ: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_every_message_in_the_code_is_in_the_thai_catalogue():
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in _catalogue() if message.id}
    method_map = [("greensmile/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "lazy_ngettext": (1, 2)}
    missing = []
    # Only hidden directories are skipped: templates/_macros must be searched too.
    def not_hidden(path):
        return not Path(path).name.startswith(".")

    extracted = list(
        extract_from_dir(str(ROOT), method_map=method_map, keywords=keywords, directory_filter=not_hidden)
    )
    assert any(filename.startswith("templates/_macros") for filename, *_ in extracted)
    for filename, lineno, message, _comments, _context in extracted:
        message = message if isinstance(message, str) else message[0]
        if message not in known:
            missing.append(f"{filename}:{lineno}: {message!r}")
    assert not missing, "add these to the Thai catalogue (make translations-update):\n" + "\n".join(missing)


def test_compiled_catalogue_is_used(client):
    # The .mo is built from the .po by make; a page in Thai proves it is loaded.
    assert Path(CATALOGUE.with_suffix(".mo")).exists()
    assert "เข้าสู่ระบบ" in client.get("/login").get_data(as_text=True)
