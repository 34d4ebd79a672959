"""Notices through LINE only with the person's consent (LINE's servers are abroad, PDPA §28): linking LINE on the
account page is that consent (tests/line_login), and withdrawing it sends the next notice by e-mail."""
from __future__ import annotations

import sqlalchemy as sa

from greensmile.accounts.models import User
from greensmile.extensions import db
from greensmile.notifications.models import Channel, Delivery, Notification
from greensmile.notifications.services import Message, notify
from greensmile.privacy import services as consents
from greensmile.privacy.models import Purpose
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.notifications.helpers import linked
from tests.outbox import deliver, sent_mails


def _tell(user, title):
    return notify(user, "order.ready", lambda: Message(title, "มารับได้ที่ตลาดเขียว"))


def answer_consent(client, purpose: Purpose, answer: str):
    token = csrf_token(client, "/account/consents")
    return client.post("/account/consents", data={"csrf_token": token, "purpose": purpose.value,
                                                   f"{purpose.value}-answer": answer})


def test_notices_go_through_line_only_while_the_person_agrees(app, client, line_on, caplog):
    with app.app_context():
        user, line_id = linked(line_on, email="somchai@example.com")
        assert consents.has_given(user, Purpose.LINE_MESSAGES)  # linking on the account page is the agreement
        _tell(user, "ครั้งแรก")
        db.session.commit()
        assert deliver() == 1 and len(line_on.inbox(line_id)) == 1

    login(client, "somchai@example.com", PASSWORD)
    page = client.get("/account/consents").get_data(as_text=True)
    assert Purpose.LINE_MESSAGES.value in page
    assert answer_consent(client, Purpose.LINE_MESSAGES, "no").status_code == 302

    with app.app_context():
        user = db.session.get(User, user.id)
        _tell(user, "ครั้งที่สอง")
        db.session.commit()
        assert any("ครั้งที่สอง" in mail for mail in sent_mails(caplog))
        assert len(line_on.inbox(line_id)) == 1  # nothing more went to LINE
        second = db.session.scalar(sa.select(Notification).where(Notification.title == "ครั้งที่สอง"))
        assert second.channel is Channel.LINE and second.sent_via is Channel.EMAIL
        assert second.delivery is Delivery.FELL_BACK and "LINE" in second.note
