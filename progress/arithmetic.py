"""Exact rounding of what is stored and shown (DOMAIN.md: half away from zero)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def round_half_away(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round exactly, half away from zero (PostgreSQL's round(numeric))."""
    scaled = Fraction(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def share_round(numerator: int, denominator: int) -> Decimal:
    """100 × numerator ÷ denominator with one decimal; 0.0 for an empty denominator."""
    if denominator == 0:
        return Decimal("0.0")
    return round_half_away(Fraction(100 * numerator, denominator), 1)
