"""Public plot codes: six characters from an alphabet without look-alikes, the last a check character.

The alphabet is Crockford's base 32 (no I, L, O, U). Typed codes are read in any case, with spaces or
dashes, and with O/I/L taken for 0/1/1. The check character (Luhn mod 32) catches every single wrong
character and almost every swap of two neighbours, so a typo gives "no such code", never another plot.
"""
from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
PAYLOAD_LENGTH = 5
CODE_LENGTH = PAYLOAD_LENGTH + 1
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class InvalidPlotCode(ValueError):
    """The text is not a well-formed plot code (wrong length, letters or check character)."""


def _luhn_sum(values: list[int], double_first: bool) -> int:
    total, double = 0, double_first
    for value in reversed(values):
        addend = value * 2 if double else value
        total += addend // BASE + addend % BASE
        double = not double
    return total


def check_character(payload: str) -> str:
    values = [ALPHABET.index(char) for char in payload]
    return ALPHABET[(BASE - _luhn_sum(values, double_first=True) % BASE) % BASE]


def new_code() -> str:
    payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
    return payload + check_character(payload)


def normalise_code(text: str) -> str:
    """The canonical form of a typed code, or raise InvalidPlotCode."""
    code = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        raise InvalidPlotCode(text)
    values = [ALPHABET.index(char) for char in code]
    if _luhn_sum(values, double_first=False) % BASE != 0:
        raise InvalidPlotCode(text)
    return code


def is_valid_code(text: str) -> bool:
    try:
        normalise_code(text)
    except InvalidPlotCode:
        return False
    return True
