import pytest
from django.core.exceptions import ValidationError

from enterprises.uscc import uscc_check_character, uscc_is_valid, validate_uscc

# Published codes: Tencent (Shenzhen) and Alibaba (Hangzhou), from their business licences.
TENCENT = "9144030071526726XG"
ALIBABA = "91330100716105852F"


@pytest.mark.parametrize("code", [TENCENT, ALIBABA, TENCENT.lower(), f"  {TENCENT} "])
def test_a_real_published_code_is_accepted(code):
    assert uscc_is_valid(code)
    validate_uscc(code)


def test_changing_one_character_of_a_real_code_is_refused_with_the_expected_check_digit():
    changed = TENCENT[:5] + "1" + TENCENT[6:]
    with pytest.raises(ValidationError) as error:
        validate_uscc(changed)
    assert error.value.code == "uscc_check_digit"
    assert "must end in" in error.value.messages[0]


def test_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_uscc(TENCENT[:17] + "Y")
    assert error.value.code == "uscc_check_digit"


@pytest.mark.parametrize("code", ["9144030071526726X", "9144030071526726XGX", ""])
def test_a_code_of_the_wrong_length_is_refused(code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_refused(letter):
    code = TENCENT[:10] + letter + TENCENT[11:]
    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_alphabet"
    assert letter in error.value.messages[0]


def test_check_value_31_maps_to_zero():
    # Find a 17-character prefix whose weighted sum is a multiple of 31.
    prefix = next(
        f"9131000000000{n:04d}"
        for n in range(10000)
        if sum(int(c) * pow(3, i, 31) for i, c in enumerate(f"9131000000000{n:04d}")) % 31 == 0
    )
    assert uscc_check_character(prefix) == "0"
    assert uscc_is_valid(prefix + "0")
