"""The demo programme planned in memory: parks, enterprises, providers, designations, users
and every quarterly report with the moments of its workflow, from a fixed random seed and
the day it is planned for. No database access; ``demo.seed`` writes it.

Two plans for the same seed and day are identical. The reports run on a model of fixed
quarters (growth, adoption of systems, achievements): a quarter's figures do not depend on
the day, only which quarters have ended and how far their review has got. Which quarters an
enterprise reports is ``reporting.obligations``' answer.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any

from django.utils import timezone

from accounts.models import Role
from enterprises.models import Enterprise
from enterprises.uscc import uscc_check_character
from reporting.audit import Action
from reporting.obligations import reporting_periods
from targets.periods import (
    PROGRAMME_FIRST_PERIOD,
    last_ended_period,
    period_due_on,
    period_end,
    period_opens_on,
    period_start,
)
from targets.periods import today as local_today

from .data import (
    BRAND_CHARS,
    DEMO_PASSWORD,
    DEVICES,
    DRUG_TARGETS,
    FACTORIES,
    LEAVING_ON,
    MANUFACTURING,
    MARKER_PARK,
    OUTSIDE_PARKS,
    PARKS,
    PILOT_PROJECTS,
    PROVIDER_DISTRICTS,
    PROVIDER_SUFFIXES,
    RD_RATIO,
    REGULATORY_REFERENCE,
    REOPEN_REASON,
    RETURN_REASONS,
    SCENARIO_DOMAINS,
    SCENARIOS,
    SEASON,
    SEED,
    SERVICES,
    STANDARD_NUMBERS,
    STANDARDS,
    STILL_RETURNED,
    SUFFIXES,
    SYSTEMS,
)

# The report model's fixed quarters: systems reach their SYSTEMS share by the end of
# ADOPTED_BY, and some of the rest adopt them later, up to the end of the national plan.
ADOPTED_BY = 2025 * 4 + 3  # 2025Q4
HORIZON = 2030 * 4 + 3  # 2030Q4
MODEL_PERIODS = range(PROGRAMME_FIRST_PERIOD, HORIZON + 1)


@dataclass
class ParkSpec:
    code: str
    name_zh: str
    name_en: str
    district: str


@dataclass
class EnterpriseSpec:
    uscc: str
    brand: str
    name: str
    name_en: str
    district: str
    park: str | None
    segment: str
    size: float  # quarterly revenue scale in 万元; drives the report figures
    is_key: bool = False
    above_scale: bool = False
    active_from: dt.date = dt.date(2020, 1, 1)
    active_until: dt.date | None = None
    contact_email: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "name_en": self.name_en,
            "district": self.district,
            "park": self.park,
            "segment": self.segment,
            "is_key": self.is_key,
            "above_scale": self.above_scale,
            "active_from": self.active_from,
            "active_until": self.active_until,
            "contact_email": self.contact_email,
        }

    def reporting_periods(self, today: dt.date) -> list[int]:
        """The quarters it owes on ``today`` (the one definition, on an unsaved copy)."""
        copy = Enterprise(active_from=self.active_from, active_until=self.active_until)
        return reporting_periods(copy, today=today)


@dataclass
class ProviderSpec:
    uscc: str
    name: str
    district: str
    services: list[str]
    serves: list[str]  # USCCs of the enterprises served


@dataclass
class DesignationSpec:
    kind: str
    granted_on: dt.date
    enterprise: str | None = None
    park: str | None = None
    provider: str | None = None
    name: str = ""
    reference: str = ""
    revoked_on: dt.date | None = None


@dataclass
class AllocationSpec:
    """A city target allocated to a district or park (DOMAIN.md, "Allocations")."""

    target: str  # target code
    scope: str  # "district:CODE" or "park:CODE"
    value: str  # exact decimal text
    milestones: list[tuple[str, str]] = field(default_factory=list)  # own: (date, value)


# Some targets allocated to Pudong and Xuhui and a few of their parks: values that add up to
# part of the city's target, some with their own milestones, the rest scaled from the city's.
ALLOCATIONS: list[AllocationSpec] = [
    AllocationSpec("SH23-SF-BENCH", "district:310115", "8"),
    AllocationSpec("SH23-SF-BENCH", "park:ZJ", "6", [("2024-06-30", "2"), ("2025-06-30", "4")]),
    AllocationSpec("SH23-SF-BENCH", "park:LG", "2"),
    AllocationSpec("SH23-SCENARIO", "district:310115", "45"),
    AllocationSpec("SH23-SCENARIO", "district:310104", "15"),
    AllocationSpec("SH23-SCENARIO", "park:ZJ", "25"),
    AllocationSpec("SH23-SCENARIO", "park:CHJ", "5"),
    AllocationSpec("SH23-TALENT-HIGH", "district:310115", "10"),
    AllocationSpec("SH23-TALENT-HIGH", "park:ZJ", "6"),
    AllocationSpec("AIC-CLOUD", "district:310115", "100"),
    AllocationSpec("AIC-CLOUD", "park:ZJ", "40", [("2023-12-31", "15"), ("2024-12-31", "28")]),
    AllocationSpec("AIC-PILOT", "park:ZJ", "6"),
    AllocationSpec("CN25-COVERAGE", "district:310115", "40"),
    AllocationSpec("CN25-COVERAGE", "park:ZJ", "30"),
    AllocationSpec("CN25-COVERAGE", "park:FL", "25"),
]


@dataclass
class UserSpec:
    username: str
    role: str
    enterprise: str | None = None
    park: str | None = None
    district: str | None = None
    password: str | None = None  # None: an unusable password (an official can set one)


@dataclass(frozen=True)
class Step:
    """One workflow action on a report, by the enterprise's reporter (create, edit, submit)
    or an official (approve, return, reopen)."""

    action: str
    at: dt.datetime
    comment: str = ""
    metrics: dict[str, Any] | None = None  # create and edit: the values as entered

    @property
    def by_official(self) -> bool:
        return self.action in (Action.APPROVE, Action.RETURN, Action.REOPEN)


# The status a report is left in by its last step (an edit keeps a returned report returned).
_STATUS_AFTER = {
    Action.CREATE: "draft",
    Action.SUBMIT: "submitted",
    Action.RETURN: "returned",
    Action.APPROVE: "approved",
    Action.REOPEN: "returned",
}


@dataclass
class ReportSpec:
    period: int
    metrics: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "approved"  # intended: approved, submitted, draft, returned, missing
    late: bool = False
    returned_once: str = ""  # a comment: returned, corrected and approved
    wrong_metric: str = ""  # what the first version got wrong
    reopened: str = ""  # a comment: approved, then reopened by an official
    steps: list[Step] = field(default_factory=list)  # those done before the plan's day

    @property
    def status(self) -> str | None:
        """The status the steps leave it in; None when nothing was done (missing)."""
        status = None
        for step in self.steps:
            status = _STATUS_AFTER.get(step.action, status)
        return status

    @property
    def handed_in(self) -> bool:
        return any(step.action == Action.SUBMIT for step in self.steps)


@dataclass
class DemoPlan:
    today: dt.date
    parks: list[ParkSpec] = field(default_factory=list)
    enterprises: list[EnterpriseSpec] = field(default_factory=list)
    providers: list[ProviderSpec] = field(default_factory=list)
    designations: list[DesignationSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)
    allocations: list[AllocationSpec] = field(default_factory=list)
    reports: dict[str, list[ReportSpec]] = field(default_factory=dict)  # by USCC

    @property
    def reporter_enterprise(self) -> EnterpriseSpec:
        return self.enterprises[0]

    @property
    def last_period(self) -> int:
        return last_ended_period(self.today)


def demo_plan(seed: int = SEED, *, today: dt.date | None = None) -> DemoPlan:
    """Plan the whole demo programme for ``today`` (default: today) in memory."""
    today = today or local_today()
    rng = _random(seed)
    names = _Names(rng)
    plan = DemoPlan(
        today=today,
        parks=[ParkSpec(code, zh, en, d) for code, zh, en, d, _n, _w in PARKS],
        allocations=list(ALLOCATIONS),
    )

    placements: list[tuple[str, str | None, dict[str, int]]] = []
    for code, _zh, _en, district, count, weights in PARKS:
        placements += [(district, code, weights)] * count
    for district, count, weights in OUTSIDE_PARKS:
        placements += [(district, None, weights)] * count

    for index, (district, park, weights) in enumerate(placements):
        segment = "biologics" if index == 0 else _weighted(rng, weights)
        brand, pinyin = names.brand()
        suffix_zh, suffix_en = rng.choice(SUFFIXES[segment])
        size = rng.lognormvariate(8.0, 1.1)  # 万元 a quarter: a few hundred to tens of thousands
        if index == 0:  # the demo reporter's enterprise: a large key biologics maker in ZJ
            suffix_zh, suffix_en, size = "生物医药股份有限公司", "Biopharma Inc.", 60000.0
        plan.enterprises.append(
            EnterpriseSpec(
                uscc=names.uscc(district),
                brand=brand,
                name=f"上海{brand}{suffix_zh}",
                name_en=f"Shanghai {pinyin} {suffix_en}",
                district=district,
                park=park,
                segment=segment,
                size=round(size, 1),
                active_from=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(366)),
                contact_email=f"dx@{pinyin.lower()}.example.com",
            )
        )
    enterprises = plan.enterprises
    by_size = sorted(enterprises, key=lambda e: e.size, reverse=True)
    for spec in by_size[:200]:
        spec.above_scale = True
    by_weight = sorted(enterprises, key=lambda e: e.size * rng.uniform(0.4, 1.6), reverse=True)
    for spec in by_weight[:120]:
        spec.is_key = True
    enterprises[0].is_key = enterprises[0].above_scale = True
    if sum(e.is_key for e in enterprises) > 120:
        next(e for e in reversed(by_weight) if e.is_key and e is not enterprises[0]).is_key = False

    # Newcomers in 2023-2024 and two that leave in 2024: smaller, never key enterprises.
    small = [e for e in enterprises[1:] if not e.is_key]
    joiners = rng.sample(small, 10)
    for spec in joiners:
        spec.active_from = dt.date(2023, 3, 1) + dt.timedelta(days=rng.randrange(560))
    makers = [e for e in small if e.segment in MANUFACTURING and e not in joiners]
    for spec, until in zip(rng.sample(makers, 2), LEAVING_ON, strict=True):
        spec.active_until = until

    _plan_providers(plan, rng, names)
    _plan_designations(plan, rng)
    plan.designations = [_as_of(d, today) for d in plan.designations if d.granted_on < today]
    plan.users = [
        UserSpec("official", Role.OFFICIAL, password=DEMO_PASSWORD),
        UserSpec("analyst", Role.ANALYST, password=DEMO_PASSWORD),
        UserSpec("park_zj", Role.PARK_MANAGER, park=MARKER_PARK, password=DEMO_PASSWORD),
        UserSpec(
            "district_pd",
            Role.DISTRICT_OFFICIAL,
            district=next(p.district for p in plan.parks if p.code == MARKER_PARK),
            password=DEMO_PASSWORD,
        ),
        UserSpec(
            "ent_demo", Role.ENTERPRISE, enterprise=enterprises[0].uscc, password=DEMO_PASSWORD
        ),
        *(
            UserSpec(reporter_username(spec.uscc), Role.ENTERPRISE, enterprise=spec.uscc)
            for spec in enterprises[1:]
        ),
    ]
    plan.reports = _plan_reports(plan, seed)
    return plan


def _random(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets


def reporter_username(uscc: str) -> str:
    """The reporter of every demo enterprise but the first (``ent_demo``): ``ent_`` and the
    last seven characters of its code (the organisation code's tail and the check digit)."""
    return f"ent_{uscc[-7:].lower()}"


def _as_of(designation: DesignationSpec, today: dt.date) -> DesignationSpec:
    """A revocation still ahead is not known yet."""
    if designation.revoked_on is not None and designation.revoked_on >= today:
        designation.revoked_on = None
    return designation


# --- entities --------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


class _Names:
    """Distinct brands and USCCs, drawn from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.brands: set[str] = set()
        self.usccs: set[str] = set()

    def brand(self) -> tuple[str, str]:
        chars = list(BRAND_CHARS)
        while True:
            first, second = self.rng.sample(chars, 2)
            brand = first + second
            if brand not in self.brands:
                self.brands.add(brand)
                pinyin = BRAND_CHARS[first] + BRAND_CHARS[second]
                return brand, pinyin.capitalize()

    def uscc(self, district: str) -> str:
        """91 (enterprise, industry & commerce) + region + 9-character body + check."""
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        while True:
            if self.rng.random() < 0.7:
                body = "MA1" + "".join(self.rng.choices(alphabet, k=6))
            else:
                body = "".join(self.rng.choices("0123456789", k=8)) + self.rng.choice(alphabet)
            first17 = f"91{district}{body}"
            code = first17 + uscc_check_character(first17)
            if code not in self.usccs:
                self.usccs.add(code)
                return code


def _plan_providers(plan: DemoPlan, rng: random.Random, names: _Names) -> None:
    steady = [e for e in plan.enterprises if e.active_until is None]
    for index in range(20):
        brand, _pinyin = names.brand()
        district = PROVIDER_DISTRICTS[index % len(PROVIDER_DISTRICTS)]
        suffix = PROVIDER_SUFFIXES[index % len(PROVIDER_SUFFIXES)]
        services = rng.sample(SERVICES, rng.randint(2, 4))
        if "AI药物发现" in services:
            pool = [e for e in steady if e.segment in ("biologics", "chemical", "cxo")]
        elif {"MES实施", "数字孪生"} & set(services):
            pool = [e for e in steady if e.segment in MANUFACTURING]
        else:
            pool = steady
        served = rng.sample(pool, min(len(pool), rng.randint(5, 20)))
        plan.providers.append(
            ProviderSpec(
                uscc=names.uscc(district),
                name=f"上海{brand}{suffix}",
                district=district,
                services=services,
                serves=sorted(e.uscc for e in served),
            )
        )


def _date(rng: random.Random, year: int, months: Sequence[int]) -> dt.date:
    return dt.date(year, rng.choice(months), rng.randint(1, 28))


class _Notices:
    """Titles are announced in batches: one notice (day and number) per kind and year."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.numbers = iter(range(101, 999, 7))
        self.batches: dict[tuple[str, int], tuple[dt.date, str]] = {}

    def reference(self, prefix: str, year: int) -> str:
        return f"{prefix}〔{year}〕{next(self.numbers)}号"

    def batch(
        self, kind: str, prefix: str, year: int, months: Sequence[int]
    ) -> tuple[dt.date, str]:
        if (kind, year) not in self.batches:
            day = _date(self.rng, year, months)
            self.batches[kind, year] = (day, self.reference(prefix, year))
        return self.batches[kind, year]


def _plan_designations(plan: DemoPlan, rng: random.Random) -> None:
    steady = [e for e in plan.enterprises if e.active_until is None and e.active_from.year == 2020]
    keys = [e for e in steady if e.is_key]
    notices = _Notices(rng)
    _plan_factories(plan, rng, notices, steady)
    _plan_pioneers_and_pilots(plan, rng, notices, steady)
    _plan_platforms(plan, notices, keys)
    _plan_parks_and_providers(plan, rng, notices)
    plan.designations.sort(key=lambda d: (d.granted_on, d.kind))


def _plan_factories(
    plan: DemoPlan, rng: random.Random, notices: _Notices, steady: list[EnterpriseSpec]
) -> None:
    """Benchmark smart factories from the biggest makers (the reporter's enterprise is
    one), then demonstration factories."""
    makers = [e for e in steady if e.above_scale and e.segment in MANUFACTURING]

    def factory(spec: EnterpriseSpec) -> str:
        return spec.brand + rng.choice(FACTORIES[spec.segment])

    flagship = plan.enterprises[0]
    benchmark = [flagship, *[e for e in makers if e.is_key and e is not flagship][:11]]
    for index, spec in enumerate(benchmark):
        year = (2023, 2024, 2024, 2025)[index % 4]
        day, notice = notices.batch("smart_factory_benchmark", "沪经信智", year, (11, 12))
        plan.designations.append(
            DesignationSpec(
                "smart_factory_benchmark",
                day,
                enterprise=spec.uscc,
                name=factory(spec),
                reference=notice,
            )
        )
    demo_pool = [e for e in makers if e not in benchmark]
    for index, spec in enumerate(rng.sample(demo_pool, 25)):
        year = (2023, 2024, 2024, 2025, 2025)[index % 5]
        day, notice = notices.batch("smart_factory_demo", "沪经信智", year, (6, 7))
        plan.designations.append(
            DesignationSpec(
                "smart_factory_demo",
                day,
                enterprise=spec.uscc,
                name=factory(spec),
                reference=notice,
            )
        )


def _plan_pioneers_and_pilots(
    plan: DemoPlan, rng: random.Random, notices: _Notices, steady: list[EnterpriseSpec]
) -> None:
    add = plan.designations.append
    for index, spec in enumerate(rng.sample([e for e in steady if e.is_key], 25)):
        year = (2023, 2024, 2024, 2025, 2025)[index % 5]
        day, notice = notices.batch("pioneer_enterprise", "沪经信医", year, (9, 10))
        add(DesignationSpec("pioneer_enterprise", day, enterprise=spec.uscc, reference=notice))
    pilots = rng.sample([e for e in steady if e.above_scale], 22)
    for index, spec in enumerate(pilots):
        year = 2022 if index < 11 else 2023
        day, notice = notices.batch("pilot_project", "沪经信医", year, (3, 4))
        add(
            DesignationSpec(
                "pilot_project",
                day,
                enterprise=spec.uscc,
                name=spec.brand + rng.choice(PILOT_PROJECTS),
                reference=notice,
            )
        )
    # One pilot stopped half-way, one demonstration factory lost its title when it moved.
    first_pilot = plan.designations[-22]
    first_pilot.revoked_on = first_pilot.granted_on + dt.timedelta(days=200)
    leaver = next(e for e in plan.enterprises if e.active_until == LEAVING_ON[0])
    day, notice = notices.batch("smart_factory_demo", "沪经信智", 2023, (6, 7))
    add(
        DesignationSpec(
            "smart_factory_demo",
            day,
            enterprise=leaver.uscc,
            name=leaver.brand + FACTORIES[leaver.segment][0],
            reference=notice,
            revoked_on=leaver.active_until,
        )
    )


def _plan_platforms(plan: DemoPlan, notices: _Notices, keys: list[EnterpriseSpec]) -> None:
    platform_providers = [p for p in plan.providers if "工业互联网平台" in p.services]
    platform_providers += [p for p in plan.providers if p not in platform_providers]
    distributor = next(e for e in keys if e.segment == "distribution")
    cdmo = next(e for e in keys if e.segment == "cxo")
    platforms: list[tuple[str, EnterpriseSpec | ProviderSpec, dt.date]] = [
        ("生物医药工业互联网平台", platform_providers[0], dt.date(2023, 12, 8)),
        ("医药供应链协同平台", distributor, dt.date(2024, 11, 20)),
        ("生物药CDMO产能共享平台", cdmo, dt.date(2025, 5, 16)),
        ("医疗器械全生命周期质量追溯平台", platform_providers[1], dt.date(2025, 11, 6)),
    ]
    for title, subject, day in platforms:
        brand = subject.brand if isinstance(subject, EnterpriseSpec) else subject.name[2:4]
        platform = DesignationSpec(
            "industrial_internet_platform",
            day,
            name=brand + title,
            reference=notices.reference("沪经信数", day.year),
        )
        if isinstance(subject, EnterpriseSpec):
            platform.enterprise = subject.uscc
        else:
            platform.provider = subject.uscc
        plan.designations.append(platform)
    plan.designations.append(
        DesignationSpec(
            "regulatory_platform",
            dt.date(2024, 9, 26),
            name="上海市生物医药智慧监管数字平台",
            reference=REGULATORY_REFERENCE,
        )
    )


def _plan_parks_and_providers(plan: DemoPlan, rng: random.Random, notices: _Notices) -> None:
    for code, day in (
        ("ZJ", dt.date(2024, 4, 18)),
        ("LG", dt.date(2025, 3, 20)),
        ("MG", dt.date(2025, 10, 15)),
    ):
        reference = notices.reference("沪经信园", day.year)
        plan.designations.append(DesignationSpec("demo_park", day, park=code, reference=reference))
    for index, provider in enumerate(rng.sample(plan.providers, 9)):
        year = (2023, 2024, 2024, 2025)[index % 4]
        day, notice = notices.batch("excellent_provider", "沪经信数", year, (10, 11, 12))
        plan.designations.append(
            DesignationSpec("excellent_provider", day, provider=provider.uscc, reference=notice)
        )


# --- quarterly reports -----------------------------------------------------------------


def _plan_reports(plan: DemoPlan, seed: int) -> dict[str, list[ReportSpec]]:
    """Every demo enterprise's reports for the quarters it owes on the plan's day: values,
    items, what happens to each and when. An enterprise's figures come from its own random
    stream, so they do not change with the day or with the other enterprises."""
    rng = _random(seed + 1)
    today, last = plan.today, plan.last_period
    benchmark = {d.enterprise for d in plan.designations if d.kind == "smart_factory_benchmark"}
    chronic = set(rng.sample([e.uscc for e in plan.enterprises[1:] if not e.is_key], 4))
    reports: dict[str, list[ReportSpec]] = {}
    for spec in plan.enterprises:
        own = _random(f"{seed}:{spec.uscc}")
        periods = spec.reporting_periods(today)
        values = dict(zip(MODEL_PERIODS, _metrics(spec, own, spec.uscc in benchmark), strict=True))
        reports[spec.uscc] = [ReportSpec(period=p, metrics=values[p]) for p in periods]
        _scenarios_add(spec, reports[spec.uscc], own)
        _outcomes_decide(reports[spec.uscc], own, last=last, chronic=spec.uscc in chronic)
    _reporter_history(reports[plan.reporter_enterprise.uscc])
    for spec in plan.enterprises:
        for report in reports[spec.uscc]:
            report.steps = _steps(report, f"{seed}:{spec.uscc}:{report.period}", today)
    _achievements_add(plan, reports, rng)
    return reports


def _reporter_history(reports: list[ReportSpec]) -> None:
    """The demo reporter's own history: every quarter approved on time, one returned for a
    slip and corrected on the way, and the latest returned with a comment to act on."""
    for report in reports:
        report.outcome, report.late, report.returned_once, report.reopened = (
            "approved",
            False,
            "",
            "",
        )
    reports[-1].outcome = "returned"
    reports[-6].returned_once, reports[-6].wrong_metric = RETURN_REASONS[0]


def _adoption(rng: random.Random, before: float, by_end: float) -> int | None:
    """The quarter a flag switches on: before 2022 (share ``before``), during 2022-2025 (up
    to ``by_end``), later (a third of the rest, up to 2030) or never. One draw, whatever the
    answer, so the draws after it do not depend on it."""
    draw = rng.random()
    if draw < before:
        return PROGRAMME_FIRST_PERIOD - 1
    if draw < by_end:
        span = ADOPTED_BY - PROGRAMME_FIRST_PERIOD + 1
        return PROGRAMME_FIRST_PERIOD + int((draw - before) / (by_end - before) * span)
    later = by_end + (1 - by_end) / 3
    if draw < later:
        span = HORIZON - ADOPTED_BY
        return ADOPTED_BY + 1 + int((draw - by_end) / (later - by_end) * span)
    return None


def _metrics(spec: EnterpriseSpec, rng: random.Random, benchmark: bool) -> Iterator[dict[str, Any]]:
    """The enterprise's values quarter by quarter from 2022Q1 (the quarters it was not
    active are drawn all the same, so its figures never depend on when it joined)."""
    growth = rng.uniform(0.0, 0.035) + (0.01 if spec.segment in ("biologics", "devices") else 0)
    rd_low, rd_high = RD_RATIO[spec.segment]
    rd_ratio = rng.uniform(rd_low, rd_high)
    digital_ratio = rng.uniform(0.008, 0.03) * (1.5 if spec.is_key else 1.0)
    staff = max(1.0, spec.size / rng.uniform(300, 900)) if spec.above_scale else rng.randint(0, 3)
    cloud = _adoption(rng, *((0.2, 0.72) if spec.is_key else (0.08, 0.35)))
    transformed: int | None = None
    transforms = rng.random() < 0.45
    if cloud is not None and spec.above_scale and transforms:
        transformed = max(cloud, PROGRAMME_FIRST_PERIOD) + rng.randint(2, 16)
    systems = {
        code: _adoption(rng, *shares.get(spec.segment, shares["default"]))
        for code, shares in SYSTEMS.items()
    }
    upgrader = rng.random() < 0.34
    first_upgrade = PROGRAMME_FIRST_PERIOD + min(rng.randint(0, 7), rng.randint(0, 7))
    dcmm_from = _adoption(rng, 0.05, 0.4 if spec.above_scale else 0.1)
    dcmm_start = rng.randint(1, 2)
    makes = (spec.segment in MANUFACTURING and spec.segment != "cxo") or benchmark
    mfg_from = _adoption(rng, 0.35, 0.75) if makes else None
    mfg_start = 3 if benchmark else rng.randint(1, 2)
    high_end_p = 0.013 if spec.is_key else 0.002
    backbone_p = 0.045 if spec.is_key else (0.012 if spec.above_scale else 0.003)
    for p in MODEL_PERIODS:
        t = p - PROGRAMME_FIRST_PERIOD
        revenue = spec.size * (1 + growth) ** t * SEASON[p % 4] * rng.gauss(1, 0.06)
        revenue = max(revenue, 1.0)
        staff = staff * (1 + rng.uniform(0, 0.04)) if spec.above_scale else staff
        upgrading = upgrader and p >= first_upgrade and rng.random() < 0.45
        if not upgrader and p >= 2024 * 4:
            upgrading = rng.random() < 0.06
        dcmm = 0
        if dcmm_from is not None and p >= dcmm_from:
            dcmm = min(4, dcmm_start + (p - max(dcmm_from, PROGRAMME_FIRST_PERIOD)) // 6)
        mfg = 0
        if mfg_from is not None and p >= mfg_from:
            cap = 5 if benchmark else 4
            mfg = min(cap, mfg_start + (p - max(mfg_from, PROGRAMME_FIRST_PERIOD)) // 5)
        yield {
            "talent_high_end_new": int(rng.random() < high_end_p * (1 + min(t, 24) / 16)),
            "talent_backbone_new": rng.randint(1, 2) if rng.random() < backbone_p else 0,
            "digital_staff": round(staff),
            "digital_investment": f"{revenue * digital_ratio * (1 + min(t, 24) / 20):.2f}",
            "rd_investment": f"{revenue * rd_ratio * rng.gauss(1, 0.1):.2f}",
            "revenue": f"{revenue:.2f}",
            "cloud_adopted": cloud is not None and p >= cloud,
            "self_upgrade": upgrading,
            "dx_transformed": transformed is not None and p >= transformed,
            **{code: since is not None and p >= since for code, since in systems.items()},
            "dcmm_level": dcmm,
            "smart_mfg_level": mfg,
        }


def _day_in(period: int, rng: random.Random) -> str:
    start = period_start(period)
    return (start + dt.timedelta(days=rng.randrange((period_end(period) - start).days))).isoformat()


# Scenarios are put to use from 2022Q3 to 2027Q4, spread evenly; those in quarters that have
# not ended yet are not reported yet.
SCENARIO_FIRST, SCENARIO_LAST = 2022 * 4 + 2, 2027 * 4 + 3


def _scenarios_add(spec: EnterpriseSpec, reports: list[ReportSpec], rng: random.Random) -> None:
    count = rng.choice((0, 1, 1, 2, 2, 3)) if spec.is_key else int(rng.random() < 0.18)
    domains = SCENARIO_DOMAINS[spec.segment]
    by_period = {r.period: r for r in reports}
    chosen: set[str] = set()
    for _index in range(count):
        domain = rng.choice(domains)
        name = rng.choice(SCENARIOS[domain])
        period = rng.randint(SCENARIO_FIRST, SCENARIO_LAST)
        day = _day_in(period, rng)
        if name in chosen or period not in by_period:
            continue
        chosen.add(name)
        by_period[period].items.append(
            {
                "kind": "scenario",
                "identifier": name,
                "title": spec.brand + name,
                "date": day,
                "attributes": {"domain": domain},
            }
        )


def _outcomes_decide(
    reports: list[ReportSpec], rng: random.Random, *, last: int, chronic: bool
) -> None:
    """What happens to each report: the quarter before last and the last one are still
    being reviewed; earlier ones are nearly all approved (chronic late-comers miss many).
    The same draws for a quarter whatever its age, so an older quarter's fate is fixed."""
    for report in reports:
        draw, late, slip = rng.random(), rng.random(), rng.random()
        reason = rng.choice(RETURN_REASONS)
        if report.period == last:
            bands = [("missing", 0.06), ("draft", 0.04), ("submitted", 0.2), ("returned", 0.05)]
        elif report.period == last - 1:
            bands = [("missing", 0.03), ("submitted", 0.02), ("returned", 0.02)]
        else:
            bands = [("missing", 0.35 if chronic else 0.015)]
        for outcome, share in bands:
            if draw < share:
                report.outcome = outcome
                break
            draw -= share
        report.late = report.outcome != "draft" and late < (0.25 if chronic else 0.06)
        if report.outcome == "approved" and slip < 0.03:
            report.returned_once, report.wrong_metric = reason
    # Now and then an official reopens an approved report of the 2023-2025 plan's first years.
    early = [r for r in reports if r.period < 2025 * 4]
    pick, draw = rng.choice(early) if early else None, rng.random()
    if pick is not None and pick.outcome == "approved" and draw < 0.015:
        pick.reopened = REOPEN_REASON


def _steps(report: ReportSpec, stream: str, today: dt.date) -> list[Step]:
    """The report's workflow, each action at a plausible moment after the quarter opens;
    only what happened before ``today`` is kept (a review still ahead is not done yet)."""
    if report.outcome == "missing":
        return []
    rng = _random(stream)
    opens, due = period_opens_on(report.period), period_due_on(report.period)
    if report.late:
        handed_in = due + dt.timedelta(days=rng.randint(3, 40))
    else:
        handed_in = opens + dt.timedelta(days=rng.randint(0, (due - opens).days))
    created = max(opens, handed_in - dt.timedelta(days=rng.randint(0, 3)))
    clock = _Clock(rng)
    first = dict(report.metrics)
    if report.wrong_metric:
        first[report.wrong_metric] = _wrong(report.metrics[report.wrong_metric])
    steps = [Step(Action.CREATE, clock.on(created), metrics=first)]
    if report.outcome != "draft":
        steps.append(Step(Action.SUBMIT, clock.on(handed_in)))
        day = handed_in
        if report.returned_once:
            day += dt.timedelta(days=rng.randint(2, 8))
            steps.append(Step(Action.RETURN, clock.on(day), comment=report.returned_once))
            day += dt.timedelta(days=rng.randint(1, 5))
            steps.append(Step(Action.EDIT, clock.on(day), metrics=report.metrics))
            steps.append(Step(Action.SUBMIT, clock.on(day)))
        if report.outcome != "submitted":
            day += dt.timedelta(days=rng.randint(2, 12))
            if report.outcome == "returned":
                comment = rng.choice(STILL_RETURNED)
                steps.append(Step(Action.RETURN, clock.on(day), comment=comment))
            else:
                steps.append(Step(Action.APPROVE, clock.on(day)))
                if report.reopened:
                    day += dt.timedelta(days=rng.randint(20, 60))
                    steps.append(Step(Action.REOPEN, clock.on(day), comment=report.reopened))
    return list(takewhile(lambda step: timezone.localdate(step.at) < today, steps))


class _Clock:
    """Office hours, each action a little after the one before."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.last: dt.datetime | None = None

    def on(self, day: dt.date) -> dt.datetime:
        naive = dt.datetime.combine(day, dt.time(self.rng.randint(9, 17), self.rng.randrange(60)))
        moment = timezone.make_aware(naive)
        if self.last is not None and moment <= self.last:
            moment = self.last + dt.timedelta(minutes=self.rng.randint(3, 40))
        self.last = moment
        return moment


def _wrong(value: Any) -> Any:
    """A typical slip a reviewer catches: yuan instead of 万元, or a digit too many."""
    if isinstance(value, str):
        return f"{float(value) * 10:.2f}"
    return int(value) * 10 + 1


# AI-assisted drugs entering clinic (the demo reporter's enterprise has the first), by quarter.
DRUG_PERIODS = [
    2022 * 4 + 3, 2023 * 4 + 2, 2024 * 4, 2024 * 4 + 2, 2025 * 4 + 1, 2025 * 4 + 2,
    2026 * 4, 2026 * 4 + 2, 2027 * 4 + 1,
]  # fmt: skip
CO_DEVELOPED = 3  # this drug is reported by its maker and an AI drug-discovery CRO
DEVICE_FIRST, DEVICE_LAST = 2022 * 4 + 1, 2027 * 4 + 3
STANDARD_FIRST, STANDARD_LAST = 2022 * 4 + 3, 2027 * 4 + 1


def _achievements_add(
    plan: DemoPlan, reports: dict[str, list[ReportSpec]], rng: random.Random
) -> None:
    """AI drugs entering clinic, intelligent devices approved, standards: a few each, on a
    fixed calendar; those of quarters still ahead are reported later."""

    def steady(segments: Sequence[str]) -> list[EnterpriseSpec]:
        return [
            e
            for e in plan.enterprises
            if e.segment in segments and e.active_until is None and e.active_from.year == 2020
        ]

    def attach(uscc: str, period: int, item: dict[str, Any]) -> None:
        """Into that quarter's report, or the next one the enterprise hands in."""
        candidates = [r for r in reports[uscc] if r.period >= period and r.handed_in]
        if candidates:
            candidates[0].items.append(item)

    drug_makers = [e for e in steady(("biologics", "chemical")) if e.is_key]
    ai_partners = [e for e in steady(("cxo",)) if e.is_key]
    makers = [plan.enterprises[0], *rng.sample(drug_makers[1:], len(DRUG_PERIODS) - 1)]
    for index, (period, maker) in enumerate(zip(DRUG_PERIODS, makers, strict=True)):
        year = period // 4
        number = f"CTR{year}{rng.randint(1000, 4999):04d}"
        day = _day_in(period, rng)
        title = (
            f"{maker.brand[0]}X-{101 + index}（{rng.choice(DRUG_TARGETS)} 抑制剂，AI辅助分子设计）"
        )
        drug = {"kind": "ai_drug_clinical", "identifier": number, "title": title, "date": day}
        attach(maker.uscc, period, drug)
        if index == CO_DEVELOPED:
            partner = rng.choice(ai_partners)
            spaced = f"{number[:7]} {number[7:]}"  # typed with a space: counts once all the same
            attach(partner.uscc, period, {**drug, "identifier": spaced})

    device_makers = steady(("devices",))
    quarters = DEVICE_LAST - DEVICE_FIRST + 1
    for index in range(quarters * 9 // 4):  # about nine a year
        period = DEVICE_FIRST + (index * quarters) // (quarters * 9 // 4)
        category, name = DEVICES[index % len(DEVICES)]
        maker = rng.choice(device_makers)
        number = f"国械注准{period // 4}3{category}{rng.randint(100, 9999):04d}"
        device = {
            "kind": "smart_device_approval",
            "identifier": number,
            "title": maker.brand + name,
            "date": _day_in(period, rng),
        }
        attach(maker.uscc, period, device)

    drafters = steady((*MANUFACTURING, "distribution"))
    quarters = STANDARD_LAST - STANDARD_FIRST + 1
    for index, (level, pattern, title) in enumerate(STANDARDS):
        period = STANDARD_FIRST + (index * quarters) // len(STANDARDS)
        low, high = STANDARD_NUMBERS[level]
        number = pattern.format(n=rng.randint(low, high), y=period // 4)
        standard: dict[str, Any] = {
            "kind": "standard",
            "identifier": number,
            "title": title,
            "date": _day_in(period, rng),
            "attributes": {"level": level},
        }
        for drafter in rng.sample(drafters, 2 if index == 2 else 1):
            attach(drafter.uscc, period, standard)
