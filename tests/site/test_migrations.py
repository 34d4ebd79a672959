import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from greensmile import create_app
from greensmile.extensions import db
from tests.dbutil import scratch_database


@pytest.mark.own_app
def test_migrations_build_exactly_the_models_and_downgrade_cleanly(database_url, tmp_path):
    with scratch_database(database_url, "migrations", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            try:
                flask_migrate.upgrade()
                with db.engine.connect() as connection:
                    context = MigrationContext.configure(connection, opts={"compare_type": True})
                    drift = compare_metadata(context, db.metadata)
                assert drift == [], f"models and migrations disagree: {drift}"

                flask_migrate.downgrade(revision="base")
                with db.engine.connect() as connection:
                    left = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
                assert left == set()

                flask_migrate.upgrade()
                with db.engine.connect() as connection:
                    assert {"users", "user_roles", "organisations"} <= set(sa.inspect(connection).get_table_names())
            finally:
                db.engine.dispose()


def test_every_migration_file_name_carries_a_date():
    from greensmile.config import ROOT

    names = [path.name for path in (ROOT / "migrations" / "versions").glob("*.py")]
    assert names
    for name in names:
        assert name[:8].isdigit() and name[8] == "_", name
