import pytest

from greensmile.plots.codes import ALPHABET, InvalidPlotCode, check_character, is_valid_code, new_code, normalise_code


def test_alphabet_has_no_look_alikes():
    assert not set("ILOU") & set(ALPHABET)
    assert len(ALPHABET) == 32


def test_new_codes_are_valid_and_short():
    codes = {new_code() for _ in range(500)}
    assert all(len(code) == 6 and is_valid_code(code) for code in codes)
    assert len(codes) > 490  # random, not sequential


def test_typed_codes_are_read_in_any_case_and_with_look_alikes():
    code = "SK001" + check_character("SK001")
    assert normalise_code(code.lower()) == code
    assert normalise_code(f" {code[:3]}-{code[3:]} ") == code
    assert normalise_code(code.replace("0", "o").replace("1", "l")) == code


def test_every_single_character_typo_is_caught():
    for _ in range(50):
        code = new_code()
        for position in range(len(code)):
            for char in ALPHABET:
                if char != code[position]:
                    typo = code[:position] + char + code[position + 1:]
                    with pytest.raises(InvalidPlotCode):
                        normalise_code(typo)


@pytest.mark.parametrize("text", ["", "ABC", "ABCDEFG", "ABCDU1", "ABC*D1", "กขคงจฉ"])
def test_malformed_codes_are_refused(text):
    assert not is_valid_code(text)
