"""Unified social credit codes (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
LENGTH = 18


def uscc_check_character(first17: str) -> str:
    total = sum(
        ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True)
    )
    check = 31 - total % 31
    return ALPHABET[0 if check == 31 else check]


def uscc_normalise(value: str) -> str:
    return str(value).strip().upper()


def uscc_is_valid(value: str) -> bool:
    code = uscc_normalise(value)
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return False
    return uscc_check_character(code[:17]) == code[17]


def validate_uscc(value: str) -> None:
    code = uscc_normalise(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({char for char in code if char not in ALPHABET})
    if bad:
        raise ValidationError(
            _(
                "A unified social credit code cannot contain %(chars)s "
                "(I, O, S, V, Z are never used)."
            ),
            code="uscc_alphabet",
            params={"chars": ", ".join(bad)},
        )
    expected = uscc_check_character(code[:17])
    if expected != code[17]:
        raise ValidationError(
            _("The check digit is wrong: a code starting %(first)s must end in %(expected)s."),
            code="uscc_check_digit",
            params={"first": code[:17], "expected": expected},
        )
