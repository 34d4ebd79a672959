"""A person's own notifications and choices; the coordinators' outbox with the dead letters and the LINE quota."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import Role
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.jobs.models import Job, JobStatus
from greensmile.notifications.models import Channel, Choice, LineQuota
from greensmile.notifications.services import Message, notify
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_user


def _tell(user, title):
    notify(user, "order.ready", lambda: Message(title, "รายละเอียด", "http://greensmile.test/orders/1"))


def test_each_person_sees_their_own_notifications_only(client, given):
    with given():
        malee = make_user(Role.CONSUMER, email="malee@example.com")
        somchai = make_user(Role.CONSUMER, email="somchai@example.com")
        _tell(malee, "ข่าวของมาลี")
        _tell(somchai, "ข่าวของสมชาย")
    assert client.get("/notifications").status_code == 302  # signed out: to the login page
    login(client, "malee@example.com", PASSWORD)
    page = client.get("/notifications").get_data(as_text=True)
    assert "ข่าวของมาลี" in page and "ข่าวของสมชาย" not in page


def test_a_person_chooses_line_e_mail_or_nothing_per_kind(client, given, app, monkeypatch):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "token")  # the site has a LINE channel
    with given():
        farmer = make_user(Role.FARMER, email="farmer@example.com")
    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/notifications/choices").get_data(as_text=True)
    assert 'name="order__placed"' in page and 'name="share__requested"' in page
    assert 'name="account__password_reset"' not in page  # always e-mail: not a choice
    assert 'name="invoice__issued"' not in page  # a kitchen's, not a farmer's
    form = {"order__placed": "line", "order__cancelled": "none"}
    assert post_form(client, "/notifications/choices", form).status_code == 302
    with app.app_context():
        chosen = dict(db.session.execute(sa.select(Choice.kind, Choice.channel).where(
            Choice.user_id == farmer.id)).all())
        assert chosen["order.placed"] is Channel.LINE and chosen["order.cancelled"] is Channel.NONE
        assert chosen["order.paid"] is Channel.EMAIL  # untouched kinds keep the default (no LINE linked: e-mail)
    refused = post_form(client, "/notifications/choices", {"order__placed": "pigeon"})
    assert refused.status_code == 200 and 'value="pigeon"' not in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Choice.channel).where(
            Choice.user_id == farmer.id, Choice.kind == "order.placed")) is Channel.LINE


def test_coordinators_see_dead_letters_and_the_quota_and_send_a_job_again(client, given, app, monkeypatch):
    def fails(payload):
        raise RuntimeError("LINE said no")

    monkeypatch.setitem(jobs.HANDLERS, "test.fails", jobs.Handler(fails, 1))
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "token")
    with given():
        make_user(Role.COORDINATOR, email="coordinator@example.com")
        make_user(Role.FARMER, email="farmer@example.com")
        job = jobs.enqueue("test.fails", {"n": 1})
        from greensmile.notifications.services import _month
        db.session.add(LineQuota(month=_month(), limit=500, used=500, exhausted=True))
    with app.app_context():
        jobs.run_once("test", kinds=["test.fails"], scheduled=False)
        assert db.session.get(Job, job.id).status is JobStatus.DEAD
    login(client, "farmer@example.com", PASSWORD)
    assert client.get("/outbox").status_code == 403
    token = csrf_token(client, "/notifications")
    assert client.post(f"/outbox/jobs/{job.id}/send-again", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "coordinator@example.com", PASSWORD)
    page = client.get("/outbox").get_data(as_text=True)
    assert "LINE said no" in page and "500 / 500" in page
    assert post_form(client, f"/outbox/jobs/{job.id}/send-again", {}, page="/outbox").status_code == 302
    with app.app_context():
        again = db.session.get(Job, job.id)
        assert (again.status, again.attempts) == (JobStatus.QUEUED, 0)
    assert client.post(f"/outbox/jobs/{job.id}/send-again", data={}).status_code == 400  # no CSRF token


def test_without_a_line_channel_line_is_not_offered(client, given, app, monkeypatch):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "")
    with given():
        make_user(Role.FARMER, email="farmer@example.com")
    login(client, "farmer@example.com", PASSWORD)
    page = client.get("/notifications/choices").get_data(as_text=True)
    assert 'value="line"' not in page and 'value="email"' in page
    assert post_form(client, "/notifications/choices", {"order__placed": "line"}).status_code == 200  # refused
    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "token")
    assert 'value="line"' in client.get("/notifications/choices").get_data(as_text=True)


def test_a_dead_delivery_says_whose_notice_it_was(client, given, app, monkeypatch):
    from greensmile.notifications.services import DELIVER

    monkeypatch.setitem(app.config, "LINE_CHANNEL_ACCESS_TOKEN", "")
    with given():
        make_user(Role.COORDINATOR, email="coordinator@example.com")
        malee = make_user(Role.CONSUMER, email="malee@example.com", display_name="มาลี ใจดี")
        _tell(malee, "คำสั่งซื้อ GS-0009 พร้อมรับ")
        job = db.session.scalar(sa.select(Job).where(Job.kind == DELIVER))
        job.status, job.attempts, job.last_error = JobStatus.DEAD, 10, "MailDown: the mail server did not take it"
    login(client, "coordinator@example.com", PASSWORD)
    page = client.get("/outbox").get_data(as_text=True)
    assert "มาลี ใจดี" in page and "คำสั่งซื้อ GS-0009 พร้อมรับ" in page and "notifications.deliver" not in page
