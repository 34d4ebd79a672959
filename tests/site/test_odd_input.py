"""Odd input a hostile tester sends is refused 400 with a message, never a 500, and nothing is written: control
characters in a query string, a form or JSON; page numbers and ids past what a column holds; JSON nested or sized
past reason; numbers that broke a message's formatting."""
from __future__ import annotations

import json
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms.validators import Length, NumberRange

from greensmile import input_hygiene
from greensmile.accounts.models import Role, User
from greensmile.certification import services as certification
from greensmile.certification.models import Inspection
from greensmile.certification.services import today
from greensmile.extensions import db
from greensmile.listings.models import Listing
from greensmile.rubber.forms import HarvestForm
from greensmile.rubber.models import Harvest
from greensmile.trees.models import Measurement
from tests.certification.helpers import apply_for, make_cycle
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user
from tests.orders.helpers import make_market
from tests.rubber.helpers import make_group
from tests.site.formclasses import form_classes, form_id
from tests.trees.helpers import make_tree_bank

# The refusal in the page's language: English for the signed-in coordinator below, Thai where a page follows the
# visitor's language instead (the public plot page) or nobody is signed in.
CONTROL_MESSAGES = ("control character", "อักขระควบคุม")


def _says_control(text: str) -> bool:
    return any(message in text for message in CONTROL_MESSAGES)
NUMBER_MESSAGE = "whole number from 1 to 2147483647"
HUGE = "99999999999999999999999"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def coordinator(client, given):
    """A coordinator who also farms (so the farm's order list is theirs too), signed in, pages in English."""
    with given():
        make_user(Role.COORDINATOR, Role.FARMER, email="odd@example.com", locale="en")
    login(client, "odd@example.com", PASSWORD)
    return client


# ---------------------------------------------------------------- control characters
@pytest.mark.parametrize("url", [
    "/market?q=%00", "/market?q=kale%01", "/market?%00=1", "/plots?q=%00", "/users?q=%00", "/api/v1/plots?q=%00",
    "/api/v1/listings?q=%1b", "/p/%00",
])
def test_a_control_character_in_the_address_is_refused_with_a_message(coordinator, url):
    response = coordinator.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert _says_control(response.get_json()["error"]["message"])
    else:
        assert _says_control(response.get_data(as_text=True))


def test_tab_and_new_lines_are_no_control_characters_we_refuse(coordinator):
    assert coordinator.get("/market?q=kale%09greens").status_code == 200
    assert coordinator.get("/plots?q=a%0d%0ab").status_code == 200


def test_a_phone_asking_for_json_is_answered_in_its_shape(coordinator):
    response = coordinator.get("/market?q=%00", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["code"] == "unreadable" and _says_control(response.get_json()["message"])


def test_a_nul_in_the_log_in_form_is_refused_and_nobody_is_signed_in(client, given):
    with given():
        make_user(Role.FARMER, email="nul@example.com")
    refused = post_form(client, "/login?lang=en", {"login": "nul@example.com\x00", "password": PASSWORD},
                        page="/login")
    assert refused.status_code == 400 and _says_control(refused.get_data(as_text=True))
    assert client.get("/account").status_code == 302  # still signed out: to the log-in page


def test_a_nul_in_the_profile_changes_nothing(client, given, app):
    with given():
        user = make_user(Role.FARMER, email="profile@example.com", display_name="ชื่อเดิม", locale="en")
    login(client, "profile@example.com", PASSWORD)
    refused = post_form(client, "/account", {"display_name": "ชื่อ\x00ใหม่", "phone": "", "address": "",
                                             "locale": "en"})
    assert refused.status_code == 400 and _says_control(refused.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(User, user.id).display_name == "ชื่อเดิม"


def test_a_control_character_in_a_listing_form_makes_no_listing(client, given, app):
    with given():
        market = make_market()
    login(client, "farmer@example.com", PASSWORD)
    harvest = market.listing.harvest_on
    form = {"plot_id": market.cycle.plot.id, "crop_id": market.listing.crop_id, "unit": "kg", "price": "50",
            "quantity": "5", "title": "ผักบุ้ง\x07", "harvest_on": harvest.isoformat(),
            "order_by_date": today().isoformat(), "order_by_time": "23:59", "pickup_points": market.stall.id}
    refused = post_form(client, "/farm/listings/new", form)
    assert refused.status_code == 400
    assert _count(app, Listing) == 1  # the market's own


# ---------------------------------------------------------------- page numbers and ids
LISTS = ["/market", "/plots", "/users", "/farm/orders", "/groups", "/api/v1/plots", "/api/v1/listings"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", [f"page={HUGE}", "page=0", "page=-1", "page=abc", "page=", "page=%C2%B2",
                                  f"per_page={HUGE}", "per_page=0"])
def test_a_page_number_no_list_has_is_refused(coordinator, url, page):
    response = coordinator.get(f"{url}?{page}")
    assert response.status_code == 400, (url, page)
    body = response.get_json()["error"]["message"] if url.startswith("/api/") else response.get_data(as_text=True)
    assert NUMBER_MESSAGE in body


@pytest.mark.parametrize("url", [url for url in LISTS if url != "/users"])  # /users: accounts' own page
def test_a_page_past_the_last_is_not_found_and_the_first_always_answers(coordinator, url):
    assert coordinator.get(f"{url}?page=1").status_code == 200
    assert coordinator.get(f"{url}?page=1000").status_code == 404


def test_ids_in_the_query_string_are_bounded(coordinator):
    assert coordinator.get(f"/api/v1/plots?group={HUGE}").status_code == 400
    assert coordinator.get(f"/api/v1/plots?crop={HUGE}").status_code == 400
    assert coordinator.get("/api/v1/plots?crop=%C2%B2").status_code == 400  # "²" is a digit to isdigit(), not int()
    assert coordinator.get(f"/api/v1/listings?crop={HUGE}").status_code == 400
    labels = coordinator.get(f"/labels?group={HUGE}")
    assert labels.status_code == 400 and NUMBER_MESSAGE in labels.get_data(as_text=True)
    assert coordinator.get("/labels?group=1").status_code == 200


def test_the_inspection_forms_supersedes_id_is_bounded(client, given):
    with given():
        cycle = make_cycle()
        assignment = certification.assign(apply_for(cycle), cycle.inspector, date.today(), cycle.coordinator)
    login(client, "inspector@example.com", PASSWORD)
    assert client.get(f"/inspections/assignments/{assignment.id}?supersedes={HUGE}").status_code == 400


def test_a_cart_line_with_an_odd_listing_number_is_no_500(client, given):
    with given():
        make_market()
    login(client, "buyer@example.com", PASSWORD)
    for odd in ("²", HUGE, "-1"):
        response = post_form(client, "/cart", {"listing_id": odd, "quantity": "1"})
        assert response.status_code < 500, odd


# ---------------------------------------------------------------- JSON
DEEP = "[" * 100_000 + "]" * 100_000


def _inspection(client, field: str, token: str):
    return client.post("/inspections/sync", data={"inspection": field},
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


@pytest.fixture
def inspection(client, given):
    with given():
        cycle = make_cycle()
        application = apply_for(cycle)
        assignment = certification.assign(application, cycle.inspector, date.today(), cycle.coordinator)
        payload = {
            "client_uuid": str(uuid.uuid4()), "assignment_id": assignment.id, "visited_at": "2026-11-20T03:15:00Z",
            "recommendation": "certify", "summary": "", "position": {"latitude": 7.1, "longitude": 100.4,
                                                                     "accuracy": 9.5},
            "answers": {str(item.id): {"answer": "compliant", "note": ""} for item in application.version.items},
            "photos": [],
        }
    login(client, "inspector@example.com", PASSWORD)
    return payload, csrf_token(client, "/inspections")


@pytest.mark.parametrize("odd", [
    pytest.param(lambda payload: DEEP, id="nested 100,000 deep"),
    pytest.param(lambda payload: json.dumps({**payload, "summary": "a\u0000b"}), id="NUL in a string"),
    pytest.param(lambda payload: json.dumps({**payload, "answers": {"x\u0001": {}}}), id="control in a key"),
    pytest.param(lambda payload: json.dumps({**payload, "assignment_id": 10**20}), id="id past the column"),
    pytest.param(lambda payload: json.dumps({**payload, "assignment_id": 1e308}), id="id as 1e308"),
    pytest.param(lambda payload: json.dumps({**payload, "position": {"latitude": 1e308, "longitude": 1}}),
                 id="latitude 1e308"),
    pytest.param(lambda payload: json.dumps({**payload, "position": {"latitude": 7, "longitude": 100,
                                                                     "accuracy": 1e308}}), id="accuracy 1e308"),
    pytest.param(lambda payload: json.dumps(payload).replace('"accuracy": 9.5', '"accuracy": NaN'), id="NaN"),
    pytest.param(lambda payload: json.dumps({**payload, "visited_at": "0001-01-01T00:00:00+01:00"}),
                 id="visited in year 1"),
])
def test_odd_json_to_the_inspection_sync_is_refused_and_stores_nothing(inspection, client, app, odd):
    payload, token = inspection
    response = _inspection(client, odd(payload), token)
    assert response.status_code == 400 and response.get_json()["status"] == "error"
    assert _count(app, Inspection) == 0
    assert _inspection(client, json.dumps(payload), token).status_code == 201  # the good one still goes


def test_a_deep_json_body_is_refused_at_the_door(inspection, client, app):
    _payload, token = inspection
    response = client.post("/inspections/sync", data=DEEP, content_type="application/json",
                           headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["code"] == "unreadable"
    nul = client.post("/inspections/sync", data=json.dumps({"a": "\u0000"}), content_type="application/json",
                      headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert nul.status_code == 400 and _says_control(nul.get_json()["message"])


def _day(plot_code: str, girth, height=8) -> str:
    return json.dumps({"measured_on": today().isoformat(), "confirmed": False, "rows": [
        {"client_uuid": str(uuid.uuid4()), "plot": plot_code, "tag": "T-001", "girth_cm": girth, "height_m": height,
         "photo": None}]})


@pytest.mark.parametrize("odd", [
    pytest.param(lambda code: DEEP, id="nested 100,000 deep"),
    pytest.param(lambda code: _day(code, 1e308), id="girth 1e308"),
    pytest.param(lambda code: _day(code, "1e308"), id="girth '1e308'"),
    pytest.param(lambda code: _day(code, 60, -1e308), id="height -1e308"),
    pytest.param(lambda code: _day(code, 60).replace('"girth_cm": 60', '"girth_cm": 1e999'), id="girth 1e999"),
    pytest.param(lambda code: _day(code, 60).replace('"girth_cm": 60', '"girth_cm": Infinity'), id="Infinity"),
    pytest.param(lambda code: _day(code, 60).replace('"T-001"', '"T-\\u0000001"'), id="NUL in a tag"),
    pytest.param(lambda code: _day(code, 60).replace(today().isoformat(), "0001-01-01"), id="measured in year 1"),
])
def test_odd_json_to_the_measuring_sync_is_refused_and_stores_nothing(client, given, app, odd):
    with given():
        world = make_tree_bank()
    login(client, "planter@example.com", PASSWORD)
    page = f"/trees/plots/{world.plot.code}/measure"
    token = csrf_token(client, page)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    response = client.post("/trees/sync", data={"day": odd(world.plot.code)}, headers=headers)
    assert response.status_code == 400 and response.get_json()["status"] == "error"
    assert _count(app, Measurement) == 0
    assert client.post("/trees/sync", data={"day": _day(world.plot.code, 60)}, headers=headers).status_code == 201


def test_the_depth_is_measured_outside_strings_and_escapes():
    assert input_hygiene.loads("[" * 32 + "]" * 32) is not None
    with pytest.raises(input_hygiene.UnreadableJSON):
        input_hygiene.loads("[" * 33 + "]" * 33)
    assert input_hygiene.loads(json.dumps(["[" * 1000, '\\"[[[', {"{": "}}}"}])) == ["[" * 1000, '\\"[[[', {"{": "}}}"}]
    with pytest.raises(input_hygiene.UnreadableJSON):
        input_hygiene.loads(" " * (input_hygiene.JSON_MAX_CHARS + 1))
    with pytest.raises(ValueError):  # not JSON at all: still a ValueError, which every reader answers 400
        input_hygiene.loads('"unterminated \\" [[[')


# ---------------------------------------------------------------- numbers in a message
@pytest.mark.parametrize("drc", ["0", "-1", "150", "NaN", "sNaN", "Infinity", "1e308"])
def test_a_rubber_harvest_with_an_impossible_drc_is_refused_with_a_message(client, given, app, drc):
    with given():
        world = make_group(area_m2="16000")
    login(client, "tapper0@example.com", PASSWORD)
    url = f"/rubber/plots/{world.plots[0].code}"
    refused = post_form(client, f"{url}/harvests", {"harvested_on": today().isoformat(), "product": "field_latex",
                                                     "weight_kg": "100", "drc_percent": drc}, page=url)
    assert refused.status_code == 400
    assert _count(app, Harvest) == 0


def test_the_drc_message_names_its_range(app):
    with app.test_request_context(), force_locale("en"):
        form = HarvestForm(formdata=MultiDict({"harvested_on": today().isoformat(), "product": "field_latex",
                                               "weight_kg": "100", "drc_percent": "150"}), meta={"csrf": False})
        assert not form.validate()
        assert form.drc_percent.errors == ["Enter the dry rubber content the buyer measured, in per cent: more than 0, "
                                           "at most 100."]
        assert Decimal("100") == form.drc_percent.validators[1].max


def _ranged_validators():
    for form_class in form_classes():
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            if not getattr(unbound, "_formfield", False):
                continue
            for validator in unbound.kwargs.get("validators") or []:
                if isinstance(validator, (NumberRange, Length)) and validator.message is not None:
                    yield pytest.param(validator, id=f"{form_id(form_class)}.{name}.{type(validator).__name__}")


@pytest.mark.parametrize("validator", list(_ranged_validators()))
@pytest.mark.parametrize("locale", ["th", "en"])
def test_every_range_message_survives_wtforms_formatting(app, validator, locale):
    # NumberRange and Length put their bounds into their message with %: a bare % in it ("DRC %") raised, as a 500.
    with app.test_request_context(), force_locale(locale):
        text = str(validator.message) % {"min": validator.min, "max": validator.max, "length": 0}
    assert text.strip()


def test_a_text_field_sent_as_a_file_part_is_not_taken_as_text(client, given, app):
    """A browser sends text fields as text; a tool can send any field as a file part. Only a form's file fields take
    files: the sign-up's name arriving as a file is a missing name (the form again), never a 500."""
    import io

    from greensmile.accounts.models import User

    page = client.get("/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/signup", data={
        "csrf_token": token, "email": "file@example.com", "password": "long-enough-pass", "confirm": "long-enough-pass",
        "display_name": (io.BytesIO(b"\x00\x01 name"), "x\x01.txt")}, content_type="multipart/form-data")
    assert answer.status_code in (200, 400)
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "file@example.com")) is None
