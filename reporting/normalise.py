"""Normalisation shared by validation, imports and the rollup's de-duplication."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def identifier_normalise(value: str) -> str:
    """Trim, full-width → half-width (NFKC), upper-case, inner spaces removed (DOMAIN.md)."""
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    return _SPACES.sub("", text)
