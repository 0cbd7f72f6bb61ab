"""The data the permission matrix runs against: one park and enterprise that are "ours" for
the park manager and the reporter, another park and enterprise that are not, and one object
of every kind an address names."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from enterprises.models import Designation, Enterprise, Provider
from exchange.models import Export
from progress.models import RollupRun
from reporting.models import Submission
from targets.models import Milestone, Target
from tests.factories import (
    AnalystFactory,
    DesignationFactory,
    EnterpriseFactory,
    OfficialFactory,
    ParkFactory,
    ParkManagerFactory,
    ProviderFactory,
    ReporterFactory,
    SubmissionFactory,
)

TARGET = "SH23-SF-BENCH"
# Addresses the matrix leaves to others: Django's admin (tests/security/test_integrity.py
# covers what it offers) and the language switch.
IGNORED_PREFIXES = ("admin/", "i18n/")


@dataclass
class World:
    users: dict[str, Any]
    park: Any
    other_park: Any
    enterprise: Enterprise
    other_enterprise: Enterprise
    report: Submission
    other_report: Submission
    designation: Designation
    provider: Provider
    export: Export
    other_export: Export
    rollup: RollupRun
    milestone: Milestone


def world_build() -> World:
    park = ParkFactory(code="PARK-A")
    other_park = ParkFactory(code="PARK-B")
    enterprise = EnterpriseFactory(park=park, district=park.district)
    other_enterprise = EnterpriseFactory(park=other_park, district=other_park.district)
    users: dict[str, Any] = {
        "official": OfficialFactory(username="m-official"),
        "analyst": AnalystFactory(username="m-analyst"),
        "park_manager": ParkManagerFactory(username="m-park", park=park),
        "reporter": ReporterFactory(username="m-reporter", enterprise=enterprise),
    }
    report = SubmissionFactory(enterprise=enterprise, period=2024 * 4, submitted=True)
    other_report = SubmissionFactory(enterprise=other_enterprise, period=2024 * 4, submitted=True)
    provider = ProviderFactory()
    provider.enterprises.set([enterprise])
    exports = [
        Export.objects.create(
            requested_by=users[role],
            language="en",
            scope="city",
            requested_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
        for role in ("analyst", "official")
    ]
    return World(
        users=users,
        park=park,
        other_park=other_park,
        enterprise=enterprise,
        other_enterprise=other_enterprise,
        report=report,
        other_report=other_report,
        designation=DesignationFactory(enterprise=enterprise),
        provider=provider,
        export=exports[0],
        other_export=exports[1],
        rollup=RollupRun.objects.create(kind=RollupRun.Kind.FULL),
        milestone=Milestone.objects.filter(target__code=TARGET).first()
        or Milestone.objects.create(
            target=Target.objects.get(code=TARGET), date=dt.date(2030, 12, 31), value=1
        ),
    )


def url_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, argument names) of every address the product answers."""
    found: list[tuple[str, str, list[str]]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(IGNORED_PREFIXES) or not pattern.name:
                    continue
                names = list(pattern.pattern.regex.groupindex)
                found.append((namespace + pattern.name, route, names))

    walk(get_resolver().url_patterns, "", "")
    return found


def arguments(name: str, names: list[str], world: World) -> dict[str, Any]:
    """Real values for an address's arguments: ours where the address names one object."""
    values: dict[str, Any] = {}
    for argument in names:
        values[argument] = _value(name, argument, world)
    return values


def _value(name: str, argument: str, world: World) -> Any:
    if argument == "code":
        return {
            "district-detail": "310115",
            "segment-detail": "chemical",
            "plan-detail": Target.objects.get(code=TARGET).plan.code,
            "metric-detail": "digital_staff",
            "item-kind-detail": "scenario",
            "designation-kind-detail": "smart_factory_benchmark",
            "park-detail": world.park.code,
            "progress:district": world.park.district.code,
            "progress:park": world.park.code,
        }.get(name, TARGET)
    if argument == "uscc":
        return world.provider.uscc if name.startswith("provider") else world.enterprise.uscc
    if argument in ("pk", "submission_id"):
        if name.startswith(("submission", "reporting:report", "item-file")):
            return world.report.pk
        if name.startswith(("designation", "progress:manage-designation")):
            return world.designation.pk
        if "export" in name:
            return world.export.pk
        if name.startswith("rollup"):
            return world.rollup.pk
        if "milestone" in name:
            return world.milestone.pk
        return 999_999
    if argument == "period":
        return "2024Q1"
    if argument == "kind":
        return "enterprises"
    if argument == "position":
        return 0
    if argument == "file_id":
        return 999_999
    if argument == "public_id":
        return uuid.UUID(int=1)
    if argument == "name":
        return "report-list"
    raise AssertionError(f"no value for {name}'s {argument}")
