"""Reads of entities, scoped to what each role may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from parks.models import Park

from .models import Designation, Enterprise, Provider


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    queryset = Enterprise.objects.select_related("district", "park", "segment")
    if user.sees_everything:
        return queryset
    if user.is_park_manager and user.park_id is not None:
        return queryset.filter(park_id=user.park_id)
    if user.is_enterprise and user.enterprise_id is not None:
        return queryset.filter(pk=user.enterprise_id)
    return queryset.none()


def park_list(*, user: User) -> QuerySet[Park]:
    # Park names and codes are public reference data for every role.
    return Park.objects.select_related("district")


def provider_list(*, user: User) -> QuerySet[Provider]:
    queryset = Provider.objects.select_related("district")
    if user.sees_everything:
        return queryset
    if user.is_park_manager and user.park_id is not None:
        return queryset.filter(enterprises__park_id=user.park_id).distinct()
    if user.is_enterprise and user.enterprise_id is not None:
        return queryset.filter(enterprises=user.enterprise_id)
    return queryset.none()


def designation_list(*, user: User) -> QuerySet[Designation]:
    queryset = Designation.objects.select_related("kind", "enterprise", "park", "provider")
    if user.sees_everything:
        return queryset
    if user.is_park_manager and user.park_id is not None:
        return queryset.filter(Q(enterprise__park_id=user.park_id) | Q(park_id=user.park_id))
    if user.is_enterprise and user.enterprise_id is not None:
        return queryset.filter(enterprise_id=user.enterprise_id)
    return queryset.none()


def scope_filter(scope: str, prefix: str = "") -> Q:
    """The enterprises of a scope ("city", "district:CODE", "park:CODE") as a filter; with a
    prefix such as "enterprise__" it filters rows that belong to an enterprise."""
    kind, _sep, code = (scope or "city").partition(":")
    if kind == "district":
        return Q(**{f"{prefix}district__code": code})
    if kind == "park":
        return Q(**{f"{prefix}park__code": code})
    return Q()
