"""LINE's webhook: only LINE's signature gets in; each event is taken once; follow and unfollow switch pushes on and
off; a plot code texted to the Official Account is answered with the plot's status, as its QR page says."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import LineLink
from greensmile.extensions import db
from greensmile.jobs import services as jobs
from greensmile.notifications.models import LineEvent
from greensmile.notifications.webhook import REPLY
from greensmile.plots.codes import check_character
from tests.line.webhook_events import (
    follow_event,
    signed_headers,
    text_message_event,
    unfollow_event,
    webhook_body,
    with_event_id,
)
from tests.notifications.conftest import CHANNEL_SECRET
from tests.notifications.helpers import linked


def _post(client, body: bytes, secret: str = CHANNEL_SECRET):
    return client.post("/line/webhook", data=body, headers=signed_headers(body, secret))


def _replies(app) -> int:
    with app.app_context():
        return jobs.run_once("test", kinds=[REPLY], scheduled=False)


def test_a_body_not_signed_with_our_channel_secret_is_refused_and_changes_nothing(client, app_ctx, line_on):
    user, line_id = linked(line_on)
    db.session.commit()
    body = webhook_body(unfollow_event(line_id))
    assert _post(client, body, secret="someone-elses-secret").status_code == 400
    assert client.post("/line/webhook", data=body, headers={"Content-Type": "application/json"}).status_code == 400
    tampered = body.replace(b'"unfollow"', b'"follow"')
    assert client.post("/line/webhook", data=tampered, headers=signed_headers(body, CHANNEL_SECRET)).status_code == 400
    assert db.session.get(LineLink, user.line_link.id).friend is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LineEvent)) == 0


def test_unfollow_then_follow_switch_the_persons_line_pushes(client, app_ctx, line_on):
    user, line_id = linked(line_on)
    db.session.commit()
    assert _post(client, webhook_body(unfollow_event(line_id))).get_json() == {"taken": 1}
    db.session.expire_all()
    assert user.line_link.friend is False and user.line_link.friend_changed_at is not None
    assert _post(client, webhook_body(follow_event(line_id, is_unblocked=True))).status_code == 200
    db.session.expire_all()
    assert user.line_link.friend is True


def test_a_redelivered_event_is_taken_once(client, app_ctx, line_on):
    user, line_id = linked(line_on)
    db.session.commit()
    first = unfollow_event(line_id)
    assert _post(client, webhook_body(first)).get_json() == {"taken": 1}
    _post(client, webhook_body(follow_event(line_id)))
    again = with_event_id(unfollow_event(line_id, redelivery=True), first["webhookEventId"])
    assert _post(client, webhook_body(again)).get_json() == {"taken": 0}
    db.session.expire_all()
    assert user.line_link.friend is True  # the old unfollow, delivered again, did not undo the newer follow


def test_a_plot_code_texted_to_the_account_is_answered_with_its_status(client, app, app_ctx, line_on):
    from tests.orders.helpers import make_market
    market = make_market()
    db.session.commit()
    someone = line_on.new_user_id()  # anyone may ask: a shopper at a stall, not linked to any account
    line_on.add_friend(someone, "ลูกค้า")
    token = line_on.new_reply_token(someone)
    code = market.cycle.plot.code
    body = webhook_body(text_message_event(someone, f"แปลง {code.lower()} ได้รับรองไหม", reply_token=token))
    assert _post(client, body).status_code == 200
    assert line_on.replies == []  # the webhook answers at once; the worker replies
    assert _replies(app) == 1
    (reply,) = line_on.replies
    text = reply.messages[0]["text"]
    assert reply.reply_token == token and code in text and "ได้รับการรับรอง" in text
    assert f"/p/{code}" in text or f"/plots/{code}" in text or code in text.splitlines()[-1]


def test_other_text_gets_a_hint_and_an_unknown_code_says_so(client, app, app_ctx, line_on):
    someone = line_on.new_user_id()
    line_on.add_friend(someone, "ลูกค้า")
    first, second = line_on.new_reply_token(someone), line_on.new_reply_token(someone)
    _post(client, webhook_body(text_message_event(someone, "สวัสดีครับ", reply_token=first)))
    unused = "7K39Q" + check_character("7K39Q")  # a well-formed code no plot has
    _post(client, webhook_body(text_message_event(someone, unused, reply_token=second)))
    assert _replies(app) == 2
    answers = {reply.reply_token: reply.messages[0]["text"] for reply in line_on.replies}
    assert "รหัสแปลง" in answers[first] and unused not in answers[first]
    assert unused in answers[second] and "รหัสแปลง" not in answers[second]


def test_the_webhook_is_off_without_a_channel_secret(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LINE_CHANNEL_SECRET", "")
    body = b'{"destination":"x","events":[]}'
    assert client.post("/line/webhook", data=body, headers=signed_headers(body, "")).status_code == 404


def test_an_older_event_arriving_after_a_newer_one_changes_nothing(client, app_ctx, line_on):
    import time as clock
    user, line_id = linked(line_on)
    db.session.commit()
    now = int(clock.time() * 1000)
    assert _post(client, webhook_body(follow_event(line_id, timestamp=now))).status_code == 200
    # An unfollow from a minute earlier, first delivered late (LINE redelivers what we did not answer in time).
    assert _post(client, webhook_body(unfollow_event(line_id, timestamp=now - 60_000, redelivery=True))
                 ).get_json() == {"taken": 1}
    db.session.expire_all()
    assert user.line_link.friend is True
    assert _post(client, webhook_body(unfollow_event(line_id, timestamp=now + 1000))).status_code == 200
    db.session.expire_all()
    assert user.line_link.friend is False
