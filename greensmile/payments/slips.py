"""Reading the transaction reference off a Thai bank transfer slip.

Standard followed: the slip-verification "mini QR" that Thai bank apps print on every transfer slip, as
described by the banks' slip-verification APIs (SCB's "Extracting data from mini QR"; the same fields go
to every bank's slip look-up as sendingBank and transRef). It is an EMVCo-style TLV string:

    00  template: 00 API id "000001", 01 sending bank code (3 digits), 02 transaction reference
    51  country code "TH"
    91  CRC-16/CCITT-FALSE, 4 hex digits, over everything before them (so including "9104")

The reference identifies a transfer; it does not prove one. A slip image is easy to forge, so whoever
uses this must still confirm the transfer with the bank (or a reconciled statement) before money counts.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import zxingcpp
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from greensmile.payments.emvco import BadPayload, crc16, walk

MAX_IMAGE_BYTES = 8 * 1024 * 1024
FIRST_TRY_SIDE = 1600  # pixels: phone photos are 3000-4000 px; a slip QR still has 3+ px per module here
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")  # what phones save screenshots and photos as; fewer decoders exposed
SLIP_API_ID = "000001"

NOT_SLIP = _l("This is not the QR code of a Thai bank transfer slip.")
BAD_CHECKSUM = _l("The slip's QR code does not check out: it was misread or altered.")
TOO_LARGE = _l("This image is too large: please send a screenshot of the slip instead.")
NOT_IMAGE = _l("This file is not a picture we can read: please send the slip as a JPEG or PNG.")
BAD_TYPED_REFERENCE = _l("A transaction reference is 10 to 40 letters and digits, as printed on the slip.")

_BANK = re.compile(r"\d{3}")
_TRANS_REF = re.compile(r"[A-Za-z0-9]{1,40}")  # seen: 16-25 characters; SCB and Krungsri use lower case
_TYPED = re.compile(r"[A-Z0-9]{10,40}")
_CRC = re.compile(r"[0-9A-Fa-f]{1,4}")


class BadSlip(ValueError):
    """The slip, its image or a typed reference cannot be read as a transfer reference."""


@dataclass(frozen=True)
class SlipQr:
    sending_bank: str  # the payer's bank, by its Bank of Thailand 3-digit code (004 KBank, 014 SCB...)
    transaction_ref: str  # case kept as printed: some banks' references mix upper and lower case
    raw: str


def read_slip_payload(text: str) -> SlipQr:
    """The sending bank and transaction reference a slip's mini QR carries."""
    text = (text or "").strip()
    try:
        pairs = walk(text)
        fields = dict(pairs)
        inner = dict(walk(fields.get("00", "")))
    except BadPayload:
        raise BadSlip(NOT_SLIP) from None
    if not pairs or pairs[-1][0] != "91" or not _CRC.fullmatch(pairs[-1][1]):
        raise BadSlip(NOT_SLIP)
    # Some bank apps print the CRC with its leading zeros dropped and its length shrunk to match
    # ("9103ABC" for 0ABC); the CRC itself was still computed over "...9104", so check it that way.
    # promptparse (maythiwat/promptparse, src/validate/promptpay/SlipVerify.ts) tolerates the same fault.
    printed = pairs[-1][1]
    head = text[:len(text) - 4 - len(printed)]
    if crc16(head + "9104") != int(printed, 16):
        raise BadSlip(BAD_CHECKSUM)
    bank, ref = inner.get("01", ""), inner.get("02", "")
    if inner.get("00") != SLIP_API_ID or not _BANK.fullmatch(bank) or not _TRANS_REF.fullmatch(ref):
        raise BadSlip(NOT_SLIP)
    if fields.get("51", "TH") != "TH":
        raise BadSlip(NOT_SLIP)
    return SlipQr(sending_bank=bank, transaction_ref=ref, raw=text)


def open_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> Image.Image:
    """The uploaded picture, checked, upright and in grey; BadSlip if we will not read it."""
    if len(data) > max_bytes:
        raise BadSlip(TOO_LARGE)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat the warning as the refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS).verify()
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)  # verify() spends the first
            image.load()
            # A phone photo is stored sideways with an EXIF note saying which way is up.
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                # Transparent pixels would turn black in grey and hide the code; lay the picture on white.
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
            return image.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadSlip(TOO_LARGE) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise BadSlip(NOT_IMAGE) from None


def _decode(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found if code.valid and code.text]


def decode_image(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> list[str]:
    """The text of every QR code in an uploaded image; BadSlip if it is not an image we accept."""
    image = open_image(data, max_bytes)
    texts: list[str] = []
    if max(image.size) > FIRST_TRY_SIDE:
        # Smaller is faster and, for a photo, often cleaner; full size is the fall-back for a tiny QR.
        small = image.copy()
        small.thumbnail((FIRST_TRY_SIDE, FIRST_TRY_SIDE), Image.Resampling.LANCZOS)
        texts = _decode(small)
    if not texts:
        texts = _decode(image)
    return list(dict.fromkeys(texts))  # one code can be found twice; keep the first sighting's order


def reference_from_slip(data: bytes, max_bytes: int = MAX_IMAGE_BYTES) -> SlipQr | None:
    """The first QR code in the image that reads as a slip, or None when there is none."""
    for text in decode_image(data, max_bytes):
        try:
            return read_slip_payload(text)
        except BadSlip:
            continue  # a slip can also carry the payee's PromptPay code or a bank's advert
    return None


def normalise_typed_reference(text: str) -> str:
    """A reference as a buyer types it from the slip, spaces and dashes dropped, in capitals."""
    cleaned = re.sub(r"[\s\-]+", "", text or "")
    if not cleaned.isascii():  # before upper(), which turns "ß" into "SS"
        raise BadSlip(BAD_TYPED_REFERENCE)
    cleaned = cleaned.upper()
    if not _TYPED.fullmatch(cleaned):
        raise BadSlip(BAD_TYPED_REFERENCE)
    return cleaned
