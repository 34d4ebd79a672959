"""One date rule for every date field of every form: a year from 2400 is the Buddhist era (2569-12-05 is 5 December
2026), and each field takes only the range its meaning has, so 9999-12-31 or 1483 is refused with the range named in
the page's era, never stored.

The fields are not listed by hand: every form class the app defines is walked, so a new date field that is WTForms'
plain one, or ours without a range of its own, fails here."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms.fields import DateField as WTFormsDateField
from wtforms.fields import DateTimeField, TimeField

from greensmile.certification.models import ResidueTest
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.forms import DateField
from greensmile.i18n import format_date_for
from greensmile.listings.models import Listing
from greensmile.supporters.models import SupportPledge
from greensmile.trees.models import Tree
from tests.certification.helpers import certified, make_cycle, png
from tests.conftest import form_keys, login, post_form
from tests.factories import PASSWORD
from tests.orders.helpers import make_market
from tests.site.formclasses import form_classes, form_id
from tests.supporters.helpers import make_supporters
from tests.trees.helpers import make_tree_bank

BE = 543


def _date_fields():
    """(form class, field name, its unbound field) for every date-like field any form declares."""
    found = []
    for form_class in form_classes():
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            kind = unbound.field_class if getattr(unbound, "_formfield", False) else None
            # Anything holding a year (a time of day holds none, though WTForms makes TimeField a DateTimeField).
            if kind and issubclass(kind, (WTFormsDateField, DateTimeField)) and not issubclass(kind, TimeField):
                found.append((form_class, name, unbound))
    return found


DATE_FIELDS = _date_fields()


def _id(case) -> str:
    form_class, name, _unbound = case
    return f"{form_id(form_class)}.{name}"


def _month(unbound) -> bool:
    return unbound.kwargs.get("format") == "%Y-%m"


def _typed(day: date, month: bool, era: int = 0) -> str:
    return f"{day.year + era}-{day.month:02d}" if month else f"{day.year + era}-{day.month:02d}-{day.day:02d}"


def _field(app, form_class, name: str, typed: str):
    """The form built from a post holding only this field, validated; the field as it came out."""
    with app.test_request_context(), force_locale("en"):
        form = form_class(formdata=MultiDict({name: typed}), meta={"csrf": False})
        form[name].validate(form)  # the field alone: the form's choices are set by its view
        return form[name]


def test_the_walk_finds_the_date_fields():
    names = {_id(case) for case in DATE_FIELDS}
    assert {"listings.forms.ListingForm.harvest_on", "trees.forms.TreeForm.planted_on",
            "certification.forms.ResidueTestForm.tested_on", "supporters.forms.PledgeForm.starts_on",
            "bulk.forms.InvoiceForm.month"} <= names
    assert len(names) >= 25


@pytest.mark.parametrize("case", DATE_FIELDS, ids=_id)
def test_every_date_field_is_ours_with_a_range_of_its_own(case):
    _form_class, _name, unbound = case
    assert issubclass(unbound.field_class, DateField), "use greensmile.forms.DateField, which knows the eras"
    assert {"earliest", "latest"} <= set(unbound.kwargs), "give the field the range its meaning has"


@pytest.mark.parametrize("case", DATE_FIELDS, ids=_id)
def test_every_date_field_refuses_year_9999_and_1483_naming_its_range(app, case):
    form_class, name, unbound = case
    month = _month(unbound)
    for typed in (("9999-12", "1483-06") if month else ("9999-12-31", "1483-06-01", "31/12/9999")):
        field = _field(app, form_class, name, typed)
        assert field.data is None, typed
        word = "month" if month else "date"
        assert field.errors == [field.process_errors[0]] and field.errors[0].startswith(f"Enter a {word} from "), (
            typed, field.errors)


@pytest.mark.parametrize("case", DATE_FIELDS, ids=_id)
def test_every_date_field_reads_a_buddhist_year_and_keeps_to_its_range(app, case):
    form_class, name, unbound = case
    month = _month(unbound)
    with app.test_request_context():
        first, last = form_class(meta={"csrf": False})[name].bounds()
    assert first <= today() - timedelta(days=1) or last >= today() + timedelta(days=1)  # a range, not a day
    inside = min(max(today(), first), last)
    expected = inside.replace(day=1) if month else inside
    for era in (BE, 0):
        field = _field(app, form_class, name, _typed(inside, month, era))
        assert (field.data, field.errors, field.buddhist) == (expected, [], era == BE), era
    after = (last.replace(day=28) + timedelta(days=4)) if month else last + timedelta(days=1)
    for outside in (after, first - timedelta(days=1)):
        field = _field(app, form_class, name, _typed(outside, month, BE))
        assert field.data is None and field.errors[0].startswith("Enter a "), outside
    # The example in the rule: 2569-12-05 is 5 December 2026, taken where that day is in range and refused by the
    # range (not as no date at all) where it is not.
    if not month:
        field = _field(app, form_class, name, "2569-12-05")
        if first <= date(2026, 12, 5) <= last:
            assert field.data == date(2026, 12, 5) and field.buddhist
        else:
            assert field.data is None and field.errors[0].startswith("Enter a date from ")


def test_a_month_field_reads_a_buddhist_year_too(app):
    from greensmile.bulk.forms import InvoiceForm

    field = _field(app, InvoiceForm, "month", f"{today().year + BE}-{today().month:02d}")
    assert field.data == today().replace(day=1) and field.buddhist and not field.errors


def test_the_range_is_named_in_the_pages_era(app):
    from greensmile.listings.forms import ListingForm

    with app.test_request_context(), force_locale("th"):
        form = ListingForm(formdata=MultiDict({"harvest_on": "9999-12-31"}), meta={"csrf": False})
        first, last = form.harvest_on.bounds()
        message = form.harvest_on.process_errors[0]
    assert format_date_for(first, "th") in message and format_date_for(last, "th") in message
    assert str(last.year + BE) in message


# ---------------------------------------------------------------- through HTTP
def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _listing_form(market, harvest: str) -> dict:
    return {"plot_id": market.cycle.plot.id, "crop_id": market.listing.crop_id, "unit": "kg", "price": "50",
            "quantity": "5", "harvest_on": harvest, "order_by_date": today().isoformat(), "order_by_time": "23:59",
            "pickup_points": market.stall.id}


def test_a_listing_harvested_in_9999_is_refused_and_2569_is_read_as_2026(client, given, app):
    with given():
        market = make_market()
    login(client, "farmer@example.com", PASSWORD)
    refused = post_form(client, "/farm/listings/new", _listing_form(market, "9999-12-31"))
    assert refused.status_code == 400  # the form again, as it was typed, with the refusal
    page = refused.get_data(as_text=True)
    assert "กรอกวันที่ตั้งแต่" in page  # "Enter a date from", on the Thai page
    assert format_date_for(today() + timedelta(days=365), "th") in page  # the range, in the Thai page's era
    assert "10542" not in page and _count(app, Listing) == 1
    harvest = today() + timedelta(days=3)
    made = post_form(client, "/farm/listings/new", _listing_form(market, f"{harvest.year + BE}-{harvest:%m-%d}"))
    assert made.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.max(Listing.harvest_on))) == harvest


def test_a_tree_planted_in_1483_or_tomorrow_is_refused(client, given, app):
    with given():
        world = make_tree_bank(tags=())
    login(client, "planter@example.com", PASSWORD)
    url = f"/trees/plots/{world.plot.code}"
    for planted in ("1483-05-01", (today() + timedelta(days=1)).isoformat()):
        refused = post_form(client, f"{url}/trees", {"tag": "N-1", "species_id": str(world.teak.id),
                                                     "planted_on": planted, "photo": (io.BytesIO(png()), "a.png")},
                            page=url, content_type="multipart/form-data")
        assert refused.status_code == 400, planted
    assert _count(app, Tree) == 0


def test_a_residue_test_in_1483_or_the_future_is_refused(client, given, app):
    with given():
        cycle = make_cycle()
        certified(cycle)
    login(client, "coord@example.com", PASSWORD)
    plot_page = f"/plots/{cycle.plot.code}"
    for tested in ("1483-05-01", "9999-12-31", (today() + timedelta(days=1)).isoformat()):
        form = {"tested_on": tested, "sample": "คะน้า", "substance": "คลอร์ไพริฟอส", "method": "lab",
                "result": "passed"}
        response = post_form(client, plot_page + "/residue-tests", form, page=plot_page)
        assert response.status_code == 400, tested
        assert "กรอกวันที่ตั้งแต่" in response.get_data(as_text=True), tested  # the form again, with the range
    assert _count(app, ResidueTest) == 0


def test_a_supporter_pledge_from_1483_is_refused(client, given, app):
    with given():
        world = make_supporters()
    login(client, "giver@foundation.example", PASSWORD)
    typed = {"supporter_id": str(world.foundation.id), "kind": "money", "title": "ทุนค่าตรวจแปลง",
             "beneficiary": f"g{world.group.id}", "plot_code": "", "amount_baht": "5000", "crop_id": "0",
             "starts_on": "1483-01-01"}
    refused = client.post("/support/pledges", data={**form_keys(client, "/support"), **typed})
    assert refused.status_code == 400
    assert _count(app, SupportPledge) == 0


@pytest.mark.parametrize("utc_hour", [17, 23])
def test_today_is_the_day_in_bangkok_after_its_midnight(app, utc_hour):
    """At 17:30 and 23:30 UTC it is already the next day in Songkhla: a residue test done this morning there is
    today's, not the future's, and the day after is the future."""
    from datetime import datetime, timezone

    import time_machine

    from greensmile.certification.forms import ResidueTestForm

    with time_machine.travel(datetime(2026, 12, 5, utc_hour, 30, tzinfo=timezone.utc), tick=False):
        bangkok_today = _field(app, ResidueTestForm, "tested_on", "2026-12-06")
        assert (bangkok_today.data, bangkok_today.errors) == (date(2026, 12, 6), [])
        tomorrow = _field(app, ResidueTestForm, "tested_on", "2026-12-07")
        assert tomorrow.data is None and tomorrow.errors
