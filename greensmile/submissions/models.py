"""One row per create form received: its one-time key, who sent it and what it made."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from greensmile.db import TimestampMixin
from greensmile.extensions import db

KEY_LENGTH = 22  # secrets.token_urlsafe(16): 128 random bits


class FormSubmission(TimestampMixin, db.Model):
    """A create form's one-time key, claimed by the first post of it; a second post of the same form finds it taken.

    The rows only matter while someone may still send the same page again (a double tap, a retry on a slow line):
    old rows can be purged later, by a job deleting those older than a form's life (not needed yet)."""

    __tablename__ = "form_submissions"
    __table_args__ = (sa.UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # which form: "checkout", "support-pledge"...
    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What the first post made, written in the same transaction as the claim: a repeat is sent there.
    made_id: Mapped[int | None]
    made_url: Mapped[str | None] = mapped_column(sa.String(255))
