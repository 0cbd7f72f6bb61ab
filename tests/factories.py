"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import cast

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from enterprises.models import Designation, Enterprise, Provider
from enterprises.uscc import uscc_check_character
from parks.models import Park
from progress.models import Snapshot
from reporting.models import Item, MetricValue, Submission
from reporting.normalise import identifier_normalise
from targets.models import DesignationKind, District, ItemKind, Metric, Segment, Target

_serial = itertools.count(1)


def make_uscc(n: int | None = None) -> str:
    """A valid synthetic USCC: 9131 + district-like digits + a serial, with its check digit."""
    number = next(_serial) if n is None else n
    first17 = f"91310000{number:09d}"
    return first17 + uscc_check_character(first17)


def district(code: str = "310115") -> District:
    return District.objects.get(code=code)


class ParkFactory(DjangoModelFactory):
    class Meta:
        model = Park
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name_zh = factory.Sequence(lambda n: f"测试园区{n}")
    name_en = factory.Sequence(lambda n: f"Test Park {n}")
    district = factory.LazyFunction(lambda: District.objects.get(code="310115"))


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.LazyFunction(make_uscc)
    name = factory.Sequence(lambda n: f"测试医药企业{n}有限公司")
    district = factory.LazyFunction(lambda: District.objects.get(code="310115"))
    park = None
    segment = factory.LazyFunction(lambda: Segment.objects.get(code="chemical"))
    is_key = False
    above_scale = False
    active_from = dt.date(2020, 1, 1)
    active_until = None


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    uscc = factory.LazyFunction(make_uscc)
    name = factory.Sequence(lambda n: f"数字化服务商{n}")
    district = factory.LazyFunction(lambda: District.objects.get(code="310104"))
    services = factory.LazyFunction(lambda: ["MES", "cloud"])


class DesignationFactory(DjangoModelFactory):
    class Meta:
        model = Designation

    kind = factory.LazyFunction(lambda: DesignationKind.objects.get(code="smart_factory_benchmark"))
    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"智能工厂{n}")
    reference = "沪经信〔2024〕1号"
    granted_on = dt.date(2024, 3, 1)
    revoked_on = None


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICIAL
    password = factory.PostGenerationMethodCall("set_password", "pw-12345678")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OfficialFactory(UserFactory):
    role = Role.OFFICIAL
    is_staff = True


class AnalystFactory(UserFactory):
    role = Role.ANALYST


class ParkManagerFactory(UserFactory):
    role = Role.PARK_MANAGER
    park = factory.SubFactory(ParkFactory)


class DistrictOfficialFactory(UserFactory):
    """A district official of 310115 (浦东新区), the district of ``ParkFactory``'s parks."""

    role = Role.DISTRICT_OFFICIAL
    district = factory.LazyFunction(lambda: District.objects.get(code="310115"))


class ReporterFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


class SubmissionFactory(DjangoModelFactory):
    """A report written straight into the tables (no workflow), with its value and item
    rows: for tests of rules, rollups and pages. ``metrics`` and ``items`` are as the API
    takes them; the traits ``submitted``, ``approved`` and ``returned`` set the status (a
    draft by default), and only an approved report's rows count."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    class Params:
        metrics: dict[str, object] = {}
        items: list[dict[str, object]] = []
        submitted = factory.Trait(status=Submission.Status.SUBMITTED)
        approved = factory.Trait(status=Submission.Status.APPROVED)
        returned = factory.Trait(status=Submission.Status.RETURNED)

    enterprise = factory.SubFactory(EnterpriseFactory)
    period = 2024 * 4  # 2024Q1
    status = Submission.Status.DRAFT
    metrics_data = factory.LazyAttribute(lambda o: {k: str(v) for k, v in o.metrics.items()})
    items_data = factory.LazyAttribute(lambda o: list(o.items))

    @factory.post_generation
    def rows(obj, create, extracted, **kwargs):
        if create:
            _rows_write(cast(Submission, obj))


def _rows_write(submission: Submission) -> None:
    approved = submission.status == Submission.Status.APPROVED
    by_code = {m.code: m for m in Metric.objects.all()}
    MetricValue.objects.bulk_create(
        MetricValue(
            submission=submission,
            enterprise=submission.enterprise,
            period=submission.period,
            metric=by_code[code],
            value=Decimal(str(int(value == "True") if value in ("True", "False") else value)),
            approved=approved,
        )
        for code, value in submission.metrics_data.items()
    )
    kinds = {k.code: k for k in ItemKind.objects.all()}
    Item.objects.bulk_create(
        Item(
            submission=submission,
            enterprise=submission.enterprise,
            period=submission.period,
            kind=kinds[str(row["kind"])],
            identifier=str(row["identifier"]),
            identifier_key=identifier_normalise(str(row["identifier"])),
            title=str(row.get("title", "")),
            date=dt.date.fromisoformat(str(row["date"])),
            attributes=row.get("attributes", {}),
            approved=approved,
        )
        for row in submission.items_data
    )


class SnapshotFactory(DjangoModelFactory):
    """A stored figure (what the rollup writes), for tests of the pages and the API."""

    class Meta:
        model = Snapshot

    class Params:
        code = "SH23-SF-BENCH"

    target = factory.LazyAttribute(lambda o: Target.objects.get(code=o.code))
    period = 2025 * 4 + 3  # 2025Q4
    scope = "city"
    actual = Decimal(3)
    computed_at = factory.LazyFunction(timezone.now)
