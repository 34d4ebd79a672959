import pytest
import sqlalchemy as sa

from greensmile import create_app
from greensmile.accounts.models import Role, User, UserRole
from greensmile.bulk.models import BulkOrder, BuyerProfile, FarmCapacity, StandingOrder
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
