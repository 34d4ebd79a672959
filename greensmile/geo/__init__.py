"""Plot boundaries: captured (walked, drawn) or imported (GeoJSON, KML), checked, measured on the ellipsoid, kept
with their history; and the maps that show them."""
