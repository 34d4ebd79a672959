"""Cells of the CSV files we hand out, as a spreadsheet will read them."""
from __future__ import annotations


def text_cell(text: str) -> str:
    """Typed text as a spreadsheet shows it, never as a formula (=, +, -, @ would be run by Excel)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
