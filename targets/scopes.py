"""Where a figure applies: the city, one district or one park ("city", "district:CODE",
"park:CODE", as the API writes it). One type for every page, API, export and rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# The codes parks and districts may have: letters, digits, "-" and "_" (never "/" or ":",
# which would break the URLs and scope strings that carry them).
CODE_PATTERN = r"[A-Za-z0-9_-]{1,30}"
_SCOPE_RE = re.compile(rf"^(?:(city)|(district|park):({CODE_PATTERN}))$")


class ScopeError(ValueError):
    """A scope that is not city, district:CODE or park:CODE (or names no known code)."""


class ScopeKind(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    PARK = "park"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    code: str = ""
    # Display names, filled in when the scope was resolved against the database.
    name_zh: str = field(default="", compare=False)
    name_en: str = field(default="", compare=False)

    @classmethod
    def city(cls) -> Scope:
        return cls(ScopeKind.CITY)

    @classmethod
    def district(cls, code: str, name_zh: str = "", name_en: str = "") -> Scope:
        return cls(ScopeKind.DISTRICT, code, name_zh, name_en)

    @classmethod
    def park(cls, code: str, name_zh: str = "", name_en: str = "") -> Scope:
        return cls(ScopeKind.PARK, code, name_zh, name_en)

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        """ "city", "district:CODE" or "park:CODE" (syntax only; see ``scope_resolve``)."""
        match = _SCOPE_RE.match((text or "").strip())
        if match is None:
            raise ScopeError(_("Use city, district:CODE or park:CODE."))
        if match.group(1):
            return cls.city()
        return cls(ScopeKind(match.group(2)), match.group(3))

    def __str__(self) -> str:
        return "city" if self.kind is ScopeKind.CITY else f"{self.kind.value}:{self.code}"

    @property
    def is_city(self) -> bool:
        return self.kind is ScopeKind.CITY

    @property
    def label(self) -> str:
        """The scope's name in the active language."""
        if self.is_city:
            return _("Shanghai (city)")
        english = (get_language() or "zh-hans").lower().startswith("en")
        name = (self.name_en if english else self.name_zh) or self.name_zh or self.name_en
        return name or self.code

    def enterprise_q(self, prefix: str = "") -> Q:
        """The enterprises of this scope as a filter; with ``prefix`` ("enterprise__") it
        filters rows that belong to an enterprise. An enterprise's data belongs to its
        district and its park (DOMAIN.md)."""
        if self.kind is ScopeKind.DISTRICT:
            return Q(**{f"{prefix}district__code": self.code})
        if self.kind is ScopeKind.PARK:
            return Q(**{f"{prefix}park__code": self.code})
        return Q()


CITY = Scope.city()
