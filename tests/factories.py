"""factory_boy factories shared by every test module."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from enterprises.models import Designation, Enterprise, Provider
from enterprises.uscc import uscc_check_character
from parks.models import Park
from reporting.models import Item, MetricValue, Submission
from targets.models import DesignationKind, District, ItemKind, Metric, Segment

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


class ReporterFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


class SubmissionFactory(DjangoModelFactory):
    """A bare report row; tests of rules use ``approved_report`` below for values and items."""

    class Meta:
        model = Submission

    enterprise = factory.SubFactory(EnterpriseFactory)
    period = 2024 * 4  # 2024Q1
    status = Submission.Status.DRAFT


def approved_report(
    *,
    enterprise: Enterprise,
    period: int,
    metrics: dict[str, object] | None = None,
    items: list[dict[str, object]] | None = None,
    status: str = Submission.Status.APPROVED,
) -> Submission:
    """Write a report straight into the tables (no workflow), for rule and rollup tests."""
    metrics = metrics or {}
    items = items or []
    approved = status == Submission.Status.APPROVED
    submission = Submission.objects.create(
        enterprise=enterprise,
        period=period,
        status=status,
        metrics_data={k: str(v) for k, v in metrics.items()},
        items_data=items,
    )
    by_code = {m.code: m for m in Metric.objects.all()}
    MetricValue.objects.bulk_create(
        MetricValue(
            submission=submission,
            enterprise=enterprise,
            period=period,
            metric=by_code[code],
            value=Decimal(str(int(value) if isinstance(value, bool) else value)),
            approved=approved,
        )
        for code, value in metrics.items()
    )
    kinds = {k.code: k for k in ItemKind.objects.all()}
    from reporting.normalise import identifier_normalise

    Item.objects.bulk_create(
        Item(
            submission=submission,
            enterprise=enterprise,
            period=period,
            kind=kinds[str(row["kind"])],
            identifier=str(row["identifier"]),
            identifier_key=identifier_normalise(str(row["identifier"])),
            title=str(row.get("title", "")),
            date=dt.date.fromisoformat(str(row["date"])),
            attributes=row.get("attributes", {}),
            approved=approved,
        )
        for row in items
    )
    return submission
