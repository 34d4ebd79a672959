"""PromptPay IDs, payloads and QR drawings, checked against the independent parser and public vectors.

Pure functions: no database, no requests (the suite's autouse fixtures still hand us an app; unused)."""
from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from greensmile.payments import emvco
from greensmile.payments.emvco import BadPayload, read_promptpay
from greensmile.payments.promptpay import (
    BadPaymentRequest,
    BadPromptPayId,
    crc16_ccitt_false,
    normalise_promptpay_id,
    payload,
    qr_png,
    qr_svg,
)


def check_digit(first12: str) -> str:
    # The Thai citizen-ID rule, written out again here rather than imported, so a slip in the module shows.
    total = sum(int(d) * w for d, w in zip(first12, range(13, 1, -1)))
    return str((11 - total % 11) % 10)


VALID_NATIONAL_ID = "110140015008" + check_digit("110140015008")
WRONG_NATIONAL_ID = VALID_NATIONAL_ID[:12] + str((int(VALID_NATIONAL_ID[12]) + 1) % 10)


# --- IDs ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "0812345678", "081-234-5678", "081 234 5678", "+66 81 234 5678", "+66-81-234-5678",
    "66812345678", "+66812345678", "+66 081 234 5678",
])
def test_mobile_numbers_in_every_usual_spelling(typed):
    pp_id = normalise_promptpay_id(typed)
    assert (pp_id.kind, pp_id.value, pp_id.display) == ("mobile", "0812345678", "081-234-5678")


@pytest.mark.parametrize("prefix", ["06", "08", "09"])
def test_every_thai_mobile_range(prefix):
    assert normalise_promptpay_id(prefix + "12345678").value == prefix + "12345678"


@pytest.mark.parametrize("typed", [
    "081234567",  # nine digits
    "08123456789",  # eleven digits
    "0212345678",  # 02 is Bangkok's landline range
    "+1 212 555 0100",  # not Thai
    "+66 2 123 4567",  # a Thai landline
    "08l2345678",  # letter l for digit 1
    "๐๘๑๒๓๔๕๖๗๘",  # Thai digits: isdigit() is true for them, PromptPay wants ASCII
    "", "   ", "promptpay",
])
def test_bad_mobile_numbers(typed):
    with pytest.raises(BadPromptPayId) as caught:
        normalise_promptpay_id(typed)
    assert isinstance(caught.value, ValueError) and str(caught.value)


def test_national_id_with_a_right_check_digit():
    pp_id = normalise_promptpay_id(VALID_NATIONAL_ID)
    assert (pp_id.kind, pp_id.value) == ("national_id", VALID_NATIONAL_ID)
    assert pp_id.display == "1-1014-00150-08-" + VALID_NATIONAL_ID[12]
    assert normalise_promptpay_id(pp_id.display) == pp_id


def test_national_id_with_a_wrong_check_digit():
    with pytest.raises(BadPromptPayId, match="check digit"):
        normalise_promptpay_id(WRONG_NATIONAL_ID)


@pytest.mark.parametrize("published", [
    "8-5128-19188-69-0",  # jojoee/promptpay, tests/test_qrcode_generate_payload.py
    "0023637209811",  # same file (a leading 0, as juristic-person tax IDs have)
    "0994000165501",  # tax-ID part of biller ID 099400016550100 in maythiwat/promptparse, src/index.test.ts
])
def test_published_valid_ids(published):
    assert normalise_promptpay_id(published).kind == "national_id"


def test_published_ids_with_a_wrong_check_digit_are_refused():
    # dtinth/promptpay-qr's index.test.js uses 1111111111111 and 0123456789012: fine for a payload
    # generator, but neither is a real ID (the check digits should be 9 and 4).
    for fake in ("1111111111111", "0123456789012"):
        with pytest.raises(BadPromptPayId):
            normalise_promptpay_id(fake)


def test_ewallet_ids():
    pp_id = normalise_promptpay_id("004999000288505")
    assert (pp_id.kind, pp_id.value, pp_id.display) == ("ewallet", "004999000288505", "004-9990-0028-8505")
    for wrong in ("00499900028850", "0049990002885051"):
        with pytest.raises(BadPromptPayId):
            normalise_promptpay_id(wrong)


def test_masked_display_keeps_only_the_last_four_digits():
    assert normalise_promptpay_id("0812345678").masked == "xxx-xxx-5678"
    assert normalise_promptpay_id(VALID_NATIONAL_ID).masked == "x-xxxx-xxxx0-08-" + VALID_NATIONAL_ID[12]


# --- CRC ---------------------------------------------------------------------------------------------

def test_crc_check_value_in_both_implementations():
    # The published check value of CRC-16/CCITT-FALSE (the "CRC RevEng" catalogue): "123456789" -> 0x29B1.
    assert crc16_ccitt_false("123456789") == 0x29B1
    assert emvco.crc16("123456789") == 0x29B1


@pytest.mark.parametrize("text", ["", "A", "0002010102126304", "x" * 300])
def test_bitwise_and_table_crcs_agree(text):
    assert crc16_ccitt_false(text) == emvco.crc16(text)


# --- Our payloads --------------------------------------------------------------------------------------

def test_payload_layout():
    text = payload(normalise_promptpay_id("081-234-5678"), 15000, "GS2024ABC")
    assert text.startswith("000201" "010212" "2937" "0016A000000677010111" "01130066812345678" "5303764"
                           "5406150.00" "5802TH" "6213" "0509GS2024ABC" "6304")
    assert len(text) == 12 + 41 + 7 + 10 + 6 + 17 + 8
    assert text[-4:] == f"{emvco.crc16(text[:-4]):04X}"


def test_payload_account_sub_tags():
    nid = payload(normalise_promptpay_id(VALID_NATIONAL_ID), 100, "R1")
    assert f"29370016A0000006770101110213{VALID_NATIONAL_ID}53" in nid
    wallet = payload(normalise_promptpay_id("004999000288505"), 100, "R1")
    assert "29390016A0000006770101110315004999000288505" in wallet


@pytest.mark.parametrize(("satang", "baht"), [(1, "0.01"), (100, "1.00"), (123456, "1234.56"), (15000, "150.00")])
def test_amount_is_exact_baht_with_two_decimals(satang, baht):
    fields = emvco.parse(payload(normalise_promptpay_id("0812345678"), satang, "R1"))
    assert fields["54"] == baht


@pytest.mark.parametrize("amount", [0, -100, 150.0, True, "15000", 10**13])
def test_bad_amounts(amount):
    with pytest.raises(BadPaymentRequest):
        payload(normalise_promptpay_id("0812345678"), amount, "R1")


@pytest.mark.parametrize("reference", ["", "A" * 26, "GS-2024", "GS 2024", "อ้างอิง", "GS2024\n"])
def test_bad_references(reference):
    with pytest.raises(BadPaymentRequest):
        payload(normalise_promptpay_id("0812345678"), 100, reference)


def test_longest_reference_is_accepted():
    assert read_promptpay(payload(normalise_promptpay_id("0812345678"), 100, "Z" * 25)).reference == "Z" * 25


@pytest.mark.parametrize(("typed", "satang", "reference"), [
    ("0812345678", 15000, "GS2024ABC"),
    (VALID_NATIONAL_ID, 1, "A"),
    ("004999000288505", 999999999, "ORDER00000000000000000001"),
])
def test_round_trip_through_a_drawn_png(typed, satang, reference):
    pp_id = normalise_promptpay_id(typed)
    text = payload(pp_id, satang, reference)
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(text))))
    assert [code.text for code in found] == [text]
    assert found[0].ec_level == "M"
    fields = read_promptpay(found[0].text)
    assert (fields.id_kind, fields.id_value) == (pp_id.kind, pp_id.value)
    assert (fields.amount_satang, fields.reference, fields.currency, fields.country, fields.dynamic) == (
        satang, reference, "764", "TH", True)


def test_png_has_a_quiet_zone_of_four_modules():
    image = Image.open(io.BytesIO(qr_png(payload(normalise_promptpay_id("0812345678"), 100, "R1"), box_size=8)))
    grey = image.convert("L")
    margin = 4 * 8
    border = [grey.getpixel((x, y)) for x in range(grey.width) for y in range(margin)]
    assert min(border) == 255  # the top four modules are all white...
    assert grey.getpixel((margin, margin)) == 0  # ...and the finder pattern starts right after them


def test_svg_is_a_vector_drawing():
    svg = qr_svg(payload(normalise_promptpay_id("0812345678"), 100, "R1"))
    assert isinstance(svg, str) and "<svg" in svg and "<path" in svg


@pytest.mark.parametrize("position", [20, 45, 60, 70, -6])
def test_a_one_character_change_fails_the_crc(position):
    text = payload(normalise_promptpay_id("0812345678"), 15000, "GS2024ABC")
    replacement = "7" if text[position] != "7" else "8"
    tampered = text[:position] + replacement + text[position + 1:]
    with pytest.raises(BadPayload):
        emvco.parse(tampered)


def test_a_changed_checksum_fails():
    text = payload(normalise_promptpay_id("0812345678"), 15000, "GS2024ABC")
    wrong = f"{(int(text[-4:], 16) + 1) % 0x10000:04X}"
    with pytest.raises(BadPayload, match="checksum"):
        emvco.parse(text[:-4] + wrong)


@pytest.mark.parametrize("broken", [
    "000201010212",  # no CRC at all
    "00020101021229370016A00000067701011101130066812345678530376463",  # cut short inside a field
    "000201AB0212",  # a length that is not a number
    "0002016304ABCD5802TH",  # CRC not last
])
def test_malformed_payloads(broken):
    with pytest.raises(BadPayload):
        emvco.parse(broken)


def test_a_field_longer_than_the_text_is_refused():
    with pytest.raises(BadPayload, match="cut short"):
        emvco.walk("0005ABC")


def with_crc(body: str) -> str:
    return f"{body}6304{crc16_ccitt_false(body + '6304'):04X}"


@pytest.mark.parametrize(("written", "satang"), [("30", 3000), ("30.5", 3050), ("0.05", 5), ("1234.56", 123456)])
def test_amounts_other_generators_write(written, satang):
    text = with_crc(f"000201010212" "29370016A000000677010111011300668123456785303764"
                    f"54{len(written):02d}{written}5802TH")
    assert read_promptpay(text).amount_satang == satang


@pytest.mark.parametrize("written", ["30.", ".5", "1.234", "-5.00", "1e3"])
def test_amounts_that_are_not_baht(written):
    text = with_crc(f"000201010212" "29370016A000000677010111011300668123456785303764"
                    f"54{len(written):02d}{written}5802TH")
    with pytest.raises(BadPayload, match="amount"):
        read_promptpay(text)


# --- Public vectors ----------------------------------------------------------------------------------
# maythiwat/promptparse, src/index.test.ts
PROMPTPARSE_MOBILE_20_15 = "00020101021229370016A0000006770101110113006680111111153037645802TH540520.15630442BE"
PROMPTPARSE_BAD_CRC = "00020101021229370016A0000006770101110113006680111111153037645802TH540520.156304FFFF"
PROMPTPARSE_STATIC = "00020101021129370016A0000006770101110113006681222333353037645802TH63041DCF"
PROMPTPARSE_MOBILE_30 = "00020101021229370016A0000006770101110113006681222333353037645802TH540530.0063043CAD"
PROMPTPARSE_BILL = ("00020101021130620016A000000677010112011301122334455660211CUSTOMER0010306INV001"
                    "53037645802TH62070703SCB6304780E")
PROMPTPARSE_BILL_AMOUNT = ("00020101021230650016A00000067701011201150994000165501000212123456789012"
                           "030667042953037645802TH54073649.2263044534")
# dtinth/promptpay-qr, index.test.js (note its tag order: 58 before 53)
DTINTH_MOBILE = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
DTINTH_EWALLET = "00020101021129390016A00000067701011103150123456789012345802TH530376463049781"
DTINTH_AMOUNT = "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469"
DTINTH_TAX_ID = "00020101021129370016A000000677010111021301234567890125802TH530376463040CBD"
# jojoee/promptpay, tests/test_qrcode_generate_payload.py
JOJOEE_MOBILE = "00020101021229370016A000000677010111011300668012345675802TH53037645406456.256304483D"
JOJOEE_NATIONAL_ID = "00020101021229370016A000000677010111021385128191886905802TH53037645406541.23630437F5"
JOJOEE_EWALLET = "00020101021229390016A00000067701011103150049990002885055802TH530376454071515.756304522C"


@pytest.mark.parametrize(("vector", "kind", "value", "satang", "dynamic"), [
    (PROMPTPARSE_MOBILE_20_15, "mobile", "0801111111", 2015, True),
    (PROMPTPARSE_STATIC, "mobile", "0812223333", None, False),
    (PROMPTPARSE_MOBILE_30, "mobile", "0812223333", 3000, True),
    (DTINTH_MOBILE, "mobile", "0801234567", None, False),
    (DTINTH_EWALLET, "ewallet", "012345678901234", None, False),
    (DTINTH_AMOUNT, "mobile", "0000000000", 422, True),
    (DTINTH_TAX_ID, "national_id", "0123456789012", None, False),  # the parser reports; it does not judge IDs
    (JOJOEE_MOBILE, "mobile", "0801234567", 45625, True),
    (JOJOEE_NATIONAL_ID, "national_id", "8512819188690", 54123, True),
    (JOJOEE_EWALLET, "ewallet", "004999000288505", 151575, True),
])
def test_public_vectors_parse(vector, kind, value, satang, dynamic):
    fields = read_promptpay(vector)
    assert (fields.id_kind, fields.id_value, fields.amount_satang, fields.dynamic) == (kind, value, satang, dynamic)
    assert (fields.currency, fields.country, fields.reference) == ("764", "TH", None)


def test_public_vector_with_a_bad_crc_is_refused():
    with pytest.raises(BadPayload, match="checksum"):
        read_promptpay(PROMPTPARSE_BAD_CRC)


def test_bill_payment_vectors():
    bill = read_promptpay(PROMPTPARSE_BILL)
    assert (bill.id_kind, bill.id_value, bill.ref1, bill.ref2, bill.ref3, bill.amount_satang) == (
        "biller", "0112233445566", "CUSTOMER001", "INV001", "SCB", None)
    priced = read_promptpay(PROMPTPARSE_BILL_AMOUNT)
    assert (priced.id_value, priced.ref1, priced.ref2, priced.amount_satang, priced.dynamic) == (
        "099400016550100", "123456789012", "670429", 364922, True)


def test_a_slip_code_is_not_a_payment_code():
    with pytest.raises(BadPayload):  # maythiwat/promptparse, src/index.test.ts, "Generate Slip Verify"
        read_promptpay("004000060000010103002021900021231231212000115102TH91049C30")


def _in_their_order(ours: str, theirs: str) -> str:
    """Our fields, laid out in the public vector's tag order and without the tags it lacks, CRC redone."""
    mine = dict(emvco.walk(ours))
    body = "".join(f"{tag}{len(mine[tag]):02d}{mine[tag]}" for tag, _ in emvco.walk(theirs) if tag != "63")
    return f"{body}6304{emvco.crc16(body + '6304'):04X}"


@pytest.mark.parametrize(("vector", "typed", "satang"), [
    (PROMPTPARSE_MOBILE_30, "0812223333", 3000),
    (JOJOEE_MOBILE, "080-123-4567", 45625),
    (JOJOEE_NATIONAL_ID, "8-5128-19188-69-0", 54123),
    (JOJOEE_EWALLET, "004999000288505", 151575),
])
def test_our_generator_agrees_with_public_generators(vector, typed, satang):
    # No public vector carries tag 62 (a reference), and each library orders 53/54/58 its own way
    # (promptparse 53,58,54; dtinth and jojoee 58,53,54) where we follow the specification's ascending
    # order, so the whole strings and CRCs cannot be equal. Every field they share must be byte-identical:
    # rebuilt in their order without our tag 62, our payload must reproduce the vector exactly, CRC included.
    ours = payload(normalise_promptpay_id(typed), satang, "R1")
    assert dict(emvco.walk(ours))["29"] == dict(emvco.walk(vector))["29"]
    assert _in_their_order(ours, vector) == vector
