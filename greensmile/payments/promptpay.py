"""PromptPay IDs and the Thai QR Payment payload a buyer's bank app scans.

Standard followed: EMVCo QR Code Specification for Payment Systems, Merchant-Presented Mode, as profiled by
the Bank of Thailand's Thai QR Payment Standard for PromptPay credit transfer (AID A000000677010111 in
tag 29). One function computes the payload text (pure, snapshot-testable); others draw it. The payload
always names the amount (POI method 12, "dynamic") so a buyer cannot pay the wrong sum by typing it.
emvco.py reads these payloads back and was written apart from this module, so each checks the other.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import qrcode
from flask_babel import lazy_gettext as _l
from qrcode.image.svg import SvgPathImage

PROMPTPAY_AID = "A000000677010111"  # PromptPay credit transfer ("any ID")
THB = "764"  # ISO 4217 numeric
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
MAX_REFERENCE = 25  # EMVCo caps each tag-62 sub-field at 25 characters
MAX_AMOUNT_CHARS = 13  # EMVCo caps tag 54 at 13 characters

BAD_ID = _l("This is not a PromptPay ID: give a Thai mobile number, a 13-digit national or tax ID, "
            "or a 15-digit e-wallet ID.")
BAD_CHECK_DIGIT = _l("This 13-digit ID has a wrong check digit: please look at it again.")
BAD_MOBILE = _l("This is not a Thai mobile number: it should be 10 digits starting 06, 08 or 09.")
BAD_AMOUNT = _l("The amount to pay must be a whole number of satang above zero.")
BAD_REFERENCE = _l("A payment reference may hold only Latin letters and digits, from 1 to 25 of them.")

# Which sub-tag of tag 29 carries each kind of ID (Thai QR Payment Standard).
_SUBTAG = {"mobile": "01", "national_id": "02", "ewallet": "03"}
_SEPARATORS = re.compile(r"[\s\-.]+")
_REFERENCE = re.compile(r"[A-Za-z0-9]{1,%d}" % MAX_REFERENCE)


class BadPromptPayId(ValueError):
    """The text is not a PromptPay ID we can receive money on."""


class BadPaymentRequest(ValueError):
    """An amount or reference that cannot go into a PromptPay QR payload."""


@dataclass(frozen=True)
class PromptPayId:
    kind: str  # "mobile", "national_id" or "ewallet"
    value: str  # canonical digits: 0812345678, 1234567890121, or the 15 e-wallet digits

    @property
    def display(self) -> str:
        """The ID grouped the way Thais write it: 081-234-5678, 1-2345-67890-12-1."""
        return _group(self.value, _GROUPS[self.kind])

    @property
    def masked(self) -> str:
        """The ID with all but its last four digits hidden, for pages a stranger may see."""
        hidden = "x" * (len(self.value) - 4) + self.value[-4:]
        return _group(hidden, _GROUPS[self.kind])


_GROUPS = {"mobile": (3, 3, 4), "national_id": (1, 4, 5, 2, 1), "ewallet": (3, 4, 4, 4)}


def _group(text: str, sizes: tuple[int, ...]) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(text[at:at + size])
        at += size
    return "-".join(parts)


def thai_id_check_digit(first12: str) -> int:
    """The 13th digit of a Thai citizen or tax ID, from the first twelve."""
    total = sum(int(digit) * (13 - i) for i, digit in enumerate(first12))
    return (11 - total % 11) % 10


def normalise_promptpay_id(text: str) -> PromptPayId:
    """Read a PromptPay ID as people type it; raise BadPromptPayId on anything else."""
    raw = _SEPARATORS.sub("", text or "")
    international = raw.startswith("+")
    digits = raw[1:] if international else raw
    if not digits.isascii() or not digits.isdigit():
        raise BadPromptPayId(BAD_ID)
    if international and not digits.startswith("66"):
        raise BadPromptPayId(BAD_MOBILE)  # PromptPay only knows Thai (+66) mobile numbers
    if digits.startswith("66") and len(digits) in (11, 12):
        # +66 81 234 5678, 66812345678, and the common +66 081... slip of the pen
        local = digits[2:]
        digits = local if local.startswith("0") else "0" + local
        return _mobile(digits)
    if international:
        raise BadPromptPayId(BAD_MOBILE)
    if len(digits) == 10:
        return _mobile(digits)
    if len(digits) == 13:
        if thai_id_check_digit(digits[:12]) != int(digits[12]):
            raise BadPromptPayId(BAD_CHECK_DIGIT)
        return PromptPayId("national_id", digits)
    if len(digits) == 15:
        return PromptPayId("ewallet", digits)
    raise BadPromptPayId(BAD_ID)


def _mobile(digits: str) -> PromptPayId:
    # Thai mobile ranges are 06x, 08x and 09x; 02-05 and 07 are 9-digit landlines PromptPay cannot use.
    if len(digits) != 10 or digits[0] != "0" or digits[1] not in "689":
        raise BadPromptPayId(BAD_MOBILE)
    return PromptPayId("mobile", digits)


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} is too long ({len(value)} characters)")
    return f"{tag}{len(value):02d}{value}"


def _account_value(pp_id: PromptPayId) -> str:
    if pp_id.kind == "mobile":
        # The standard writes a mobile as 0066 + the number without its trunk 0, 13 digits in all.
        return ("0066" + pp_id.value[1:]).rjust(13, "0")
    return pp_id.value


def _baht(amount_satang: int) -> str:
    if isinstance(amount_satang, bool) or not isinstance(amount_satang, int) or amount_satang <= 0:
        raise BadPaymentRequest(BAD_AMOUNT)
    text = f"{amount_satang // 100}.{amount_satang % 100:02d}"
    if len(text) > MAX_AMOUNT_CHARS:
        raise BadPaymentRequest(BAD_AMOUNT)
    return text


def crc16_ccitt_false(text: str) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR), bit by bit."""
    crc = 0xFFFF
    for byte in text.encode("ascii"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def payload(pp_id: PromptPayId, amount_satang: int, reference: str) -> str:
    """The text of a PromptPay QR code asking for exactly this amount, tagged with our reference."""
    if pp_id.kind not in _SUBTAG:
        raise BadPromptPayId(BAD_ID)
    if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
        raise BadPaymentRequest(BAD_REFERENCE)
    body = "".join([
        _tlv("00", "01"),  # payload format indicator
        _tlv("01", "12"),  # dynamic: the amount is fixed, so the code is for this one payment
        _tlv("29", _tlv("00", PROMPTPAY_AID) + _tlv(_SUBTAG[pp_id.kind], _account_value(pp_id))),
        _tlv("53", THB),
        _tlv("54", _baht(amount_satang)),
        _tlv("58", "TH"),
        _tlv("62", _tlv("05", reference)),  # 05 = reference label
        "6304",  # the CRC covers its own tag and length
    ])
    return f"{body}{crc16_ccitt_false(body):04X}"


def _qr(text: str, box_size: int) -> qrcode.QRCode:
    # M (15 %) keeps the code small enough for a phone screen while surviving glare and a cracked screen.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_png(payload: str, box_size: int = 8) -> bytes:
    out = io.BytesIO()
    _qr(payload, box_size).make_image().save(out)
    return out.getvalue()


def qr_svg(payload: str) -> str:
    """A vector QR code (scales to any screen or print size)."""
    out = io.BytesIO()
    _qr(payload, 10).make_image(image_factory=SvgPathImage).save(out)
    return out.getvalue().decode("utf-8")
