from __future__ import annotations

from greensmile.accounts.models import LineLink, Role
from greensmile.extensions import db
from greensmile.privacy import services as consents
from tests.factories import make_user


def linked(fake, *, email: str | None = "somchai@example.com", friend: bool = True, locale: str = "th", **fields):
    """A person whose LINE account is linked (and, with `friend`, who follows the Official Account)."""
    user = make_user(Role.FARMER, email=email, locale=locale, **fields)
    line_id = fake.new_user_id()
    fake.add_friend(line_id, user.display_name)
    if not friend:
        fake.unfollow(line_id)
    db.session.add(LineLink(user=user, line_user_id=line_id, display_name=user.display_name, friend=friend))
    db.session.flush()
    consents.agree_with_line_link(user)  # as linking on the account page does
    return user, line_id
