"""A believable demo programme: parks, enterprises, providers, designations, users, reports.

Everything is generated from a fixed random seed, so two runs plan exactly the same data;
``demo_seed`` writes it through the services (so every rule and audit trail holds) and
does nothing when the demo is already there (the well-known park ``ZJ`` exists).
``demo_reset`` deletes what the plan names. The names, codes and figures are synthetic;
the parks and districts are Shanghai's real biomedical parks.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q

from accounts.models import Role, User
from accounts.services import user_upsert
from parks.models import Park

from .models import Designation, Enterprise, Provider
from .services import designation_create, enterprise_create, provider_save
from .uscc import uscc_check_character

SEED = 20230630  # the day the 2023-2025 implementation plan was issued
MARKER_PARK = "ZJ"
DEMO_PASSWORD = "demo12345"

# code, Chinese name, English name, district, enterprises in the park, segment weights
PARKS: list[tuple[str, str, str, str, int, dict[str, int]]] = [
    ("ZJ", "张江药谷", "Zhangjiang Pharma Valley", "310115", 60,
     {"biologics": 4, "cxo": 3, "chemical": 2, "devices": 1}),
    ("LG", "临港生命蓝湾", "Lingang Bio Bay", "310115", 25,
     {"biologics": 3, "devices": 2, "chemical": 1, "cxo": 1}),
    ("MG", "东方美谷", "Oriental Beauty Valley", "310120", 25,
     {"other": 3, "chemical": 2, "tcm": 1, "biologics": 1}),
    ("BS", "北上海生物医药产业园", "North Shanghai Biomedical Industrial Park", "310113", 20,
     {"biologics": 2, "chemical": 2, "devices": 1, "distribution": 1}),
    ("CHJ", "漕河泾开发区", "Caohejing Hi-Tech Park", "310104", 15,
     {"devices": 3, "cxo": 1, "other": 1}),
    ("ZZ", "紫竹高新区", "Zizhu Hi-Tech Park", "310112", 15,
     {"chemical": 2, "biologics": 1, "devices": 1}),
    ("JD", "嘉定精准医疗与健康服务集聚区", "Jiading Precision Medicine Cluster", "310114", 15,
     {"devices": 3, "biologics": 1}),
    ("G60", "松江G60生物医药产业基地", "Songjiang G60 Biomedical Base", "310117", 15,
     {"chemical": 2, "biologics": 1, "devices": 1, "tcm": 1}),
    ("JS", "金山湾区生物医药港", "Jinshan Bay Biomedical Port", "310116", 15,
     {"chemical": 3, "tcm": 1, "distribution": 1}),
    ("QP", "青浦工业园区生物医药产业基地", "Qingpu Industrial Park Biomedical Base", "310118", 12,
     {"devices": 2, "distribution": 1, "chemical": 1}),
    ("FL", "徐汇枫林生命健康产业园", "Xuhui Fenglin Life Science Park", "310104", 12,
     {"cxo": 2, "devices": 1, "biologics": 1, "other": 1}),
    ("YP", "杨浦环高校生物医药创新园", "Yangpu University Cluster Biomedical Park", "310110", 10,
     {"cxo": 1, "other": 1, "biologics": 1, "devices": 1}),
]  # fmt: skip

# Enterprises outside any park: district → (count, segment weights)
OUTSIDE_PARKS: list[tuple[str, int, dict[str, int]]] = [
    ("310115", 14, {"biologics": 2, "chemical": 1, "distribution": 1, "devices": 1}),
    ("310101", 5, {"distribution": 2, "other": 1}),
    ("310106", 7, {"distribution": 2, "cxo": 1, "other": 1}),
    ("310105", 4, {"other": 1, "devices": 1}),
    ("310107", 5, {"chemical": 1, "distribution": 1}),
    ("310109", 3, {"other": 1, "distribution": 1}),
    ("310112", 6, {"chemical": 1, "devices": 1, "biologics": 1}),
    ("310114", 4, {"devices": 1}),
    ("310117", 3, {"chemical": 1, "tcm": 1}),
    ("310120", 3, {"other": 1, "tcm": 1}),
    ("310151", 3, {"tcm": 1}),
    ("310113", 4, {"chemical": 1, "distribution": 1}),
]

# Two-character brands, with their pinyin for the English names.
BRAND_CHARS = {
    "瑞": "rui", "泰": "tai", "康": "kang", "华": "hua", "恒": "heng", "迈": "mai",
    "君": "jun", "睿": "rui", "博": "bo", "德": "de", "景": "jing", "和": "he",
    "宇": "yu", "信": "xin", "安": "an", "益": "yi", "诺": "nuo", "凯": "kai",
    "昂": "ang", "澜": "lan", "峰": "feng", "源": "yuan", "正": "zheng", "海": "hai",
    "辰": "chen", "星": "xing", "启": "qi", "明": "ming", "鼎": "ding", "禾": "he",
    "嘉": "jia", "润": "run", "泽": "ze", "晟": "sheng", "弘": "hong", "汇": "hui",
    "臻": "zhen", "拓": "tuo", "坤": "kun", "济": "ji", "朗": "lang", "骏": "jun",
}  # fmt: skip

SUFFIXES: dict[str, list[tuple[str, str]]] = {
    "chemical": [
        ("医药科技有限公司", "Pharmaceutical Technology Co., Ltd."),
        ("制药有限公司", "Pharmaceutical Co., Ltd."),
        ("医药股份有限公司", "Pharmaceutical Inc."),
        ("药业有限公司", "Pharma Co., Ltd."),
        ("化学制药有限公司", "Chemical Pharmaceutical Co., Ltd."),
    ],
    "biologics": [
        ("生物科技有限公司", "Biotechnology Co., Ltd."),
        ("生物制药有限公司", "Biopharmaceutical Co., Ltd."),
        ("生物医药股份有限公司", "Biopharma Inc."),
        ("生物技术有限公司", "Biotech Co., Ltd."),
        ("生物工程有限公司", "Bioengineering Co., Ltd."),
    ],
    "tcm": [
        ("中药有限公司", "Traditional Chinese Medicine Co., Ltd."),
        ("中药制药有限公司", "TCM Pharmaceutical Co., Ltd."),
        ("药业股份有限公司", "Pharmaceutical Inc."),
        ("中医药科技有限公司", "TCM Technology Co., Ltd."),
    ],
    "devices": [
        ("医疗器械有限公司", "Medical Devices Co., Ltd."),
        ("医疗科技有限公司", "Medical Technology Co., Ltd."),
        ("智能医疗科技有限公司", "Intelligent Medical Technology Co., Ltd."),
        ("医学影像技术有限公司", "Medical Imaging Technology Co., Ltd."),
        ("生物医学工程有限公司", "Biomedical Engineering Co., Ltd."),
        ("医疗器械股份有限公司", "Medical Devices Inc."),
    ],
    "cxo": [
        ("医药研发有限公司", "Pharmaceutical R&D Co., Ltd."),
        ("新药研究有限公司", "New Drug Research Co., Ltd."),
        ("临床研究有限公司", "Clinical Research Co., Ltd."),
        ("生物医药技术服务有限公司", "Biomedical Technical Services Co., Ltd."),
        ("药物研发股份有限公司", "Drug Discovery Inc."),
    ],
    "distribution": [
        ("医药有限公司", "Pharmaceutical Co., Ltd."),
        ("医药物流有限公司", "Pharmaceutical Logistics Co., Ltd."),
        ("医药供应链管理有限公司", "Pharmaceutical Supply Chain Management Co., Ltd."),
        ("医药连锁有限公司", "Pharmacy Chain Co., Ltd."),
        ("医药贸易有限公司", "Pharmaceutical Trading Co., Ltd."),
    ],
    "other": [
        ("健康科技有限公司", "Health Technology Co., Ltd."),
        ("生命科学有限公司", "Life Sciences Co., Ltd."),
        ("化妆品有限公司", "Cosmetics Co., Ltd."),
        ("营养科技有限公司", "Nutrition Technology Co., Ltd."),
        ("数字医疗科技有限公司", "Digital Health Technology Co., Ltd."),
    ],
}

PROVIDER_SUFFIXES = [
    "信息技术有限公司",
    "智能科技有限公司",
    "云计算科技有限公司",
    "数据科技有限公司",
    "工业互联网科技有限公司",
    "软件股份有限公司",
    "数智科技有限公司",
    "人工智能科技有限公司",
]
PROVIDER_DISTRICTS = ["310104", "310115", "310110", "310112", "310105", "310106", "310107"]
SERVICES = [
    "MES实施",
    "云平台",
    "数据治理",
    "AI药物发现",
    "LIMS实施",
    "ERP实施",
    "QMS与GxP合规",
    "供应链数字化",
    "工业互联网平台",
    "网络安全",
    "数字孪生",
    "临床数据管理（EDC）",
]
MANUFACTURING = ("chemical", "biologics", "tcm", "devices", "cxo")
FACTORIES = {
    "chemical": ["固体制剂智能工厂", "原料药连续制造智能工厂", "无菌注射剂智能工厂"],
    "biologics": ["抗体药物原液智能工厂", "细胞治疗产品智能工厂", "疫苗智能工厂"],
    "tcm": ["中药提取智能工厂", "中药配方颗粒智能工厂"],
    "devices": ["高端影像设备智能工厂", "介入器械智能工厂", "体外诊断试剂智能工厂"],
    "cxo": ["生物药CDMO智能工厂", "小分子CDMO智能工厂"],
}
PILOT_PROJECTS = [
    "AI辅助药物研发云平台试点",
    "研发数据中台建设试点",
    "GMP电子批记录（EBR）试点",
    "实验室信息管理（LIMS）上云试点",
    "药品追溯与冷链监控试点",
    "质量管理系统上云试点",
    "数字化临床试验（DCT）试点",
    "智能仓储与物流试点",
]


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
class UserSpec:
    username: str
    role: str
    enterprise: str | None = None
    park: str | None = None


@dataclass
class DemoPlan:
    parks: list[ParkSpec] = field(default_factory=list)
    enterprises: list[EnterpriseSpec] = field(default_factory=list)
    providers: list[ProviderSpec] = field(default_factory=list)
    designations: list[DesignationSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)

    @property
    def reporter_enterprise(self) -> EnterpriseSpec:
        return self.enterprises[0]


REGULATORY_REFERENCE = "沪药监科〔2024〕86号"
LEAVING_ON = (dt.date(2024, 6, 30), dt.date(2024, 11, 30))


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


def demo_plan(seed: int = SEED) -> DemoPlan:
    """Plan the whole demo programme in memory (no database access)."""
    rng = random.Random(seed)
    names = _Names(rng)
    plan = DemoPlan(parks=[ParkSpec(code, zh, en, d) for code, zh, en, d, _n, _w in PARKS])

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
    plan.users = [
        UserSpec("official", Role.OFFICIAL),
        UserSpec("analyst", Role.ANALYST),
        UserSpec("park_zj", Role.PARK_MANAGER, park=MARKER_PARK),
        UserSpec("ent_demo", Role.ENTERPRISE, enterprise=enterprises[0].uscc),
    ]
    return plan


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


def _plan_designations(plan: DemoPlan, rng: random.Random) -> None:
    steady = [e for e in plan.enterprises if e.active_until is None and e.active_from.year == 2020]
    makers = [e for e in steady if e.above_scale and e.segment in MANUFACTURING]
    keys = [e for e in steady if e.is_key]
    add = plan.designations.append
    reference_no = iter(range(101, 999, 7))

    def reference(prefix: str, year: int) -> str:
        return f"{prefix}〔{year}〕{next(reference_no)}号"

    def factory(spec: EnterpriseSpec) -> str:
        return spec.brand + rng.choice(FACTORIES[spec.segment])

    # Benchmark smart factories from the biggest makers (the reporter's enterprise is one).
    benchmark = [plan.enterprises[0], *[e for e in makers if e.is_key][:11]]
    for index, spec in enumerate(benchmark):
        year = (2023, 2024, 2024, 2025)[index % 4]
        add(
            DesignationSpec(
                "smart_factory_benchmark",
                _date(rng, year, (11, 12)),
                enterprise=spec.uscc,
                name=factory(spec),
                reference=reference("沪经信智", year),
            )
        )
    demo_pool = [e for e in makers if e not in benchmark]
    for index, spec in enumerate(rng.sample(demo_pool, 25)):
        year = (2023, 2024, 2024, 2025, 2025)[index % 5]
        add(
            DesignationSpec(
                "smart_factory_demo",
                _date(rng, year, (6, 7, 11, 12)),
                enterprise=spec.uscc,
                name=factory(spec),
                reference=reference("沪经信智", year),
            )
        )
    for index, spec in enumerate(rng.sample(keys, 25)):
        year = (2023, 2024, 2024, 2025, 2025)[index % 5]
        add(
            DesignationSpec(
                "pioneer_enterprise",
                _date(rng, year, (9, 10)),
                enterprise=spec.uscc,
                reference=reference("沪经信医", year),
            )
        )
    pilots = rng.sample([e for e in steady if e.above_scale], 22)
    for index, spec in enumerate(pilots):
        year = 2022 if index < 11 else 2023
        add(
            DesignationSpec(
                "pilot_project",
                _date(rng, year, (3, 4, 8, 9)),
                enterprise=spec.uscc,
                name=spec.brand + rng.choice(PILOT_PROJECTS),
                reference=reference("沪经信医", year),
            )
        )
    # One pilot stopped half-way, one demonstration factory lost its title when it moved.
    first_pilot = plan.designations[-22]
    first_pilot.revoked_on = first_pilot.granted_on + dt.timedelta(days=200)
    leaver = next(e for e in plan.enterprises if e.active_until == LEAVING_ON[0])
    add(
        DesignationSpec(
            "smart_factory_demo",
            dt.date(2023, 7, 12),
            enterprise=leaver.uscc,
            name=leaver.brand + FACTORIES[leaver.segment][0],
            reference=reference("沪经信智", 2023),
            revoked_on=leaver.active_until,
        )
    )

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
            reference=reference("沪经信数", day.year),
        )
        if isinstance(subject, EnterpriseSpec):
            platform.enterprise = subject.uscc
        else:
            platform.provider = subject.uscc
        add(platform)

    add(
        DesignationSpec(
            "regulatory_platform",
            dt.date(2024, 9, 26),
            name="上海市生物医药智慧监管数字平台",
            reference=REGULATORY_REFERENCE,
        )
    )
    for code, day in (
        ("ZJ", dt.date(2024, 4, 18)),
        ("LG", dt.date(2025, 3, 20)),
        ("MG", dt.date(2025, 10, 15)),
    ):
        add(DesignationSpec("demo_park", day, park=code, reference=reference("沪经信园", day.year)))
    for index, provider in enumerate(rng.sample(plan.providers, 9)):
        year = (2023, 2024, 2024, 2025)[index % 4]
        add(
            DesignationSpec(
                "excellent_provider",
                _date(rng, year, (10, 11, 12)),
                provider=provider.uscc,
                reference=reference("沪经信数", year),
            )
        )
    plan.designations.sort(key=lambda d: (d.granted_on, d.kind))


# --- writing ---------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int]
    plan: DemoPlan


def demo_present() -> bool:
    return Park.objects.filter(code=MARKER_PARK).exists()


@contextmanager
def rollups_deferred() -> Iterator[list[int]]:
    """Collect the rollups the services request while seeding; the caller runs one after.

    Each designation (and each approved report) asks for a rollup of the quarters from its
    own; thousands of those in a row would each recompute the same figures.
    """
    import progress.services

    requested: list[int] = []
    original = progress.services.rollup_request

    def collect(*, from_period: int | None = None, **_kwargs: Any) -> None:
        requested.append(0 if from_period is None else from_period)

    progress.services.rollup_request = collect  # type: ignore[assignment]
    try:
        yield requested
    finally:
        progress.services.rollup_request = original  # type: ignore[assignment]


def demo_seed(
    *, seed: int = SEED, reports: bool = True, log: Callable[[str], None] = lambda _m: None
) -> SeedResult:
    """Create the demo programme unless it is there already. Returns what was created."""
    plan = demo_plan(seed)
    if demo_present():
        return SeedResult(created=False, counts={}, plan=plan)
    counts: dict[str, int] = {}
    with rollups_deferred() as requested:
        with transaction.atomic():
            _write_entities(plan, counts)
        log(
            "entities: {parks} parks, {enterprises} enterprises, {providers} providers, "
            "{designations} designations, {users} users".format(**counts)
        )
        if reports:
            counts["reports"] = seed_reports(plan=plan, rng=random.Random(seed + 1), log=log)
    if requested:
        from progress.services import rollup_request

        rollup_request(from_period=min(requested))
    return SeedResult(created=True, counts=counts, plan=plan)


def _write_entities(plan: DemoPlan, counts: dict[str, int]) -> None:
    for park in plan.parks:
        Park.objects.create(
            code=park.code, name_zh=park.name_zh, name_en=park.name_en, district_id=_district(park)
        )
    counts["parks"] = len(plan.parks)
    for spec in plan.enterprises:
        enterprise_create(data=spec.data())
    counts["enterprises"] = len(plan.enterprises)
    for provider in plan.providers:
        provider_save(
            provider=None,
            data={
                "uscc": provider.uscc,
                "name": provider.name,
                "district": provider.district,
                "services": provider.services,
                "enterprises": provider.serves,
            },
        )
    counts["providers"] = len(plan.providers)
    for designation in plan.designations:
        designation_create(
            kind=designation.kind,
            granted_on=designation.granted_on,
            enterprise=designation.enterprise,
            park=designation.park,
            provider=designation.provider,
            name=designation.name,
            reference=designation.reference,
            revoked_on=designation.revoked_on,
        )
    counts["designations"] = len(plan.designations)
    for user in plan.users:
        user_upsert(
            username=user.username,
            role=user.role,
            enterprise_uscc=user.enterprise,
            park_code=user.park,
            password=DEMO_PASSWORD,
        )
    counts["users"] = len(plan.users)


def _district(park: ParkSpec) -> int:
    from targets.models import District

    return District.objects.only("pk").get(code=park.district).pk


def seed_reports(
    *, plan: DemoPlan, rng: random.Random, log: Callable[[str], None] = lambda _m: None
) -> int:
    """Quarterly reports for the demo enterprises (filled in below once reporting lands)."""
    return 0


def demo_reset(*, seed: int = SEED) -> dict[str, int]:
    """Delete everything the demo plan names (reports, designations, users, entities).

    Raises ProtectedError when other data still points at a demo park or enterprise.
    """
    from reporting.models import Submission

    plan = demo_plan(seed)
    enterprise_codes = [e.uscc for e in plan.enterprises]
    provider_codes = [p.uscc for p in plan.providers]
    park_codes = [p.code for p in plan.parks]
    querysets: list[tuple[str, Any]] = [
        ("users", User.objects.filter(username__in=[u.username for u in plan.users])),
        ("reports", Submission.objects.filter(enterprise__uscc__in=enterprise_codes)),
        (
            "designations",
            Designation.objects.filter(
                Q(enterprise__uscc__in=enterprise_codes)
                | Q(provider__uscc__in=provider_codes)
                | Q(park__code__in=park_codes)
                | Q(kind__code="regulatory_platform", reference=REGULATORY_REFERENCE)
            ),
        ),
        ("providers", Provider.objects.filter(uscc__in=provider_codes)),
        ("enterprises", Enterprise.objects.filter(uscc__in=enterprise_codes)),
        ("parks", Park.objects.filter(code__in=park_codes)),
    ]
    deleted: dict[str, int] = {}
    with transaction.atomic():
        for label, queryset in querysets:
            _total, per_model = queryset.delete()
            deleted[label] = per_model.get(queryset.model._meta.label, 0)
    return deleted


__all__ = ["DemoPlan", "ProtectedError", "demo_plan", "demo_present", "demo_reset", "demo_seed"]
