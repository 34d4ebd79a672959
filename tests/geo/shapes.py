"""Plot shapes in southern Thailand for the boundary tests, and an area computed another way to check ours."""
from __future__ import annotations

import math

from pyproj import Transformer
from shapely.geometry import Polygon

# Khuan Niang, Songkhla.
LON, LAT = 100.418, 7.160


def square(side_m: float = 40.0, lon: float = LON, lat: float = LAT) -> list[list[float]]:
    """A closed square ring of about `side_m` metres a side."""
    dlat = side_m / 110_574
    dlon = side_m / (111_320 * math.cos(math.radians(lat)))
    return [[lon, lat], [lon + dlon, lat], [lon + dlon, lat + dlat], [lon, lat + dlat], [lon, lat]]


def hexagon(radius_m: float = 50.0, lon: float = LON, lat: float = LAT) -> list[list[float]]:
    """Six corners round a centre, open (the last is not the first): what a walk gives."""
    points = []
    for k in range(6):
        angle = math.radians(60 * k + 10)
        points.append([round(lon + radius_m * math.cos(angle) / (111_320 * math.cos(math.radians(lat))), 7),
                       round(lat + radius_m * math.sin(angle) / 110_574, 7)])
    return points


def utm_area(ring) -> float:
    """The area in m² on the UTM zone 47N plane: a different computation from the ellipsoid's (pyproj's Geod)."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32647", always_xy=True)
    return Polygon([to_utm.transform(lon, lat) for lon, lat in ring]).area
