"""QR codes for plots: one function says what a code encodes, others draw it.

The payload is the plot page's absolute address under PUBLIC_BASE_URL, nothing else, so a label printed
today keeps leading to the live status. Error correction H (30 %) survives a muddy or torn sticker."""
from __future__ import annotations

import io
from enum import Enum

import qrcode
from qrcode.image.svg import SvgPathImage

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


class QRSize(Enum):
    STICKER = 8  # pixels per module: about 3 cm printed at 300 dpi
    SIGN = 24  # for a market-stall sign read from a few steps away


def qr_payload(public_base_url: str, code: str) -> str:
    """The text a plot's QR code carries: its public page's address."""
    return f"{public_base_url.rstrip('/')}/p/{code}"


def lot_qr_payload(public_base_url: str, code: str) -> str:
    """The text a rubber lot's QR code carries: its public trace page's address."""
    return f"{public_base_url.rstrip('/')}/lots/{code}"


def _qr(payload: str, box_size: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=box_size, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    return code


def render_png(payload: str, size: QRSize = QRSize.STICKER) -> bytes:
    out = io.BytesIO()
    _qr(payload, size.value).make_image().save(out)
    return out.getvalue()


def render_svg(payload: str) -> bytes:
    """A vector QR code (scales to any print size)."""
    out = io.BytesIO()
    _qr(payload, 10).make_image(image_factory=SvgPathImage).save(out)
    return out.getvalue()
