"""Erasure: a farmer asks, a coordinator decides; afterwards no personal field of the farmer is readable anywhere in
the database or on the public pages, while the plot's certification history and the kitchen's invoice still read
correctly, and what is kept carries its reason and its end."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from greensmile.accounts.models import LineLink, Role, User
from greensmile.bulk import delivery, invoices
from greensmile.bulk import shares as sharing
from greensmile.certification.models import Application
from greensmile.clock import today
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.listings import services as listings
from greensmile.listings.models import Listing, ListingStatus
from greensmile.media import storage
from greensmile.media.storage import image_path
from greensmile.notifications.models import Notification
from greensmile.notifications.services import Message, notify
from greensmile.orders.models import Order, OrderStatus
from greensmile.payments import services as payments
from greensmile.plots import services as plots
from greensmile.plots.models import ChangeSource, Plot, PlotChange, PlotPhoto
from greensmile.privacy import erasure
from greensmile.privacy import services as consents
from greensmile.privacy.models import (
    DataExport,
    ErasureRequest,
    ErasureStatus,
    ExportStatus,
    HoldKind,
    Purpose,
    RetentionHold,
)
from tests.bulk.helpers import make_kitchen, month_after, on_the_day, order_for
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_plot, make_user
from tests.orders.helpers import listing_data, stall
from tests.plots.test_photos import jpeg_with_gps

NAME = "สมหญิง ลบข้อมูลได้"
PHONE = "0891234567"
EMAIL = "farmer@example.com"
ADDRESS = "99 หมู่ 4 ต.คลองแห อ.หาดใหญ่"
LINE_NAME = "Somying ชาวสวน"
PAYEE = "น.ส. สมหญิง ลบข้อมูลได้"
PERSONAL = [NAME, PHONE, "089-123-4567", "089-1234567", "+66891234567", EMAIL, ADDRESS, LINE_NAME, PAYEE]
BYSTANDER = NAME + "มาก"  # another person whose name holds hers
BYSTANDER_PLOT = "แปลงป้าสมหญิงริมคลองแห"


def _everything_written() -> str:
    """Every text and JSON cell of every table, as one text (JSON decoded, so Thai reads as Thai)."""
    parts = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, (sa.String, sa.Text, sa.JSON)) and not isinstance(c.type, sa.Enum)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for value in row:
                if value is None:
                    continue
                parts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
                if isinstance(value, str) and value.startswith(("{", "[")):
                    try:
                        parts.append(json.dumps(json.loads(value), ensure_ascii=False))
                    except ValueError:
                        pass
    return "\n".join(parts)


def _scene(given):
    """A certified farmer who sells to a kitchen (an invoice) and at the market (an order), with LINE, a PromptPay
    ID, consents, a photo with people, and her phone written into her plot's history."""
    with given():
        kitchen = make_kitchen(a="40", b="30")
        farmer = kitchen.farmer_a
        farmer.display_name, farmer.phone, farmer.address = NAME, PHONE, ADDRESS
        db.session.add(LineLink(user=farmer, line_user_id="U" + "5" * 32, display_name=LINE_NAME, friend=True))
        db.session.flush()
        payments.set_account(f"user:{farmer.id}", PHONE, PAYEE, farmer.id)
        for purpose in (Purpose.PUBLIC_NAME, Purpose.FARM_DIRECTORY, Purpose.PEOPLE_PHOTOS, Purpose.LINE_MESSAGES):
            consents.record(farmer, purpose, True, farmer)
        plot = kitchen.plot_a
        people = plots.add_photo(farmer, plot, jpeg_with_gps((640, 480)), "ครอบครัวที่แปลง", shows_people=True)
        plots.add_photo(farmer, plot, jpeg_with_gps((640, 480)), "แปลงผัก")
        # what an import writes when it sets a plot's farmer: the farmer's name and phone, as they were
        db.session.add(PlotChange(plot_id=plot.id, user_id=kitchen.coordinator.id, source=ChangeSource.IMPORT,
                                  action="updated", changes={"owner": ["", f"{NAME} (089-1234567)"]}))
        order = order_for(kitchen, "60")
        sharing.propose(kitchen.coordinator, order)
        for share in order.lines[0].shares:
            sharing.confirm_share(share.farmer, share)
        with on_the_day(order.delivery_on):
            for share in order.lines[0].shares:
                delivery.receive(kitchen.buyer, share, share.quantity)
        with on_the_day(month_after(order.delivery_on)):
            invoice = invoices.issue(kitchen.coordinator, kitchen.hospital, order.delivery_on)
        point = stall(kitchen.coordinator)
        listing = listings.create_listing(farmer, listing_data(plot.id, [point.id]))
        # bystanders whose text shares the farmer's first name, or her village's name: left as they are
        bystander = make_user(Role.CONSUMER, email="bystander@example.com", display_name=BYSTANDER)
        make_plot(kitchen.farmer_b, name=BYSTANDER_PLOT)
        notify(bystander, "order.ready", lambda: Message(f"สวัสดี {BYSTANDER}", "ผักพร้อมแล้ว"))
        db.session.add(DataExport(user_id=farmer.id, requested_by_id=farmer.id, status=ExportStatus.READY,
                                  data=NAME.encode(), size=10, expires_at=utcnow() + timedelta(days=7)))
        application = db.session.scalar(sa.select(Application).where(Application.applicant_id == farmer.id))
        return {"application": application.id, "farmer": farmer.id, "code": plot.code, "plot": plot.id, "invoice": invoice.id,
                "invoice_number": invoice.number, "listing": listing.id, "stall": point.id,
                "people_photo": people.stored_name, "total": invoice.total_satang}


def _buy(client, scene):
    """The kitchen's buyer also buys at the market from the farmer: the notices name her."""
    login(client, "kitchen@example.com", PASSWORD)
    post_form(client, f"/cart/add/{scene['listing']}", {"quantity": "1"}, page=f"/market/{scene['listing']}")
    placed = post_form(client, "/checkout", {f"pickup_{scene['farmer']}": str(scene["stall"]),
                                             "payment_method": "cash"}, page="/cart")
    assert placed.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_erasure_leaves_no_personal_field_readable_while_history_and_invoices_render(client, given, app):
    scene = _scene(given)
    _buy(client, scene)
    with app.app_context():
        written = _everything_written()
        assert all(value in written for value in (NAME, PHONE, EMAIL, ADDRESS, LINE_NAME, PAYEE))  # before: there
        assert NAME in client.get(f"/p/{scene['code']}").get_data(as_text=True)

    # the farmer asks, on her own screen
    login(client, EMAIL, PASSWORD)
    page = client.get("/account/erasure").get_data(as_text=True)
    assert "IFOAM" in page and "2543" in page  # what is kept, and why: the PGS history, the accounts
    refused = post_form(client, "/account/erasure", {"reason": "เลิกทำเกษตร"})  # the box not ticked
    assert refused.status_code == 400
    assert post_form(client, "/account/erasure", {"reason": f"เลิกทำเกษตร โทร {PHONE}", "understood": "y"}
                     ).status_code == 302
    assert post_form(client, "/account/erasure", {"understood": "y"}).status_code == 409  # one at a time
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    with app.app_context():
        (asked,) = db.session.scalars(sa.select(ErasureRequest)).all()
        assert asked.status is ErasureStatus.ASKED and asked.due_on == today() + timedelta(days=30)
        told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "privacy.erasure_asked"))
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email == "coord@example.com"))
        assert coordinator_id in set(told)
        request_id = asked.id

    # nobody but a coordinator sees or decides it
    login(client, "farmer-b@example.com", PASSWORD)
    assert client.get("/privacy/erasures").status_code == 403
    assert client.get(f"/privacy/erasures/{request_id}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "coord@example.com", PASSWORD)
    assert NAME in client.get("/privacy/erasures").get_data(as_text=True)
    unsure = post_form(client, f"/privacy/erasures/{request_id}", {"decision": "erase"})
    assert unsure.status_code == 400  # "it cannot be undone" not ticked
    waiting = post_form(client, f"/privacy/erasures/{request_id}", {"decision": "erase", "sure": "y"})
    assert waiting.status_code == 409 and "คำสั่งซื้อ" in waiting.get_data(as_text=True)  # the market order is open
    with app.app_context():
        assert db.session.get(ErasureRequest, request_id).status is ErasureStatus.ASKED
        db.session.execute(sa.update(Order).values(status=OrderStatus.COLLECTED))  # handed over at the stall
        db.session.commit()
    decided = post_form(client, f"/privacy/erasures/{request_id}", {"decision": "erase", "sure": "y"})
    assert decided.status_code == 302

    with app.app_context():
        written = _everything_written().replace(BYSTANDER, "")  # the namesake's own name is theirs
        for value in PERSONAL:
            assert value not in written, value
        farmer = db.session.get(User, scene["farmer"])
        assert farmer.display_name.startswith("ERASED-") and not farmer.is_active
        assert farmer.email is None and farmer.phone is None and farmer.address == "" and farmer.password_hash is None
        assert db.session.scalar(sa.select(LineLink).where(LineLink.user_id == farmer.id)) is None
        assert image_path("plots", scene["people_photo"]) is None  # the photo with people is gone, file and row
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlotPhoto)) == 1
        holds = {hold.kind: hold for hold in db.session.scalars(sa.select(RetentionHold))}
        assert set(holds) == {HoldKind.CERTIFICATION, HoldKind.ACCOUNTS}
        assert holds[HoldKind.ACCOUNTS].keep_until.year == today().year + 5
        assert holds[HoldKind.CERTIFICATION].keep_until.year == today().year + 10
        pseudonym = farmer.display_name
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DataExport)) == 0  # the ready download too
        assert db.session.get(Listing, scene["listing"]).status is ListingStatus.WITHDRAWN  # off sale
        # the bystanders: the same first name, a plot named after her, a notice to someone else, all untouched
        assert db.session.scalar(sa.select(User.display_name).where(User.email == "bystander@example.com")) == BYSTANDER
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Plot).where(Plot.name == BYSTANDER_PLOT)) == 1
        assert f"สวัสดี {BYSTANDER}" in set(db.session.scalars(sa.select(Notification.title)))
        for purpose in Purpose:
            assert not consents.has_given(farmer, purpose)
        assert db.session.get(Plot, scene["plot"]).owner_id == farmer.id  # the plot and its history stay

    # the certification history still reads: the decision, the inspection, under the pseudonym
    detail = client.get(f"/plots/{scene['code']}").get_data(as_text=True)
    assert pseudonym in detail and NAME not in detail
    history = client.get(f"/applications/{scene['application']}").get_data(as_text=True)
    assert "ผ่านการตรวจทุกข้อ" in history and pseudonym in history  # the committee's decision and its reasons
    record = client.get(f"/privacy/erasures/{request_id}").get_data(as_text=True)
    assert pseudonym in record and "2543" in record  # what is kept, and why
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # the public pages: the plot's status, no name; not in the directory
    public = client.get(f"/p/{scene['code']}").get_data(as_text=True)
    assert NAME not in public and pseudonym not in public
    assert "status-certified" in public or "ได้รับการรับรอง" in public
    api = client.get(f"/api/v1/plots/{scene['code']}").get_json()
    assert NAME not in json.dumps(api, ensure_ascii=False) and api["code"] == scene["code"]
    directory = client.get("/api/v1/farms.geojson").get_json()
    assert scene["code"] not in json.dumps(directory)

    assert client.get(f"/market/{scene['listing']}").status_code == 410  # no longer on sale
    listed = json.dumps(client.get("/api/v1/listings").get_json(), ensure_ascii=False)
    assert pseudonym not in listed and all(item["id"] != scene["listing"] for item in
                                           client.get("/api/v1/listings").get_json()["listings"])

    # the kitchen's invoice still renders, with its total
    login(client, "kitchen@example.com", PASSWORD)
    invoice = client.get(f"/bulk/invoices/{scene['invoice']}")
    assert invoice.status_code == 200 and scene["invoice_number"] in invoice.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    # she can no longer sign in, by e-mail or phone
    assert login(client, EMAIL, PASSWORD).status_code != 302
    assert login(client, PHONE, PASSWORD).status_code != 302


def test_a_refusal_needs_its_reason_and_the_person_is_told(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        farmer = make_user(Role.FARMER, email="farmer@example.com", display_name="ลุงเขียว ใจดี")
        other = make_user(Role.CONSUMER, email="other@example.com")
        farmer_id, other_id = farmer.id, other.id
    login(client, "other@example.com", PASSWORD)
    assert post_form(client, f"/users/{farmer_id}/erasure", {"understood": "y"}, page="/account").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "coord@example.com", PASSWORD)  # recorded as the farmer said it on the phone
    recorded = post_form(client, f"/users/{farmer_id}/erasure", {"understood": "y", "reason": "ทางโทรศัพท์"},
                         page=f"/users/{farmer_id}")
    assert recorded.status_code == 302 and "/privacy/erasures/" in recorded.location
    url = recorded.location
    without = post_form(client, url, {"decision": "refuse", "note": ""})
    assert without.status_code == 409
    assert post_form(client, url, {"decision": "refuse", "note": "มีข้อพิพาทเรื่องคำสั่งซื้อค้างอยู่"}).status_code == 302
    assert post_form(client, url, {"decision": "erase", "sure": "y"}).status_code == 409  # decided once
    with app.app_context():
        request_ = db.session.scalar(sa.select(ErasureRequest))
        assert request_.status is ErasureStatus.REFUSED and request_.method.value == "witnessed"
        farmer = db.session.get(User, farmer_id)
        assert farmer.display_name == "ลุงเขียว ใจดี" and farmer.is_active  # nothing erased
        told = db.session.scalar(sa.select(Notification).where(Notification.kind == "privacy.erasure_refused"))
        assert told.user_id == farmer_id and "ข้อพิพาท" in told.body
        assert other_id not in set(db.session.scalars(sa.select(Notification.user_id)))


def test_an_erasure_that_rolls_back_keeps_the_photo_files(app_ctx):
    farmer = make_user(Role.FARMER, email="farmer@example.com")
    coordinator = make_user(Role.COORDINATOR, email="coord@example.com")
    plot = make_plot(farmer)
    photo = plots.add_photo(farmer, plot, jpeg_with_gps((640, 480)), "ครอบครัว", shows_people=True)
    asked = erasure.ask(farmer, farmer)
    db.session.commit()
    name = photo.stored_name
    erasure.carry_out(asked, coordinator)
    assert image_path("plots", name) is not None  # not before the commit
    db.session.rollback()  # a later step failed: the row and the file stay together
    assert image_path("plots", name) is not None and db.session.get(PlotPhoto, photo.id) is not None
    erasure.carry_out(db.session.get(ErasureRequest, asked.id), db.session.get(User, coordinator.id))
    db.session.commit()
    assert image_path("plots", name) is None and db.session.get(PlotPhoto, photo.id) is None


def test_every_column_named_as_a_copy_exists(app_ctx):
    from greensmile.privacy.erasure import COPIES

    columns = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns}
    assert COPIES and COPIES <= columns, sorted(COPIES - columns)


def test_a_file_queued_in_a_savepoint_follows_the_savepoint(app_ctx):
    farmer = make_user(Role.FARMER, email="farmer@example.com")
    plot = make_plot(farmer)
    kept, released, outer = (plots.add_photo(farmer, plot, jpeg_with_gps((320, 240)), n).stored_name
                             for n in ("a", "b", "c"))
    db.session.commit()
    storage.delete_after_commit(db.session, "plots", outer)
    try:
        with db.session.begin_nested():
            storage.delete_after_commit(db.session, "plots", kept)
            raise ValueError("a step inside failed")
    except ValueError:
        pass
    with db.session.begin_nested():
        storage.delete_after_commit(db.session, "plots", released)
    assert all(image_path("plots", name) for name in (kept, released, outer))  # nothing before the commit
    db.session.commit()
    assert image_path("plots", kept) is not None  # its savepoint rolled back
    assert image_path("plots", released) is None and image_path("plots", outer) is None


def test_a_kitchen_share_still_to_deliver_makes_the_erasure_wait(app_ctx):
    from greensmile.bulk import shares as sharing
    from tests.bulk.helpers import make_kitchen, order_for

    kitchen = make_kitchen(a="40", b="30")
    sharing.propose(kitchen.coordinator, order_for(kitchen, "20"))
    asked = erasure.ask(kitchen.farmer_a, kitchen.farmer_a)
    db.session.flush()
    try:
        erasure.carry_out(asked, kitchen.coordinator)
    except erasure.NotNow as refusal:
        assert "ส่วนแบ่ง" in str(refusal) or "share" in str(refusal)
    else:
        raise AssertionError("erased with a share still to deliver")
