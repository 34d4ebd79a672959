"""Retention runs by itself: the worker's nightly job erases what passed its period (old messages, access log lines,
delivery addresses of finished orders, contacts left with handled concerns), ends the holds of erased people whose
day has passed (the EUDR photos go then), reports what it did, and tells the coordinators of overdue requests."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.certification.models import Application
from greensmile.clock import today
from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import schedules
from greensmile.jobs import services as jobs
from greensmile.media.storage import image_path
from greensmile.notifications.models import Channel, Delivery, Notification
from greensmile.orders import services as orders
from greensmile.orders.models import Order, OrderStatus, PaymentMethod
from greensmile.privacy import retention
from greensmile.privacy.models import (
    AccessKind,
    AccessLog,
    ConsentMethod,
    DataExport,
    ErasureRequest,
    ExportStatus,
    HoldKind,
    RetentionHold,
    RetentionRun,
)
from greensmile.public.models import Concern
from greensmile.rubber.eudr import PRIVATE_KIND
from greensmile.rubber.eudr_models import LandDocument
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user
from tests.orders.helpers import make_market
from tests.rubber.eudr_helpers import complete
from tests.rubber.helpers import make_group


def _message(user, days_ago: int, delivery=Delivery.SENT):
    db.session.add(Notification(user_id=user.id, kind="order.ready", title=f"{days_ago} วันก่อน", body="",
                                channel=Channel.EMAIL, delivery=delivery,
                                created_at=utcnow() - timedelta(days=days_ago)))


def test_the_nightly_run_erases_what_passed_its_period_and_reports_it(app_ctx):
    market = make_market()
    farmer, consumer = market.farmer, market.consumer
    for days in (400, 10):
        _message(consumer, days)
    _message(consumer, 400, Delivery.WAITING)  # still to be delivered: kept
    db.session.add_all([AccessLog(subject_id=farmer.id, actor_id=consumer.id, kind=AccessKind.PHONE,
                                  created_at=utcnow() - timedelta(days=days)) for days in (800, 5)])
    old, recent = (orders.place_order(consumer, {market.listing.id: Decimal("1")},
                                      {farmer.id: orders.PickupChoice(market.stall.id)}, PaymentMethod.CASH).orders[0]
                   for _ in range(2))
    db.session.execute(sa.update(Order).values(status=OrderStatus.COLLECTED, delivery_address="บ้านเลขที่ 7 ซอย 3"))
    db.session.execute(sa.update(Order).where(Order.id == old.id).values(updated_at=utcnow() - timedelta(days=100)))
    db.session.add(Concern(plot=market.cycle.plot, message="ผักมีกลิ่นยา", contact="0812223333",
                           handled_at=utcnow() - timedelta(days=400)))
    db.session.add_all([DataExport(user_id=consumer.id, status=ExportStatus.READY, data=b"PK", expires_at=when)
                        for when in (utcnow() - timedelta(hours=1), utcnow() + timedelta(days=6))])
    db.session.add(ErasureRequest(user_id=consumer.id, method=ConsentMethod.ON_SCREEN,
                                  due_on=today() - timedelta(days=1)))
    db.session.add_all([
        RetentionHold(user_id=farmer.id, kind=HoldKind.CERTIFICATION, keep_until=today() - timedelta(days=1)),
        RetentionHold(user_id=consumer.id, kind=HoldKind.ACCOUNTS, keep_until=today() + timedelta(days=1)),
    ])
    db.session.commit()

    # the schedule asks for the job once a night, and the worker runs it
    assert "privacy.retention" in schedules.SCHEDULES
    schedules.ask_due(utcnow())
    assert jobs.run_once("test", kinds=[retention.KIND]) == 1

    report = db.session.scalar(sa.select(RetentionRun).order_by(RetentionRun.id.desc())).report
    assert report["notifications.old"] == 1
    assert report["privacy.access_log"] == 1
    assert report["orders.addresses"] == 1
    assert report["public.concern_contacts"] == 1
    assert report["privacy.exports"] == 1  # the download past its week; the other stays
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataExport)) == 1
    assert report["privacy.holds"] == 1  # the certification hold whose day passed ended
    pledge = db.session.scalar(sa.select(Application).where(Application.applicant_id == farmer.id))
    assert pledge.pledge_image == ""  # the signed pledge's image went with it
    assert report["overdue_erasure_requests"] == 1
    titles = set(db.session.scalars(sa.select(Notification.title)))
    assert "400 วันก่อน" in titles and "10 วันก่อน" in titles  # the waiting one stays; the delivered one went
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.title == "400 วันก่อน")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessLog)) == 1
    addresses = dict(db.session.execute(sa.select(Order.id, Order.delivery_address)).all())
    assert addresses == {old.id: "", recent.id: "บ้านเลขที่ 7 ซอย 3"}
    assert db.session.scalar(sa.select(Concern.contact)) == ""
    holds = {hold.kind: hold for hold in db.session.scalars(sa.select(RetentionHold))}
    assert holds[HoldKind.CERTIFICATION].ended_at is not None and holds[HoldKind.ACCOUNTS].ended_at is None
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "privacy.erasure_overdue"))
    assert market.cycle.coordinator.id in set(told)  # the overdue request

    # a second run the same night finds nothing more to do
    again = retention.run()
    assert {key: value for key, value in again.report.items() if key != "overdue_erasure_requests"} == dict.fromkeys(
        retention.RULES, 0)


def test_when_an_eudr_hold_ends_the_land_documents_photos_go(app_ctx):
    world = make_group()
    complete(world, 0)
    complete(world, 1)
    documents = db.session.scalars(sa.select(LandDocument).order_by(LandDocument.plot_id)).all()
    photos = [document.image for document in documents]
    assert all(image_path(PRIVATE_KIND, photo) for photo in photos)
    db.session.add_all([
        RetentionHold(user_id=world.farmers[0].id, kind=HoldKind.EUDR, keep_until=today() - timedelta(days=1)),
        RetentionHold(user_id=world.farmers[1].id, kind=HoldKind.EUDR, keep_until=today() + timedelta(days=1)),
    ])
    db.session.commit()
    report = retention.run().report
    assert report["privacy.holds"] == 1  # one hold ended
    assert image_path(PRIVATE_KIND, photos[0]) is not None  # the files go when the run commits
    db.session.commit()
    assert image_path(PRIVATE_KIND, photos[0]) is None and documents[0].image == ""
    assert image_path(PRIVATE_KIND, photos[1]) is not None  # the other farmer's hold runs on


def test_the_record_of_processing_counts_what_is_held_and_only_coordinators_see_it(client, given, app):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, email="farmer@example.com", phone="0811112222", address="1 หมู่ 1")
        db.session.flush()
        retention.run()
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/privacy/record").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "coord@example.com", PASSWORD)
    page = client.get("/privacy/record").get_data(as_text=True)
    assert "users.phone" in page and "line_links.line_user_id" in page and "orders.delivery_address" in page
    with app.app_context():
        from greensmile.privacy import processing

        counts = {key: value for held in processing.held() for key, value in held.counts.items()}
        assert counts["users.phone"] == 1 and counts["users.address"] == 1 and counts["users.email"] == 2


PERSONAL_LOOKING = ("phone", "address", "email", "display_name", "witness_name", "contact", "account_name",
                    "payee_name", "line_user_id", "latitude", "longitude", "user_agent", "image", "ip")


def test_every_column_that_looks_personal_is_in_the_record_or_said_not_to_be(app_ctx):
    from greensmile.privacy import processing

    looks = {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns
             if any(word == column.name or word in column.name.split("_") or column.name.endswith(word)
                    for word in PERSONAL_LOOKING)}
    unexplained = looks - processing.classified() - set(processing.NOT_PERSONAL)
    assert not unexplained, sorted(unexplained)
    assert set(processing.NOT_PERSONAL) <= {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns}
