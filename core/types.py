"""Small types shared by the services of every app."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeVar

T = TypeVar("T")


class _Unset(enum.Enum):
    """A keyword argument that was not given (so None can mean "clear it")."""

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


def given(value: T | Unset) -> bool:
    return value is not UNSET
