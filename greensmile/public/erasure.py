"""The public pages' part in privacy: a concern's contact (a phone or an e-mail someone left with it) is blanked a
year after the concern was handled; a concern's text and contact are swept for an erased person's values."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from greensmile.extensions import db
from greensmile.privacy import erasure, retention
from greensmile.public.models import Concern

KEEP_CONTACT = timedelta(days=365)


def forget_contacts(now: datetime) -> int:
    return db.session.execute(sa.update(Concern).where(
        Concern.handled_at < now - KEEP_CONTACT, Concern.contact != "",
    ).values(contact="").execution_options(synchronize_session=False)).rowcount


def register() -> None:
    erasure.register("public", copies=[("concerns", "message"), ("concerns", "contact")])
    retention.rule("public.concern_contacts", _l("Contacts left with concerns handled more than a year ago"),
                   forget_contacts)
