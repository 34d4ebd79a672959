"""Above-ground biomass and carbon of one tree, from the pantropical equation of Chave et al. (2014):

    AGB = 0.0673 × (ρ · D² · H)^0.976      AGB in kg; ρ wood density in g/cm³; D diameter at breast height in cm;
                                            H height in m
    carbon = 0.47 × AGB;   CO₂ = carbon × 44/12

Chave, J. et al. (2014). Improved allometric models to estimate the aboveground biomass of tropical trees.
Global Change Biology 20(10): 3177–3190. Shown as an estimate, only where the species has a wood density.
Pure functions: the figures can be checked by hand. co2_kg_sql() is the same estimate as an SQL expression, for
summing many trees in the database; a test holds the two to the same figures.
"""
from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

EQUATION = "AGB = 0.0673 × (ρD²H)^0.976 (Chave et al. 2014)"
# The equation estimates above-ground biomass only (no roots), and was fitted on trees of 5 cm diameter and more:
# a smaller tree gets no estimate rather than one the data behind the equation does not support.
SCOPE = "above-ground biomass only, trees of 5 cm diameter and more"
MIN_DIAMETER_CM = 5.0
MIN_GIRTH_CM = MIN_DIAMETER_CM * math.pi
CARBON_FRACTION = 0.47
CO2_PER_C = 44 / 12


def diameter_cm(girth_cm: float) -> float:
    """Diameter at breast height from the girth measured round the trunk: D = girth / π."""
    return float(girth_cm) / math.pi


@dataclass(frozen=True)
class CarbonEstimate:
    biomass_kg: float
    carbon_kg: float
    co2_kg: float
    equation: str = EQUATION


def estimate(wood_density: Decimal | float | None, girth_cm: float, height_m: float) -> CarbonEstimate | None:
    """The estimate for one tree, or None when the species has no wood density (nothing is made up) or the trunk is
    thinner than the equation was fitted on."""
    if wood_density is None or height_m <= 0 or diameter_cm(girth_cm) < MIN_DIAMETER_CM:
        return None
    d = diameter_cm(girth_cm)
    biomass = 0.0673 * (float(wood_density) * d * d * float(height_m)) ** 0.976
    carbon = biomass * CARBON_FRACTION
    return CarbonEstimate(biomass, carbon, carbon * CO2_PER_C)


def estimable_sql(wood_density, girth_cm, height_m) -> sa.ColumnElement[bool]:
    """The rows estimate() gives an estimate for, as an SQL condition."""
    return sa.and_(wood_density.is_not(None), girth_cm >= MIN_GIRTH_CM, height_m > 0)


def co2_kg_sql(wood_density, girth_cm, height_m) -> sa.ColumnElement[float]:
    """estimate(...).co2_kg as an SQL expression over columns, for the rows estimable_sql() keeps (can_sum_in_sql()
    says whether the database can)."""
    diameter = sa.cast(girth_cm, sa.Float) / math.pi
    biomass = 0.0673 * sa.func.power(sa.cast(wood_density, sa.Float) * diameter * diameter
                                     * sa.cast(height_m, sa.Float), 0.976)
    return biomass * (CARBON_FRACTION * CO2_PER_C)


def _sqlite_has_power() -> bool:
    try:
        sqlite3.connect(":memory:").execute("SELECT power(2.0, 0.5)")
        return True
    except sqlite3.OperationalError:  # an SQLite built without its math functions
        return False


SQLITE_HAS_POWER = _sqlite_has_power()


def can_sum_in_sql(dialect_name: str) -> bool:
    return dialect_name != "sqlite" or SQLITE_HAS_POWER
