from datetime import timedelta

import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import Role, User, UserRole
from greensmile.bulk.models import BulkOrder, BuyerProfile, FarmCapacity, StandingOrder
from greensmile.certification.services import BANGKOK
from greensmile.config import ProductionConfig
from greensmile.demo import DEMO_DOMAIN
from greensmile.extensions import db
from greensmile.network.models import Membership, Organisation
from greensmile.places.models import District
from greensmile.rubber.models import Harvest, Lot, LotHarvest
from tests.conftest import login

COUNTED = (User, UserRole, Organisation, Membership, District, BulkOrder, StandingOrder, FarmCapacity, BuyerProfile,
           Harvest, Lot, LotHarvest)


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED}


def test_seed_demo_is_idempotent_and_prints_working_accounts(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first
    assert after_first["District"] == 16
    assert after_first["StandingOrder"] == 1 and after_first["BulkOrder"] >= 2 and after_first["FarmCapacity"] == 3
    assert (after_first["Harvest"], after_first["Lot"], after_first["LotHarvest"]) == (3, 1, 2)
    for role in Role:
        assert f"{role.value}@{DEMO_DOMAIN}" in first.output
    # ตะเคียนทอง gained its wood density in issue 23: the demo's KH-003 now shows its above-ground carbon.
    from greensmile.trees import overview
    from greensmile.trees.models import Tree

    with app.app_context():
        tree = db.session.scalar(sa.select(Tree).where(Tree.tag == "KH-003"))
        (row,) = overview.rows_for([tree])
        assert tree.species.name_th == "ตะเคียนทอง" and str(tree.species.wood_density) == "0.635"
        assert row.estimate is not None and row.estimate.co2_kg > 0

    with app.app_context():
        for role in Role:
            user = db.session.scalar(sa.select(User).where(User.email == f"{role.value}@{DEMO_DOMAIN}"))
            assert role in user.role_set
    password = first.output.split(f"coordinator@{DEMO_DOMAIN}")[1].split()[0]
    assert login(client, f"coordinator@{DEMO_DOMAIN}", password).status_code == 302


def test_seed_demo_refuses_production_without_the_flag(monkeypatch, database_url):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "p" * 40)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", "https://greensmile.example.org")
    app = create_app(ProductionConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "Refusing to create demo accounts" in result.output


def test_users_create_command_makes_a_coordinator(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "first@example.com", "--name", "ผู้ประสานงานคนแรก", "--role", "coordinator",
              "--password", "first-coordinator-pass"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "first@example.com"))
        assert user.role_set == {Role.COORDINATOR}


@pytest.mark.parametrize("password", ["short"])
def test_users_create_refuses_a_short_password(app, password):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "x@example.com", "--name", "x", "--password", password]
    )
    assert result.exit_code != 0 and "at least 8" in result.output


def test_the_demo_rubber_lot_carries_the_fsc_claim(app):
    from greensmile.rubber import lots
    from greensmile.rubber.models import Lot

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot))
        assert lots.claim_of(lot).claim == lots.FSC_100


def test_the_demo_shows_last_month_delivered_and_invoiced(app, client):
    """A new install has a month of deliveries behind it: weighed in from a plot certified on each day, one short with
    the kitchen's note, and the month's invoice issued for what arrived, which the kitchen can open."""
    from greensmile.bulk.invoices import month_start
    from greensmile.bulk.models import BulkStatus, Invoice, InvoiceStatus, Share, ShareStatus
    from greensmile.certification.services import today

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        last_month = month_start(month_start(today()) - timedelta(days=1))
        invoice = db.session.scalar(sa.select(Invoice))
        assert invoice.month == last_month and invoice.status is InvoiceStatus.ISSUED
        past = list(db.session.scalars(sa.select(BulkOrder).where(BulkOrder.delivery_on < month_start(today()))))
        assert len(past) >= 6 and {order.status for order in past} == {BulkStatus.DELIVERED}
        assert {order.delivery_on.isoweekday() for order in past} <= {1, 4}
        shares = list(db.session.scalars(sa.select(Share).where(Share.invoice_id == invoice.id)))
        assert len(shares) == 2 * len(past) and {s.status for s in shares} == {ShareStatus.RECEIVED}
        assert {s.certificate_status for s in shares} == {"certified"}
        short = [s for s in shares if s.received_quantity < s.quantity]
        assert len(short) == 1 and short[0].received_note
        assert invoice.total_satang == sum(int(s.received_quantity * s.unit_price_satang) for s in shares)
        assert all(s.received_at.astimezone(BANGKOK).date() == s.line.order.delivery_on for s in shares)
        number, invoice_id = invoice.number, invoice.id
    password = app.test_cli_runner().invoke(args=["seed-demo"]).output.split(f"buyer@{DEMO_DOMAIN}")[1].split()[0]
    login(client, f"buyer@{DEMO_DOMAIN}", password)
    assert f'href="/bulk/invoices/{invoice_id}">{number}</a>' in client.get("/bulk").get_data(as_text=True)
    page = client.get(f"/bulk/invoices/{invoice_id}")
    assert page.status_code == 200 and "SK001" in page.get_data(as_text=True)
