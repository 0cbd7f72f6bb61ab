"""Reads of parks and of the scopes (city, districts, parks) figures are given for."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from targets.models import District
from targets.scopes import CITY, Scope, ScopeError, ScopeKind

from .models import Park


def park_list() -> QuerySet[Park]:
    """Park names and codes are public reference data for every logged-in role."""
    return Park.objects.select_related("district")


def scope_resolve(text: str | None) -> Scope:
    """The scope named by ``text`` with its display names; ScopeError when the syntax is
    wrong or no district or park has that code."""
    scope = Scope.parse(text)
    if scope.kind is ScopeKind.DISTRICT:
        district = District.objects.filter(code=scope.code).first()
        if district is None:
            raise ScopeError(_unknown(scope))
        return Scope.district(district.code, district.name_zh, district.name_en)
    if scope.kind is ScopeKind.PARK:
        park = Park.objects.filter(code=scope.code).first()
        if park is None:
            raise ScopeError(_unknown(scope))
        return Scope.park(park.code, park.name_zh, park.name_en)
    return CITY


def scopes_all() -> list[Scope]:
    """The city, every district and every park, in that order (two queries)."""
    scopes = [CITY]
    scopes += [
        Scope.district(code, zh, en)
        for code, zh, en in District.objects.values_list("code", "name_zh", "name_en")
    ]
    scopes += [
        Scope.park(code, zh, en)
        for code, zh, en in Park.objects.order_by("code").values_list("code", "name_zh", "name_en")
    ]
    return scopes


def _unknown(scope: Scope) -> str:
    return _("No %(kind)s has the code %(code)s.") % {
        "kind": _("district") if scope.kind is ScopeKind.DISTRICT else _("park"),
        "code": scope.code,
    }
