"""The carbon of one tree, checked against a worked example computed by hand from the equation."""
from __future__ import annotations

import math

import pytest

from greensmile.trees import carbon


def test_one_tree_matches_the_worked_example():
    # A teak tree: girth 94.25 cm (D = 94.25 / π = 30.0 cm), height 18 m, wood density 0.55 g/cm³.
    # ρD²H = 0.55 × 30.0² × 18 = 8,910;  8,910^0.976 = e^(0.976 × ln 8,910) = e^(0.976 × 9.09493) = e^8.87665
    # = 7,162.8;  AGB = 0.0673 × 7,162.8 = 482.05 kg;  carbon = 0.47 × 482.05 = 226.56 kg;
    # CO₂ = 226.56 × 44/12 = 830.7 kg
    girth = 30.0 * math.pi
    result = carbon.estimate(0.55, girth, 18)
    assert result.biomass_kg == pytest.approx(482.05, abs=0.05)
    assert result.carbon_kg == pytest.approx(226.56, abs=0.05)
    assert result.co2_kg == pytest.approx(830.7, abs=0.1)
    assert "Chave" in result.equation


def test_no_wood_density_no_estimate():
    assert carbon.estimate(None, 100, 10) is None
    assert carbon.estimate(0.6, 0, 10) is None


def test_a_trunk_under_5_cm_across_gets_no_estimate():
    """Chave et al. (2014) fitted the equation on trees of 5 cm diameter and more."""
    assert carbon.estimate(0.6, 4.99 * math.pi, 3) is None
    assert carbon.estimate(0.6, 15.7, 3) is None  # 15.7 cm round: 4.998 cm across
    assert carbon.estimate(0.6, 15.8, 3) is not None  # 5.03 cm across
    assert "above-ground" in carbon.SCOPE and "5 cm" in carbon.SCOPE


def test_the_sql_form_gives_the_same_figure_and_the_same_trees_as_the_python_one(app_ctx):
    """The impact page sums CO₂ in the database with co2_kg_sql() over the rows estimable_sql() keeps; both must say
    what estimate() says, tree by tree, and keep the same trees."""
    import sqlalchemy as sa

    from greensmile.extensions import db

    trees = [(0.601, 94.2, 12.5), (0.55, 94.3, 18), (1.2, 15.8, 1.3), (0.3, 1500.0, 60), (0.9, 15.7, 2.0),
             (0.9, 3.1, 1.3), (None, 80.0, 10.0)]
    for density, girth, height in trees:
        # Typed as the columns are (PostgreSQL will not guess the type of a bare parameter, a NULL least of all).
        columns = [sa.cast(sa.literal(value, kind), kind) for value, kind in (
            (density, sa.Numeric(4, 3)), (girth, sa.Numeric(6, 1)), (height, sa.Numeric(5, 2)))]
        kept, from_sql = db.session.execute(sa.select(sa.case((carbon.estimable_sql(*columns), True), else_=False),
                                                      carbon.co2_kg_sql(*columns))).one()
        expected = carbon.estimate(density, girth, height)
        assert bool(kept) is (expected is not None), (density, girth, height)
        if expected is not None:
            assert from_sql == pytest.approx(expected.co2_kg, rel=1e-12)
