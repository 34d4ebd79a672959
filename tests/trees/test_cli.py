"""The tree-bank commands: the species list and a price table from the command line."""
from __future__ import annotations

from greensmile.accounts.models import Role
from tests.factories import make_user


def test_load_species_then_prices_by_a_coordinator_only(app, given, tmp_path):
    with given():
        make_user(Role.COORDINATOR, email="coord@example.com")
        make_user(Role.FARMER, email="farmer@example.com")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trees", "load-species"])
    assert result.exit_code == 0 and "44 species added" in result.output
    prices = tmp_path / "prices.csv"
    prices.write_text("species,min_girth_cm,baht_per_m3\nสัก,0,3500\nTectona grandis,60,6500\n", encoding="utf-8")
    refused = runner.invoke(args=["trees", "load-prices", str(prices), "--source", "x", "--as", "farmer@example.com"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    loaded = runner.invoke(args=["trees", "load-prices", str(prices), "--source", "ราคาทดสอบ", "--as",
                                 "coord@example.com"])
    assert loaded.exit_code == 0 and "version 1: 2 prices" in loaded.output
