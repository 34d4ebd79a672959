"""Slips as a buyer's bank app makes them: the mini-QR payload, drawn on a picture like a phone screenshot."""
from __future__ import annotations

import io

import qrcode
from PIL import Image, ImageDraw

from greensmile.payments import emvco
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def slip_text(bank: str, ref: str) -> str:
    """A slip's mini-QR payload from the published layout (tags 00{00,01,02}, 51, 91 with its CRC)."""
    inner = f"0006000001" f"01{len(bank):02d}{bank}" f"02{len(ref):02d}{ref}"
    head = f"00{len(inner):02d}{inner}5102TH"
    return f"{head}9104{emvco.crc16(head + '9104'):04X}"


def slip_image(text: str) -> bytes:
    """A screenshot-like JPEG: a white slip with some lines of 'text' and the mini-QR in a corner."""
    picture = Image.new("RGB", (720, 1280), "white")
    draw = ImageDraw.Draw(picture)
    for row in range(12):
        draw.rectangle((60, 120 + row * 60, 60 + (row * 37) % 500 + 100, 140 + row * 60), fill=(40, 40, 40))
    code = qrcode.make(text, box_size=6, border=4).get_image().convert("RGB")
    picture.paste(code, (720 - code.width - 40, 1280 - code.height - 40))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


def switch(client, email: str) -> None:
    """Sign out, and in as someone else (another phone at the same market stall)."""
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, email, PASSWORD)

