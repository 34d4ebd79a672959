"""The outbox: a notification exists only if its change commits; the worker delivers it once by LINE (a Flex message
in the reader's language, under a retry key) or by e-mail when LINE cannot take it; a LINE outage costs retries,
never a page."""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from greensmile.db import utcnow
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.jobs.models import Job, JobStatus
from greensmile.notifications import services as centre
from greensmile.notifications.models import Channel, Choice, Delivery, LineQuota, Notification
from greensmile.notifications.services import DELIVER, Message, notify
from tests.notifications.helpers import linked
from tests.outbox import deliver, sent_mails


def _order_ready(user, number="GS-0001"):
    return notify(user, "order.ready", lambda: Message(
        f"คำสั่งซื้อ {number} พร้อมรับ", "มารับได้ที่ตลาดเขียว", "http://greensmile.test/orders/1",
        [("คำสั่งซื้อ", number), ("ยอดรวม", "฿120")]))


def _flex_texts(message: dict) -> list[str]:
    texts = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "text":
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(message["contents"])
    return texts


def test_a_notification_whose_change_rolls_back_is_never_sent(app_ctx, line_on):
    user, line_id = linked(line_on)
    db.session.commit()
    savepoint = db.session.begin_nested()
    _order_ready(user)
    savepoint.rollback()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert deliver() == 0 and line_on.inbox(line_id) == [] and line_on.pushes == []


def test_a_linked_friend_gets_one_flex_message_in_their_language(app_ctx, line_on):
    user, line_id = linked(line_on)
    notification = _order_ready(user)
    db.session.commit()
    assert deliver() == 1
    (message,) = line_on.inbox(line_id)
    assert message["type"] == "flex" and message["altText"] == "คำสั่งซื้อ GS-0001 พร้อมรับ"
    assert "มารับได้ที่ตลาดเขียว" in _flex_texts(message) and "฿120" in _flex_texts(message)
    button = message["contents"]["footer"]["contents"][0]
    assert button["action"] == {"type": "uri", "label": "เปิดดู", "uri": "http://greensmile.test/orders/1"}
    assert (notification.delivery, notification.sent_via) == (Delivery.SENT, Channel.LINE)
    assert line_on.pushes[0].retry_key == notification.retry_key
    assert deliver() == 0 and len(line_on.inbox(line_id)) == 1  # done is done


def test_english_readers_get_the_button_in_english(app_ctx, line_on):
    user, line_id = linked(line_on, locale="en")
    _order_ready(user)
    db.session.commit()
    deliver()
    (message,) = line_on.inbox(line_id)
    assert message["contents"]["footer"]["contents"][0]["action"]["label"] == "Open"


def test_a_line_server_error_is_retried_after_a_back_off_and_delivered_once(app_ctx, line_on):
    user, line_id = linked(line_on)
    notification = _order_ready(user)
    db.session.commit()
    line_on.fail_next(2, status=500)
    assert deliver() == 1  # the attempt ran, LINE answered 500
    job = db.session.scalar(sa.select(Job).where(Job.kind == DELIVER))
    assert job.status is JobStatus.QUEUED and job.attempts == 1 and "500" in job.last_error
    assert job.run_after > utcnow() + timedelta(seconds=20)  # not hammered again at once
    assert notification.delivery is Delivery.WAITING and line_on.inbox(line_id) == []
    later = utcnow() + timedelta(minutes=1)
    assert jobs.run_once("test", now=later, kinds=[DELIVER], scheduled=False) == 1  # 500 again
    assert jobs.run_once("test", now=later + timedelta(minutes=5), kinds=[DELIVER], scheduled=False) == 1
    db.session.refresh(notification)
    assert notification.delivery is Delivery.SENT and len(line_on.inbox(line_id)) == 1
    assert {push.retry_key for push in line_on.pushes} == {notification.retry_key}


def test_a_push_sent_again_under_its_retry_key_is_one_message(app_ctx, line_on):
    """The worker pushed, then died before recording it: the next attempt's 409 means sent, not a second message."""
    user, line_id = linked(line_on)
    notification = _order_ready(user)
    db.session.commit()
    deliver()
    notification.delivery, notification.sent_via = Delivery.WAITING, None  # as if the record were lost
    centre.deliver({"id": notification.id})
    assert notification.delivery is Delivery.SENT and len(line_on.inbox(line_id)) == 1
    assert [request.status for request in line_on.requests if request.path == "/v2/bot/message/push"] == [200, 409]


def test_a_person_who_unfollowed_gets_e_mail(app_ctx, line_on, caplog, client):
    user, line_id = linked(line_on)
    line_on.unfollow(line_id)
    db.session.commit()
    from tests.line.webhook_events import signed_headers, unfollow_event, webhook_body
    body = webhook_body(unfollow_event(line_id))
    assert client.post("/line/webhook", data=body, headers=signed_headers(body, "fake-line-channel-secret")
                       ).status_code == 200
    notification = _order_ready(user)
    db.session.commit()
    mails = sent_mails(caplog)
    assert len(mails) == 1 and "To: somchai@example.com" in mails[0] and "คำสั่งซื้อ GS-0001 พร้อมรับ" in mails[0]
    assert line_on.pushes == []
    assert (notification.delivery, notification.sent_via) == (Delivery.FELL_BACK, Channel.EMAIL)
    assert "ไม่ได้เป็นเพื่อน" in notification.note or "บล็อก" in notification.note


def test_when_the_months_quota_is_used_up_notices_go_by_e_mail_and_line_is_not_asked_again(app_ctx, line_on,
                                                                                             caplog):
    line_on.monthly_limit = 0
    user, line_id = linked(line_on)
    first, second = _order_ready(user, "GS-0001"), _order_ready(user, "GS-0002")
    db.session.commit()
    mails = sent_mails(caplog)
    assert len(mails) == 2 and all("To: somchai@example.com" in mail for mail in mails)
    assert first.delivery is Delivery.FELL_BACK and second.delivery is Delivery.FELL_BACK
    assert len([r for r in line_on.requests if r.path == "/v2/bot/message/push"]) == 1  # the 429, then no more
    assert db.session.scalar(sa.select(LineQuota)).exhausted


def test_the_worker_reads_the_quota_for_the_coordinators(app_ctx, line_on):
    line_on.monthly_limit = 500
    user, _ = linked(line_on)
    _order_ready(user)
    db.session.commit()
    deliver()
    centre.refresh_quota()
    quota = centre.quota()
    assert (quota.limit, quota.used, quota.exhausted) == (500, 1, False)


def test_a_line_that_cannot_be_reached_fails_no_page_and_the_notice_waits(app, line_on, client, given,
                                                                           monkeypatch):
    from tests.conftest import login, post_form
    from tests.factories import PASSWORD
    from tests.orders.helpers import make_market

    with given():
        market = make_market()
        from greensmile.accounts.models import LineLink
        db.session.add(LineLink(user=market.farmer, line_user_id=line_on.new_user_id(), friend=True))
        from greensmile.privacy.services import agree_with_line_link
        agree_with_line_link(market.farmer)
    monkeypatch.setitem(app.config, "LINE_API_URL", "http://127.0.0.1:9")  # nothing listens there
    login(client, "buyer@example.com", PASSWORD)
    post_form(client, f"/cart/add/{market.listing.id}", {"quantity": "1"}, page=f"/market/{market.listing.id}")
    placed = post_form(client, "/checkout", {f"pickup_{market.farmer.id}": str(market.stall.id),
                                             "payment_method": "cash"}, page="/cart")
    assert placed.status_code == 302 and placed.location.startswith("/orders")  # the page never waited on LINE
    with app.app_context():
        assert deliver() >= 1
        farmer_notice = db.session.scalar(sa.select(Notification).where(
            Notification.user_id == market.farmer.id, Notification.kind == "order.placed"))
        assert farmer_notice.delivery is Delivery.WAITING
        job = db.session.scalar(sa.select(Job).where(Job.payload["id"].as_integer() == farmer_notice.id))
        assert job.status is JobStatus.QUEUED and "unreachable" in job.last_error


def test_a_chosen_nothing_is_recorded_and_never_sent(app_ctx, line_on, caplog):
    user, line_id = linked(line_on)
    db.session.add(Choice(user_id=user.id, kind="order.ready", channel=Channel.NONE))
    notification = _order_ready(user)
    db.session.commit()
    assert notification.delivery is Delivery.NOT_SENT and deliver() == 0
    assert line_on.pushes == [] and sent_mails(caplog) == []


def test_account_safety_mail_goes_by_e_mail_whatever_was_chosen(app_ctx, line_on, caplog):
    user, line_id = linked(line_on)
    notification = notify(user, "account.password_reset", lambda: Message("ตั้งรหัสผ่านใหม่", "ลิงก์"))
    db.session.commit()
    assert notification.channel is Channel.EMAIL
    assert len(sent_mails(caplog)) == 1 and line_on.pushes == []


def test_someone_without_e_mail_or_line_is_recorded_as_not_reached(app_ctx, line_on):
    from greensmile.accounts.models import Role
    from tests.factories import make_user
    user = make_user(Role.FARMER, phone="0812345678")
    user.email = None  # recorded by a coordinator: a phone, no e-mail
    notification = _order_ready(user)
    db.session.commit()
    deliver()
    assert notification.delivery is Delivery.NOT_SENT and notification.note


def test_a_mail_server_that_fails_keeps_the_notice_for_another_try(app, app_ctx, monkeypatch, caplog):
    import socket
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.getsockname()[1])
    from greensmile.accounts.models import Role
    from tests.factories import make_user
    user = make_user(Role.CONSUMER, email="buyer@example.com")
    notification = _order_ready(user)
    db.session.commit()
    server.close()  # refuses every connection now
    with caplog.at_level(logging.ERROR, logger="greensmile.mail"):
        deliver()
    assert notification.delivery is Delivery.WAITING
    job = db.session.scalar(sa.select(Job).where(Job.kind == DELIVER))
    assert job.status is JobStatus.QUEUED and "MailDown" in job.last_error


def test_a_reminder_keyed_once_is_said_once_per_key_and_person(app_ctx):
    from greensmile.accounts.models import Role
    from tests.factories import make_user
    farmer, other = make_user(Role.FARMER, email="farmer@example.com"), make_user(Role.FARMER)
    for _ in range(2):
        for days in (60, 30):
            notify(farmer, "certificate.expiring", lambda: Message("ใกล้หมดอายุ", "ต่ออายุ"), once=f"cert:1:{days}")
    notify(other, "certificate.expiring", lambda: Message("ใกล้หมดอายุ", "ต่ออายุ"), once="cert:1:60")
    keys = db.session.execute(sa.select(Notification.user_id, Notification.once_key)).all()
    assert sorted(keys) == sorted([(farmer.id, "cert:1:60"), (farmer.id, "cert:1:30"), (other.id, "cert:1:60")])


def test_a_wrong_or_revoked_channel_token_is_retried_and_seen_not_quietly_mailed(app, app_ctx, line_on, caplog,
                                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "a-revoked-token")
    user, line_id = linked(line_on)
    notification = _order_ready(user)
    db.session.commit()
    assert deliver() == 1
    job = db.session.scalar(sa.select(Job).where(Job.kind == DELIVER))
    assert job.status is JobStatus.QUEUED and "401" in job.last_error
    assert notification.delivery is Delivery.WAITING and sent_mails(caplog) == []


def test_a_quota_reading_that_fails_is_skipped_and_a_fresh_one_reopens_line(app_ctx, line_on):
    line_on.monthly_limit = 500
    db.session.add(LineQuota(month=centre._month(), limit=100, used=100, exhausted=True))
    db.session.flush()
    line_on.fail_next(1, status=503)
    centre.refresh_quota()  # LINE down: no error, the last reading stays
    assert (centre.quota().limit, centre.quota().exhausted) == (100, True)
    centre.refresh_quota()  # the plan was raised to 500 this month: LINE is open again
    assert (centre.quota().limit, centre.quota().used, centre.quota().exhausted) == (500, 0, False)


def test_account_safety_mail_is_not_shown_on_the_notifications_page_and_its_link_is_kept_nowhere(
        client, app, given, caplog):
    from greensmile.accounts.models import Role
    from tests.conftest import login, post_form
    from tests.factories import PASSWORD, make_user
    with given():
        make_user(Role.CONSUMER, email="malee@example.com")
    login(client, "malee@example.com", PASSWORD)
    post_form(client, "/password/forgot", {"email": "malee@example.com"})
    page = client.get("/notifications").get_data(as_text=True)
    assert "ตั้งรหัสผ่านใหม่" in page and "/password/reset/" not in page  # the title only, even before it is sent
    mails = sent_mails(caplog, app)
    assert any("/password/reset/" in mail for mail in mails)  # the link went to the mailbox
    with app.app_context():
        stored = db.session.scalar(sa.select(Notification).where(Notification.kind == "account.password_reset"))
        assert stored.body == "" and stored.url == "" and stored.delivery is Delivery.SENT
