"""The plot registry: farm plots, the crop catalogue, photos, history, CSV import/export."""
