"""Turning an uploaded file into the photo the public sees: a real JPEG/PNG/WebP, re-encoded, no EXIF."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from greensmile.errors import DomainError

# MPO is what some phones call the JPEG files of their multi-lens cameras.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# Above a full-resolution 50 MP phone photo: a larger claim is a decompression bomb.
MAX_PIXELS = 50_000_000
FULL_EDGE = 1600
THUMB_EDGE = 400


class ImageRefused(DomainError):
    message = _l("This file is not a photo we can use. Send a JPEG, PNG or WebP picture.")


class ImageTooLarge(ImageRefused):
    message = _l("This photo is too large. Send one under %(mb)s MB.")

    def __init__(self, max_bytes: int):
        super().__init__(_l("This photo is too large. Send one under %(mb)s MB.", mb=max_bytes // (1024 * 1024)))


class ImageTooManyPixels(ImageRefused):
    message = _l("This picture has too many pixels. Send an ordinary photo from a phone or camera.")


@dataclass(frozen=True)
class ProcessedImage:
    full: bytes
    thumb: bytes
    width: int
    height: int


def _open_checked(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise ImageRefused()
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageTooManyPixels()
                probe.verify()  # structure and checksums, without decoding the pixels
            image = Image.open(io.BytesIO(data))
            if image.format in ("JPEG", "MPO"):
                # Decode at reduced scale straight away: a 50 MP photo costs the memory of a few MP.
                image.draft("RGB", (FULL_EDGE * 2, FULL_EDGE * 2))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageTooManyPixels() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageRefused() from None
    return image


def _encode(image: Image.Image, edge: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    # Nothing of the upload's metadata goes along: no EXIF (no GPS, no camera serial), no comment, no XMP.
    copy.info = {}
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def process_photo(data: bytes, max_bytes: int) -> ProcessedImage:
    """Check an upload and return the public versions, or raise ImageRefused with a reason."""
    if len(data) > max_bytes:
        raise ImageTooLarge(max_bytes)
    image = _open_checked(data)
    image = ImageOps.exif_transpose(image)  # keep the picture upright once the orientation tag is gone
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    full, width, height = _encode(image, FULL_EDGE, quality=85)
    thumb, _, _ = _encode(image, THUMB_EDGE, quality=78)
    return ProcessedImage(full=full, thumb=thumb, width=width, height=height)
