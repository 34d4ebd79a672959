"""Provinces and districts (อำเภอ) that plots, groups and organisations are located in."""
