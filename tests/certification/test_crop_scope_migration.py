"""The crop-scope migration: a plot certified before it keeps selling the crops it grows today (the backfill),
and a rejection is given no scope."""
from __future__ import annotations

from datetime import date, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import User
from greensmile.certification import scope
from greensmile.certification.models import ApplicationStatus, CertStatus, inspection_crops
from greensmile.extensions import db
from greensmile.notifications.services import quiet
from tests.certification.helpers import make_cycle, through_inspection
from tests.dbutil import lent_columns, lent_snapshots, scratch_database

BEFORE = "c7d1e2f3a4b5"


def _decided(application, committee, outcome: str) -> int:
    """A decision as the code before the migration wrote it (no crops)."""
    db.session.execute(sa.text(
        "INSERT INTO decisions (application_id, decided_by_id, outcome, reasons, conditions, valid_from, valid_until, "
        "area_m2, decided_at) VALUES (:application, :member, :outcome, 'ผ่าน', '', :start, :until, 1600, "
        "CURRENT_TIMESTAMP)"),
        {"application": application.id, "member": committee.id, "outcome": outcome, "start": date.today(),
         "until": date.today() + timedelta(days=364)})
    application.status = ApplicationStatus.DECIDED
    return db.session.scalar(sa.text("SELECT MAX(id) FROM decisions"))


@pytest.mark.own_app
def test_certified_plots_keep_their_crops_covered_after_the_migration(database_url, tmp_path):
    with scratch_database(database_url, "scopemig", tmp_path) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(tmp_path / "up")})
        with app.test_request_context():
            try:
                flask_migrate.upgrade(revision=BEFORE)
                # Today's code records what each inspection saw; the old code did not. Its table is lent to the
                # set-up below and taken away again before the upgrade, so the data is as the old code left it.
                inspection_crops.create(db.engine)
                # The old schema has no notification tables: what the set-up does is announced to nobody.
                with lent_columns(db.engine, User.__table__.c.email_confirmed_at), lent_snapshots(db.engine), quiet():
                    cycle = make_cycle(crops=("คะน้า", "ผักบุ้ง"))
                    application = through_inspection(cycle)
                    certify = _decided(application, cycle.committee, "certify")
                    application.certification.status = CertStatus.CERTIFIED
                    db.session.commit()
                    _decided(through_inspection(cycle), cycle.committee, "reject")  # later, but sets no standing
                    db.session.commit()
                inspection_crops.drop(db.engine)

                flask_migrate.upgrade()
                rows = db.session.execute(sa.text("SELECT decision_id, crop_id FROM decision_crops")).all()
                assert {decision for decision, _crop in rows} == {certify}
                assert {crop.name_th for crop in scope.scope_of(cycle.plot).covered} == {"คะน้า", "ผักบุ้ง"}
                db.session.rollback()  # end the read, so the downgrade can take the database

                flask_migrate.downgrade(revision=BEFORE)
                assert "decision_crops" not in sa.inspect(db.engine).get_table_names()
            finally:
                db.session.remove()
                db.engine.dispose()
