"""Above-ground biomass and carbon of one tree, from the pantropical equation of Chave et al. (2014):

    AGB = 0.0673 × (ρ · D² · H)^0.976      AGB in kg; ρ wood density in g/cm³; D diameter at breast height in cm;
                                            H height in m
    carbon = 0.47 × AGB;   CO₂ = carbon × 44/12

Chave, J. et al. (2014). Improved allometric models to estimate the aboveground biomass of tropical trees.
Global Change Biology 20(10): 3177–3190. Shown as an estimate, only where the species has a wood density.
Pure functions: the figures can be checked by hand.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

EQUATION = "AGB = 0.0673 × (ρD²H)^0.976 (Chave et al. 2014)"
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
    """The estimate for one tree, or None when the species has no wood density (nothing is made up)."""
    if wood_density is None or girth_cm <= 0 or height_m <= 0:
        return None
    d = diameter_cm(girth_cm)
    biomass = 0.0673 * (float(wood_density) * d * d * float(height_m)) ** 0.976
    carbon = biomass * CARBON_FRACTION
    return CarbonEstimate(biomass, carbon, carbon * CO2_PER_C)
