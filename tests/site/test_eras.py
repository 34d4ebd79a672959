"""The year and date fields: the Buddhist era (what Thai people write) and the Christian era, never confused."""
from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.validators import Optional

from greensmile.forms import BaseForm, DateField, YearField, required, this_year


class _Form(BaseForm):
    year = YearField("Year", validators=[required()], first=1950)
    maybe = YearField("Maybe", validators=[Optional()], first=1950)
    day = DateField("Day", validators=[Optional()])


def _posted(**fields) -> _Form:
    form = _Form(formdata=MultiDict(fields), meta={"csrf": False})
    form.validate()
    return form


@pytest.mark.parametrize(("typed", "stored", "era"), [
    ("2566", 2023, "be"), ("2023", 2023, "ce"), (" 2493 ", 1950, "be"), ("1950", 1950, "ce"), ("๒๕๖๖", 2023, "be"),
])
def test_a_year_in_either_era_is_kept_in_the_christian_era(app_ctx, typed, stored, era):
    form = _posted(year=typed)
    assert not form.year.errors and (form.year.data, form.year.era) == (stored, era)


def test_this_year_is_taken_in_both_eras_and_next_year_in_neither(app_ctx):
    year = this_year()
    assert _posted(year=str(year)).year.data == _posted(year=str(year + 543)).year.data == year
    for typed in (str(year + 1), str(year + 544)):
        assert _posted(year=typed).year.data is None


@pytest.mark.parametrize("typed", ["2100", "1949", "2492", "66", "3000", "2566.5", "พ.ศ.", "-2566"])
def test_a_year_in_neither_era_is_refused_naming_both_ranges(app_ctx, typed):
    form = _posted(year=typed)
    assert form.year.data is None and len(form.year.errors) == 1
    message = str(form.year.errors[0])
    assert "2493" in message and str(this_year() + 543) in message and "1950" in message and str(this_year()) in message


def test_an_empty_optional_year_is_none_and_a_required_one_is_asked_for(app_ctx):
    form = _posted(year="", maybe="")
    assert form.maybe.data is None and not form.maybe.errors
    assert form.year.errors and form.year.data is None


def test_the_eras_cannot_be_set_to_meet(app_ctx):
    class TooEarly(BaseForm):
        year = YearField("Year", first=1600)  # C.E. 1600 to 2026 would meet B.E. 2143 to 2569

    with pytest.raises(ValueError):
        TooEarly(meta={"csrf": False})


def test_the_year_says_how_it_was_read(app_ctx):
    assert "2566" in _posted(year="2566").year.understood() and "2023" in _posted(year="2566").year.understood()
    assert _posted(maybe="").maybe.understood() is None


@pytest.mark.parametrize(("typed", "expected", "buddhist"), [
    ("2026-12-05", date(2026, 12, 5), False),
    ("2569-12-05", date(2026, 12, 5), True),
    ("5/12/2569", date(2026, 12, 5), True),
    ("05/12/2026", date(2026, 12, 5), False),
    ("2567-02-29", date(2024, 2, 29), True),  # a leap day of B.E. 2567 (2024), though C.E. 2567 has none
])
def test_a_typed_date_past_2400_is_read_in_the_buddhist_era(app_ctx, typed, expected, buddhist):
    form = _posted(day=typed)
    assert not form.day.errors and (form.day.data, form.day.buddhist) == (expected, buddhist)
    assert (form.day.understood() is not None) == buddhist


@pytest.mark.parametrize("typed", ["2569-13-05", "2025-02-29", "5 ธันวาคม 2569", "2569/12/05"])
def test_a_date_that_is_no_day_is_refused(app_ctx, typed):
    form = _posted(day=typed)
    assert form.day.data is None and form.day.errors
