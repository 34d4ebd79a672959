"""Certification on one engine for every standard: charters, applications, inspections, decisions."""
