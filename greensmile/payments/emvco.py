"""Reading EMVCo QR payment payloads, as the Thai QR Payment Standard (Bank of Thailand) uses them.

Standard followed: EMVCo QR Code Specification for Payment Systems, Merchant-Presented Mode (ID, two-digit
length, value; CRC-16/CCITT-FALSE in tag 63 over everything before its value), with the Thai profile:
tag 29 PromptPay credit transfer (AID A000000677010111; sub-tag 01 mobile, 02 national or tax ID,
03 e-wallet, 04 bank account) and tag 30 PromptPay bill payment (AID A000000677010112; 01 biller ID,
02 ref 1, 03 ref 2). Both static (01 = "11") and dynamic (01 = "12") codes are read.

Written apart from promptpay.py on purpose (its own TLV walk, a table-driven CRC where the generator
computes bit by bit), so a test that generates with one and reads with the other proves something.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

PROMPTPAY_AID = "A000000677010111"
BILL_PAYMENT_AID = "A000000677010112"

TRUNCATED = _l("This QR payload is cut short: a field is longer than the text that is left.")
BAD_LENGTH = _l("This QR payload is malformed: a field's tag or length is not two digits.")
BAD_CRC = _l("This QR payload's checksum does not match: it was mistyped or altered.")
NO_CRC = _l("This QR payload has no checksum at its end.")
DUPLICATE = _l("This QR payload repeats a field.")
NOT_PROMPTPAY = _l("This QR code is not a PromptPay payment code.")
BAD_AMOUNT = _l("This QR payload's amount is not a number of baht.")

# Tags whose value is itself a TLV list: 26-51 merchant account information, 62 additional data,
# 64 merchant information in another language. 80-99 are "unreserved": issuers put plain text there
# (TrueMoney's tag 81), so they stay raw.
TEMPLATES = frozenset(f"{n:02d}" for n in [*range(26, 52), 62, 64])
ACCOUNT_KINDS = {"01": "mobile", "02": "national_id", "03": "ewallet", "04": "bank_account"}
_AMOUNT = re.compile(r"(\d{1,10})(?:\.(\d{1,2}))?")


class BadPayload(ValueError):
    """The text is not a well-formed EMVCo payload, or its checksum is wrong."""


def _crc_table() -> tuple[int, ...]:
    table = []
    for high in range(256):
        crc = high << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16(text: str) -> int:
    """CRC-16/CCITT-FALSE over the text's bytes, one table look-up per byte."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc


def walk(text: str) -> list[tuple[str, str]]:
    """Split a TLV string into (tag, value) pairs, refusing anything that does not add up exactly."""
    fields, at = [], 0
    while at < len(text):
        head = text[at:at + 4]
        if len(head) < 4:
            raise BadPayload(TRUNCATED)
        if not (head.isascii() and head.isdigit()):
            raise BadPayload(BAD_LENGTH)
        end = at + 4 + int(head[2:])
        if end > len(text):
            raise BadPayload(TRUNCATED)
        fields.append((head[:2], text[at + 4:end]))
        at = end
    return fields


def _as_dict(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag, value in pairs:
        if tag in out:
            raise BadPayload(DUPLICATE)
        out[tag] = value
    return out


def parse(text: str) -> dict:
    """The payload's fields by tag, templates as nested dicts, once its CRC (tag 63) is proven."""
    text = (text or "").strip()  # scanners often hand over a trailing newline
    pairs = walk(text)
    if not pairs or pairs[-1][0] != "63" or len(pairs[-1][1]) != 4:
        raise BadPayload(NO_CRC)
    # The CRC covers everything up to and including "6304", i.e. all but its own four hex digits.
    if f"{crc16(text[:-4]):04X}" != pairs[-1][1].upper():
        raise BadPayload(BAD_CRC)
    fields: dict = _as_dict(pairs)
    for tag in fields.keys() & TEMPLATES:
        fields[tag] = _as_dict(walk(fields[tag]))
    return fields


@dataclass(frozen=True)
class PromptPayFields:
    id_kind: str  # mobile, national_id, ewallet, bank_account, or biller (tag 30 bill payment)
    id_value: str  # a mobile comes back in local form, 0812345678
    amount_satang: int | None  # None on a static code, where the payer types the amount
    currency: str
    country: str | None
    reference: str | None  # tag 62 sub-tag 05, the reference label
    dynamic: bool = False
    ref1: str | None = None  # bill payment references (tag 30 sub-tags 02 and 03)
    ref2: str | None = None
    ref3: str | None = None  # tag 62 sub-tag 07 (terminal label), which bill-payment codes use as ref 3


def _satang(text: str) -> int:
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise BadPayload(BAD_AMOUNT)
    baht, fraction = match.groups()
    return int(baht) * 100 + int((fraction or "0").ljust(2, "0"))


def _local_mobile(value: str) -> str:
    # 0066812345678 -> 0812345678; anything not in that shape is returned as the code holds it.
    digits = value.lstrip("0")
    return "0" + digits[2:] if digits.startswith("66") and len(digits) == 11 else value


def read_promptpay(text: str) -> PromptPayFields:
    """What a PromptPay QR code asks for: who is paid, how much, and under which reference."""
    fields = parse(text)
    if fields.get("00") != "01" or fields.get("53") not in (None, "764"):
        raise BadPayload(NOT_PROMPTPAY)
    transfer, bill = fields.get("29"), fields.get("30")
    ref1 = ref2 = None
    if isinstance(transfer, dict) and transfer.get("00") == PROMPTPAY_AID:
        found = [(sub, transfer[sub]) for sub in ACCOUNT_KINDS if sub in transfer]
        if len(found) != 1:
            raise BadPayload(NOT_PROMPTPAY)
        kind, value = ACCOUNT_KINDS[found[0][0]], found[0][1]
        if kind == "mobile":
            value = _local_mobile(value)
    elif isinstance(bill, dict) and bill.get("00") == BILL_PAYMENT_AID and bill.get("01"):
        kind, value, ref1, ref2 = "biller", bill["01"], bill.get("02"), bill.get("03")
    else:
        raise BadPayload(NOT_PROMPTPAY)
    extra = fields.get("62") or {}
    amount = fields.get("54")
    return PromptPayFields(
        id_kind=kind,
        id_value=value,
        amount_satang=_satang(amount) if amount is not None else None,
        currency="764",
        country=fields.get("58"),
        reference=extra.get("05"),
        dynamic=fields.get("01") == "12",
        ref1=ref1,
        ref2=ref2,
        ref3=extra.get("07"),
    )
