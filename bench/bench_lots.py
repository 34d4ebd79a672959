"""The FSC claim of a lot: each contribution's status on its harvest date, in a fixed number of queries.

Figures: queries and time to compute the claim of a 10-line and a 500-line lot (each line a harvest record from one
of 50 member plots, on a different day). Floor, in the same run on the same database: one raw SQL query that reads
the same 500 harvest rows. Prints figures only; it never passes or fails.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("APP_ENV", "testing")

import sqlalchemy as sa  # noqa: E402

from bench.support import counted, database, demo_app, report  # noqa: E402
from greensmile.accounts import services as accounts  # noqa: E402
from greensmile.accounts.models import Role  # noqa: E402
from greensmile.certification import charter  # noqa: E402
from greensmile.certification import services as certification  # noqa: E402
from greensmile.certification.group_models import GroupCertificate, GroupOutcome  # noqa: E402
from greensmile.certification.models import CertStatus, EventKind  # noqa: E402
from greensmile.certification.services import today  # noqa: E402
from greensmile.extensions import db  # noqa: E402
from greensmile.network.models import Membership, Organisation, OrganisationKind, Position  # noqa: E402
from greensmile.places.models import District  # noqa: E402
from greensmile.plots import services as plots  # noqa: E402
from greensmile.plots.models import PlotType  # noqa: E402
from greensmile.rubber import lots  # noqa: E402
from greensmile.rubber.models import Harvest, LotHarvest, RubberProduct  # noqa: E402

PLOTS = 50


def _world(app):
    """50 member plots of an FSC group, certified 200 days ago, and 500 harvests over the last 150 days."""
    with app.test_request_context():
        fsc = charter.ensure_fsc_standard()
        coordinator = accounts.create_user(email="bench-coord@example.com", display_name="ผู้ประสานงาน",
                                           password="x" * 12, roles=(Role.COORDINATOR,))
        group = Organisation(name="กลุ่มยาง (bench)", kind=OrganisationKind.FSC_GROUP)
        exporter = Organisation(name="ผู้ส่งออก (bench)", kind=OrganisationKind.RUBBER_EXPORTER)
        db.session.add_all([group, exporter])
        db.session.flush()
        db.session.add(Membership(organisation=group, user=coordinator, position=Position.MANAGER))
        district = db.session.scalar(sa.select(District).order_by(District.id))
        ids = []
        for n in range(PLOTS):
            farmer = accounts.create_user(email=None, display_name=f"ชาวสวน {n}", phone=f"08{n:08d}",
                                          roles=(Role.FARMER,))
            db.session.add(Membership(organisation=group, user=farmer))
            plot = plots.create_plot(None, farmer, plots.PlotData(
                district_id=district.id, area_m2=Decimal("16000"), plot_type=PlotType.RUBBER, group_id=group.id))
            cert = certification.certification_for(plot, fsc)
            certification._move(cert, CertStatus.CERTIFIED, EventKind.DECISION, coordinator, "bench")
            cert.valid_from, cert.valid_until = today() - timedelta(days=200), today() + timedelta(days=165)
            ids.append(plot.id)
        db.session.flush()
        # The events are dated now; date them back so that past harvests fall inside the certificate.
        db.session.execute(sa.text("UPDATE certification_events SET created_at = :at"),
                           {"at": (today() - timedelta(days=200)).isoformat() + " 00:00:00"})
        # Set-up data, written as it would stand after 200 days (the service refuses to backdate that far).
        db.session.add(GroupCertificate(organisation_id=group.id, standard_id=fsc.id, outcome=GroupOutcome.CERTIFIED,
                                        certificate_number="FSC-C000000", certification_body="bench",
                                        decided_on=today() - timedelta(days=200),
                                        valid_from=today() - timedelta(days=200),
                                        valid_until=today() + timedelta(days=165)))
        harvests = [Harvest(plot_id=ids[n % PLOTS], harvested_on=today() - timedelta(days=1 + n % 150),
                            product=RubberProduct.CUP_LUMP, weight_kg=Decimal("20"), drc_percent=Decimal("50"),
                            dry_rubber_kg=Decimal("10")) for n in range(510)]
        db.session.add_all(harvests)
        db.session.flush()
        small = lots.create_lot(coordinator, group, exporter)
        big = lots.create_lot(coordinator, group, exporter)
        db.session.add_all([LotHarvest(lot_id=small.id, harvest_id=h.id) for h in harvests[:10]])
        db.session.add_all([LotHarvest(lot_id=big.id, harvest_id=h.id) for h in harvests[10:]])
        db.session.commit()
        return small.id, big.id


def measure(app, lot_id: int) -> tuple[int, float, str]:
    with app.test_request_context():
        queries, seconds, claim = counted(lambda: lots.claim_of(db.session.get(lots.Lot, lot_id)))
        return queries, seconds, claim.claim or "no claim"


def floor(app, lot_id: int) -> float:
    with app.app_context():
        started = time.perf_counter()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT h.plot_id, h.harvested_on, h.dry_rubber_kg FROM rubber_harvests h "
                "JOIN rubber_lot_harvests l ON l.harvest_id = h.id WHERE l.lot_id = :lot"), {"lot": lot_id}).all()
        assert len(rows) == 500
        return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, url = demo_app(folder)
        small, big = _world(app)
        for lot_id in (small, big):
            measure(app, lot_id)  # warm up
        small_q, small_s, small_claim = measure(app, small)
        big_q, big_s, big_claim = measure(app, big)
        floor_s = floor(app, big)
        with app.app_context():
            db.engine.dispose()
        print(f"database: {url.split(':')[0]}; {PLOTS} member plots")
        print(f"claim of a 10-line lot     {small_q:3d} queries  {small_s * 1000:7.1f} ms   {small_claim}")
        print(f"claim of a 500-line lot    {big_q:3d} queries  {big_s * 1000:7.1f} ms   {big_claim}")
        print(f"floor (one raw SQL read of the 500 lines)     {floor_s * 1000:7.1f} ms")
        print(f"queries {big_q} for 500 lines vs {small_q} for 10")
        report("rubber lot claim, 500 lines vs one raw read", big_s * 1000, floor_s * 1000, "ms", goal=5,
               database=database(url))


if __name__ == "__main__":
    main()
