"""The devices migration on a database that has accounts: those with an e-mail count as confirmed since they were
made (they go on signing in), those without one (farmers signing in by phone) need no confirmation, and the way
back drops the devices and the column again."""
from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import User
from greensmile.extensions import db
from tests.dbutil import scratch_database

BEFORE = "d1e2f3a4b5c6"


@pytest.mark.own_app
def test_accounts_made_before_the_migration_still_sign_in(database_url, tmp_path):
    with scratch_database(database_url, "devmig", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            try:
                flask_migrate.upgrade(revision=BEFORE)
                with db.engine.begin() as connection:  # as the code before the migration wrote them
                    for email, phone in (("old@example.com", None), (None, "0812345678")):
                        connection.execute(sa.text(
                            "INSERT INTO users (email, phone, display_name, address, password_hash, locale, "
                            "is_active, session_token, created_at) VALUES (:email, :phone, 'เดิม', '', NULL, 'th', "
                            ":active, 'x', '2025-01-02 03:04:05')"), {"email": email, "phone": phone, "active": True})

                flask_migrate.upgrade()
                by_email = db.session.scalar(sa.select(User).where(User.email == "old@example.com"))
                by_phone = db.session.scalar(sa.select(User).where(User.phone == "0812345678"))
                assert by_email.email_confirmed_at is not None
                assert by_email.email_confirmed_at.date().isoformat() == "2025-01-02"
                assert by_email.can_sign_in and by_phone.can_sign_in
                db.session.rollback()  # end the read, so the downgrade can take the tables

                flask_migrate.downgrade(revision=BEFORE)
                with db.engine.connect() as connection:
                    inspector = sa.inspect(connection)
                    assert "user_sessions" not in inspector.get_table_names()
                    assert "email_confirmed_at" not in {c["name"] for c in inspector.get_columns("users")}
                    assert connection.execute(sa.text("SELECT COUNT(*) FROM users")).scalar() == 2
            finally:
                db.engine.dispose()
