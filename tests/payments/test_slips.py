"""Reading transfer slips: the mini-QR payload, slip pictures as buyers send them, typed references.

Pure functions: no database, no requests (the suite's autouse fixtures still hand us an app; unused)."""
from __future__ import annotations

import io
import random

import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageOps

from greensmile.payments import emvco, slips
from greensmile.payments.promptpay import normalise_promptpay_id, payload
from greensmile.payments.slips import (
    BadSlip,
    SlipQr,
    decode_image,
    normalise_typed_reference,
    read_slip_payload,
    reference_from_slip,
)

# maythiwat/promptparse, src/index.test.ts: "Validate Slip Verify (Valid)" and "Generate Slip Verify"
PROMPTPARSE_SLIP = "004100060000010103014022000111222233344ABCD125102TH910417DF"
PROMPTPARSE_GENERATED_SLIP = "004000060000010103002021900021231231212000115102TH91049C30"
# same file, "Validate Slip Verify (Invalid)": a PromptPay payment code is not a slip
PROMPTPARSE_NOT_A_SLIP = "00020101021229370016A0000006770101110113006680111111153037645802TH540520.15630442BE"


def slip_text(bank: str, ref: str, crc_digits: int | None = None) -> str:
    """A mini-QR payload built here from the published layout (tags 00{00,01,02}, 51, 91)."""
    inner = f"0006000001" f"01{len(bank):02d}{bank}" f"02{len(ref):02d}{ref}"
    head = f"00{len(inner):02d}{inner}5102TH"
    crc = emvco.crc16(head + "9104")
    if crc_digits is None:
        return f"{head}9104{crc:04X}"
    digits = f"{crc:X}"  # the bank-app fault: no leading zeros, length shrunk to match
    return f"{head}91{len(digits):02d}{digits}"


# --- The payload -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "bank", "ref"), [
    (PROMPTPARSE_SLIP, "014", "00111222233344ABCD12"),
    (PROMPTPARSE_GENERATED_SLIP, "002", "0002123123121200011"),
])
def test_published_slip_payloads(text, bank, ref):
    assert read_slip_payload(text) == SlipQr(sending_bank=bank, transaction_ref=ref, raw=text)


def test_our_builder_matches_the_published_layout():
    assert slip_text("002", "0002123123121200011") == PROMPTPARSE_GENERATED_SLIP
    assert slip_text("014", "00111222233344ABCD12") == PROMPTPARSE_SLIP


def test_mixed_case_reference_is_kept_as_printed():
    text = slip_text("014", "202212315HrxrtS8e9LSq4xIR")  # SCB references mix cases, 25 characters
    assert read_slip_payload(text + "\n").transaction_ref == "202212315HrxrtS8e9LSq4xIR"


def test_a_crc_printed_without_its_leading_zeros_is_accepted():
    ref = next(r for r in (f"0152{n:016d}" for n in range(10_000))
               if emvco.crc16(slip_text("004", r)[:-4]) < 0x1000)
    short = slip_text("004", ref, crc_digits=3)
    assert "9103" in short[-7:]
    assert read_slip_payload(short).transaction_ref == ref


@pytest.mark.parametrize("position", [12, 20, 30, 48, -1])
def test_one_changed_character_fails_the_crc(position):
    replacement = "9" if PROMPTPARSE_SLIP[position] != "9" else "8"
    tampered = PROMPTPARSE_SLIP[:position] + replacement + PROMPTPARSE_SLIP[position + 1:]
    with pytest.raises(BadSlip):
        read_slip_payload(tampered)


@pytest.mark.parametrize("text", [
    PROMPTPARSE_NOT_A_SLIP,
    "", "hello", "https://example.com/slip",
    PROMPTPARSE_SLIP[:-6],  # cut short
    slip_text("014", "ABC-123"),  # a reference outside A-Z a-z 0-9
    slip_text("14", "00111222233344ABCD12"),  # a bank code that is not 3 digits
    slip_text("014", "00111222233344ABCD12").replace("000001", "000002"),  # another API id (CRC now wrong too)
])
def test_not_slips(text):
    with pytest.raises(BadSlip) as caught:
        read_slip_payload(text)
    assert isinstance(caught.value, ValueError) and str(caught.value)


def test_wrong_api_id_with_a_right_crc_is_refused():
    inner = "0006000002" "0103014" "022000111222233344ABCD12"
    head = f"00{len(inner):02d}{inner}5102TH9104"
    with pytest.raises(BadSlip, match="not the QR code"):
        read_slip_payload(f"{head}{emvco.crc16(head):04X}")


# --- Pictures ----------------------------------------------------------------------------------------

def qr_image(text: str, box_size: int = 6) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text)
    return code.make_image().convert("L")


def slip_picture(codes: list[tuple[str, int]] = (), size=(1080, 1920), fmt="JPEG", exif=None) -> bytes:
    """Something like a phone screenshot of a slip: lines of text-like noise and the QR codes given."""
    rng = random.Random(7)
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for row in range(60, size[1] - 60, 55):
        x = 60
        while x < size[0] - 200:
            width = rng.randint(20, 140)
            draw.rectangle((x, row, x + width, row + 22), fill=rng.randint(0, 120))
            x += width + rng.randint(10, 30)
        draw.text((70, row + 28), f"Transfer {rng.randint(0, 10**6)} THB", fill=40)
    for i, (text, box) in enumerate(codes):
        code = qr_image(text, box)
        page.paste(code, (size[0] - code.width - 40, size[1] - (i + 1) * (code.height + 40)))
    out = io.BytesIO()
    page.save(out, fmt, quality=85, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def sideways_with_exif(data: bytes) -> bytes:
    """The picture stored turned 90° anticlockwise, with EXIF orientation 6 ("turn clockwise to view")."""
    image = Image.open(io.BytesIO(data)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def test_slip_screenshot_is_read():
    data = slip_picture([(PROMPTPARSE_SLIP, 6)])
    assert reference_from_slip(data) == read_slip_payload(PROMPTPARSE_SLIP)


def test_the_slip_code_is_found_beside_a_payment_code():
    pay = payload(normalise_promptpay_id("0812345678"), 15000, "GS1")
    data = slip_picture([(pay, 5), (PROMPTPARSE_GENERATED_SLIP, 6)])
    assert set(decode_image(data)) == {pay, PROMPTPARSE_GENERATED_SLIP}
    assert reference_from_slip(data).transaction_ref == "0002123123121200011"


def test_a_sideways_photo_is_turned_upright_and_read():
    data = sideways_with_exif(slip_picture([(PROMPTPARSE_SLIP, 6)]))
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)  # stored landscape...
    assert slips.open_image(data).size == (1080, 1920)  # ...shown portrait, as the EXIF tag says
    assert reference_from_slip(data).sending_bank == "014"


def test_a_big_photo_with_a_small_code_is_read_at_full_size():
    # At 5000 px a 2-px module shrinks below one pixel in the 1600-px first try, so only the
    # full-size second try can find it.
    data = slip_picture([(PROMPTPARSE_SLIP, 2)], size=(5000, 3750), fmt="PNG")
    small = Image.open(io.BytesIO(data)).convert("L")
    small.thumbnail((slips.FIRST_TRY_SIDE, slips.FIRST_TRY_SIDE))
    assert zxingcpp.read_barcodes(small) == []
    assert reference_from_slip(data).transaction_ref == "00111222233344ABCD12"


def test_a_big_photo_with_a_normal_code_is_read_downscaled():
    assert reference_from_slip(slip_picture([(PROMPTPARSE_SLIP, 12)], size=(3000, 4000))).sending_bank == "014"


def test_a_transparent_screenshot_is_read():
    grey = qr_image(PROMPTPARSE_SLIP)
    code = Image.new("RGBA", grey.size, (0, 0, 0, 0))
    code.putalpha(ImageOps.invert(grey))  # opaque where the modules are black, see-through elsewhere
    out = io.BytesIO()
    code.save(out, "PNG")  # black modules on nothing: flattened naively, everything would be black
    assert reference_from_slip(out.getvalue()).transaction_ref == "00111222233344ABCD12"


def test_a_picture_without_a_qr_code():
    data = slip_picture([])
    assert decode_image(data) == []
    assert reference_from_slip(data) is None


def test_a_picture_with_only_a_payment_code():
    pay = payload(normalise_promptpay_id("0812345678"), 15000, "GS1")
    assert reference_from_slip(slip_picture([(pay, 6)])) is None


@pytest.mark.parametrize("data", [
    b"", b"not an image at all", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    slip_picture([(PROMPTPARSE_SLIP, 6)])[:5000],  # a JPEG cut off in transit
    slip_picture([(PROMPTPARSE_SLIP, 6)], fmt="GIF"),  # a format we do not open
])
def test_not_a_picture_we_accept(data):
    with pytest.raises(BadSlip, match="not a picture"):
        reference_from_slip(data)


def test_an_oversize_file_is_refused_before_it_is_opened():
    data = slip_picture([(PROMPTPARSE_SLIP, 6)])
    with pytest.raises(BadSlip, match="too large"):
        reference_from_slip(data, max_bytes=len(data) - 1)
    with pytest.raises(BadSlip, match="too large"):
        decode_image(b"\xff\xd8" + b"\0" * slips.MAX_IMAGE_BYTES)  # the 8 MB default


@pytest.mark.parametrize("side", [40, 100])  # 1 600 px: Pillow warns; 10 000 px: Pillow refuses outright
def test_decompression_bombs_are_refused(monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    out = io.BytesIO()
    Image.new("L", (side, side), 255).save(out, "PNG")
    with pytest.raises(BadSlip, match="too large"):
        decode_image(out.getvalue())


# --- What a buyer types ------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "expected"), [
    ("015218185151CTF00170", "015218185151CTF00170"),
    ("0152 1818 5151-ctf 00170", "015218185151CTF00170"),
    ("  202212315HrxrtS8e9LSq4xIR ", "202212315HRXRTS8E9LSQ4XIR"),
    ("A" * 40, "A" * 40),
])
def test_typed_references(typed, expected):
    assert normalise_typed_reference(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "123456789", "A" * 41, "0152/1818/5151", "01521818515๑CTF", "ref: 0152181851",
    "0152181851ß",  # would pass as ...SS once upper-cased
])
def test_bad_typed_references(typed):
    with pytest.raises(BadSlip, match="10 to 40"):
        normalise_typed_reference(typed)
