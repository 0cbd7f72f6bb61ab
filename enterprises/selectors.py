"""Reads of entities, scoped by the access policy (core.policies)."""

from __future__ import annotations

from django.db.models import QuerySet

from core import policies

from .models import Designation, Enterprise, Provider


def enterprise_list(*, user: policies.Actor) -> QuerySet[Enterprise]:
    return Enterprise.objects.select_related("district", "park", "segment").filter(
        policies.enterprise_q(user)
    )


def provider_list(*, user: policies.Actor) -> QuerySet[Provider]:
    queryset = Provider.objects.select_related("district").filter(policies.provider_q(user))
    return queryset if policies.sees_everything(user) else queryset.distinct()


def designation_list(*, user: policies.Actor) -> QuerySet[Designation]:
    return Designation.objects.select_related("kind", "enterprise", "park", "provider").filter(
        policies.designation_q(user)
    )
