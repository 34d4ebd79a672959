"""QR codes for plots: one function says what a code encodes, others draw it.

The payload is the plot page's absolute address under PUBLIC_BASE_URL, nothing else, so a label printed
today keeps leading to the live status. Error correction H (30 %) survives a muddy or torn sticker.

Each code is drawn once per payload (plot and base address) and size, kept as a file named after what it shows, and
served from there with that name as its ETag: a sheet of 600 labels draws nothing that was drawn before."""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from enum import Enum
from pathlib import Path

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


# ---------------------------------------------------------------- drawn once
FORMATS = {"sticker.png": ("image/png", lambda p: render_png(p, QRSize.STICKER)),
           "sign.png": ("image/png", lambda p: render_png(p, QRSize.SIGN)),
           "svg": ("image/svg+xml", render_svg)}


def image_key(payload: str, kind: str) -> str:
    """A drawing's name, from what it shows: the same payload and kind are the same image, whichever server drew it
    (it doubles as the ETag)."""
    return hashlib.sha256(f"{kind}\n{payload}".encode()).hexdigest()[:32]


def _path(folder: Path, payload: str, kind: str) -> Path:
    suffix = kind.rsplit(".", 1)[-1]
    return folder / f"{image_key(payload, kind)}.{suffix}"


def stored(folder: Path, payload: str, kind: str) -> Path | None:
    """The image already drawn for this payload and kind, or None (an empty file, left by a crash, is none)."""
    path = _path(folder, payload, kind)
    try:
        return path if path.stat().st_size > 0 else None
    except FileNotFoundError:
        return None


def store(folder: Path, payload: str, kind: str) -> Path:
    """Draw the image once and keep it. Written to a file of its own, flushed to disk, then moved in: a reader never
    sees half a file, and two workers drawing the same code at once both end with the same whole one."""
    path = _path(folder, payload, kind)
    if stored(folder, payload, kind) is None:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(FORMATS[kind][1](payload))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path
