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
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_upsert
from enterprises.models import Designation, Enterprise, Provider
from enterprises.services import designation_create, enterprise_create, provider_create
from enterprises.uscc import uscc_check_character
from parks.models import Park
from targets.changes import recompute_batched

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

    batches: dict[tuple[str, int], tuple[dt.date, str]] = {}

    def batch(kind: str, prefix: str, year: int, months: Sequence[int]) -> tuple[dt.date, str]:
        """Titles are announced in batches: one notice (day and number) per kind and year."""
        if (kind, year) not in batches:
            batches[kind, year] = (_date(rng, year, months), reference(prefix, year))
        return batches[kind, year]

    def factory(spec: EnterpriseSpec) -> str:
        return spec.brand + rng.choice(FACTORIES[spec.segment])

    # Benchmark smart factories from the biggest makers (the reporter's enterprise is one).
    flagship = plan.enterprises[0]
    benchmark = [flagship, *[e for e in makers if e.is_key and e is not flagship][:11]]
    for index, spec in enumerate(benchmark):
        year = (2023, 2024, 2024, 2025)[index % 4]
        day, notice = batch("smart_factory_benchmark", "沪经信智", year, (11, 12))
        add(
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
        day, notice = batch("smart_factory_demo", "沪经信智", year, (6, 7))
        add(
            DesignationSpec(
                "smart_factory_demo",
                day,
                enterprise=spec.uscc,
                name=factory(spec),
                reference=notice,
            )
        )
    for index, spec in enumerate(rng.sample(keys, 25)):
        year = (2023, 2024, 2024, 2025, 2025)[index % 5]
        day, notice = batch("pioneer_enterprise", "沪经信医", year, (9, 10))
        add(
            DesignationSpec(
                "pioneer_enterprise",
                day,
                enterprise=spec.uscc,
                reference=notice,
            )
        )
    pilots = rng.sample([e for e in steady if e.above_scale], 22)
    for index, spec in enumerate(pilots):
        year = 2022 if index < 11 else 2023
        day, notice = batch("pilot_project", "沪经信医", year, (3, 4))
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
    day, notice = batch("smart_factory_demo", "沪经信智", 2023, (6, 7))
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
        day, notice = batch("excellent_provider", "沪经信数", year, (10, 11, 12))
        add(
            DesignationSpec(
                "excellent_provider",
                day,
                provider=provider.uscc,
                reference=notice,
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


def demo_seed(
    *, seed: int = SEED, reports: bool = True, log: Callable[[str], None] = lambda _m: None
) -> SeedResult:
    """Create the demo programme unless it is there already, then any missing reports.

    ``created`` is False when the entities were there already; ``counts`` says what was
    written (empty when nothing changed).
    """
    plan = demo_plan(seed)
    present = demo_present()
    counts: dict[str, int] = {}
    # DEBUG's query log costs a third of the time of the ~100k queries the seed runs.
    with override_settings(DEBUG=False), recompute_batched():
        if not present:
            with transaction.atomic():
                _write_entities(plan, counts)
            log(
                _(
                    "Created %(parks)d parks, %(enterprises)d enterprises, %(providers)d "
                    "providers, %(designations)d designations and %(users)d users."
                )
                % counts
            )
        if reports:
            written = seed_reports(plan=plan, rng=random.Random(seed + 1), log=log)
            if written or not present:
                counts["reports"] = written
    # Everything recorded above is computed in one rollup run, once the batch ends.
    return SeedResult(created=not present, counts=counts, plan=plan)


def _write_entities(plan: DemoPlan, counts: dict[str, int]) -> None:
    for park in plan.parks:
        Park.objects.create(
            code=park.code, name_zh=park.name_zh, name_en=park.name_en, district_id=_district(park)
        )
    counts["parks"] = len(plan.parks)
    for spec in plan.enterprises:
        enterprise_create(**spec.data())
    counts["enterprises"] = len(plan.enterprises)
    for provider in plan.providers:
        provider_create(
            uscc=provider.uscc,
            name=provider.name,
            district=provider.district,
            services=provider.services,
            enterprises=provider.serves,
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


# --- quarterly reports -----------------------------------------------------------------

FIRST_REPORT_PERIOD = 2022 * 4  # 2022Q1
LAST_REPORT_PERIOD = 2025 * 4 + 3  # 2025Q4
SEASON = (0.9, 1.0, 1.0, 1.15)
RD_RATIO = {
    "chemical": (0.06, 0.14),
    "biologics": (0.2, 0.6),
    "tcm": (0.03, 0.06),
    "devices": (0.08, 0.16),
    "cxo": (0.05, 0.1),
    "distribution": (0.002, 0.01),
    "other": (0.02, 0.06),
}
# Share of enterprises with each system before 2022 and by the end of 2025.
SYSTEMS = {
    "erp_deployed": {"default": (0.7, 0.92)},
    "qms_deployed": {"default": (0.45, 0.75), "distribution": (0.3, 0.5), "other": (0.2, 0.45)},
    "mes_deployed": {
        "default": (0.08, 0.2),
        "chemical": (0.3, 0.65),
        "biologics": (0.3, 0.7),
        "tcm": (0.2, 0.5),
        "devices": (0.25, 0.55),
        "cxo": (0.25, 0.6),
    },
    "lims_deployed": {
        "default": (0.1, 0.25),
        "chemical": (0.4, 0.7),
        "biologics": (0.5, 0.8),
        "cxo": (0.6, 0.9),
        "tcm": (0.25, 0.5),
    },
    "wms_deployed": {"default": (0.3, 0.55), "distribution": (0.75, 0.95)},
}
SCENARIOS = {
    "rnd": [
        "AI辅助化合物虚拟筛选", "蛋白质结构预测平台", "电子实验记录本（ELN）",
        "自动化高通量筛选实验室",
    ],
    "clinical": ["临床试验电子数据采集（EDC）", "远程智能化临床试验（DCT）", "AI辅助患者招募"],
    "production": [
        "GMP电子批记录（EBR）", "连续制造过程分析（PAT）", "设备预测性维护", "生产数字孪生",
        "AI视觉检测质量控制",
    ],
    "supply_chain": ["药品追溯码全程追溯", "冷链温度实时监控", "智能仓储（AGV+WMS）"],
    "operations": ["能耗智能管控", "EHS数字化管理"],
    "marketing": ["合规学术推广数字化平台", "医药电商与处方流转"],
    "patient_service": ["患者全病程管理平台", "互联网医院随访服务"],
    "management": ["质量管理体系（QMS）上云", "集团财务共享中心", "数据治理与主数据管理"],
}  # fmt: skip
SCENARIO_DOMAINS = {
    "chemical": ["rnd", "production", "production", "supply_chain", "management"],
    "biologics": ["rnd", "rnd", "clinical", "production", "management"],
    "tcm": ["production", "production", "supply_chain", "marketing"],
    "devices": ["rnd", "production", "patient_service", "operations"],
    "cxo": ["rnd", "clinical", "clinical", "production", "management"],
    "distribution": ["supply_chain", "supply_chain", "marketing", "operations"],
    "other": ["marketing", "patient_service", "operations", "management"],
}
DRUG_TARGETS = ["KRAS G12D", "PD-L1/TGF-β", "GLP-1R", "NLRP3", "CDK2", "TYK2", "Claudin 18.2"]
DEVICES = [
    ("21", "肺结节CT影像人工智能辅助检测软件"),
    ("21", "心电图人工智能分析软件"),
    ("21", "眼底图像糖尿病视网膜病变辅助诊断软件"),
    ("01", "腹腔内窥镜手术机器人系统"),
    ("01", "骨科手术导航定位机器人"),
    ("06", "1.5T超导磁共振成像系统"),
    ("06", "5G远程超声诊断系统"),
    ("07", "智能动态血糖监测系统"),
    ("07", "可穿戴式多参数监护仪"),
    ("05", "智能自适应放射治疗系统"),
    ("14", "智能胰岛素泵"),
    ("12", "植入式脑机接口刺激器"),
]
STANDARDS = [
    ("group", "T/SHPPA {n:03d}-{y}", "生物医药企业数字化转型成熟度评价指南"),
    ("group", "T/SHPPA {n:03d}-{y}", "药品生产电子批记录数据规范"),
    ("local", "DB31/T {n}-{y}", "生物医药智能工厂建设指南"),
    ("local", "DB31/T {n}-{y}", "医药冷链物流温度监测数据接口规范"),
    ("industry", "YY/T {n}-{y}", "人工智能医疗器械 质量要求和评价"),
    ("industry", "YY/T {n}-{y}", "医疗器械软件 网络安全要求"),
    ("national", "GB/T {n}-{y}", "制药工业数据分类分级指南"),
    ("enterprise", "Q/31{n} 001-{y}", "实验室信息管理系统数据完整性规范"),
    ("group", "T/SHPPA {n:03d}-{y}", "医药研发数据共享与隐私计算应用指南"),
    ("industry", "YY/T {n}-{y}", "手术机器人 数据记录与追溯"),
    ("local", "DB31/T {n}-{y}", "医药流通企业追溯码应用规范"),
    ("national", "GB/T {n}-{y}", "药品连续制造过程数字化控制要求"),
    ("group", "T/SHPPA {n:03d}-{y}", "细胞治疗产品生产数字化管理规范"),
    ("industry", "YY/T {n}-{y}", "医学影像人工智能软件 训练数据集要求"),
]
STANDARD_NUMBERS = {
    "group": (10, 60),
    "local": (1400, 1499),
    "industry": (1800, 1999),
    "national": (42000, 45999),
    "enterprise": (1000, 9999),
}
RETURN_REASONS = [
    ("本季度数字化投入填报单位应为万元，请核实后更正。", "digital_investment"),
    ("营业收入较上季度波动异常，请核对后重新提交。", "revenue"),
    ("研发投入与往期差异较大，请补充说明或更正。", "rd_investment"),
    ("数字化专职人员数与上季度差异较大，请核实。", "digital_staff"),
]
STILL_RETURNED = [
    "请补充典型应用场景的佐证材料链接后重新提交。",
    "核心业务系统上云情况与上季度不一致，请说明原因。",
    "DCMM等级须以评估证书为准，请核实后更正。",
]


@dataclass
class _Report:
    period: int
    metrics: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "approved"  # approved, submitted, draft, returned, missing
    late: bool = False
    returned_once: str = ""  # a comment: returned, corrected and approved
    reopened: str = ""  # a comment: approved, then reopened by an official
    wrong_metric: str = ""


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    from django.utils import timezone

    naive = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randrange(60)))
    return timezone.make_aware(naive)


def _active_periods(spec: EnterpriseSpec) -> list[int]:
    """The quarters an enterprise reports: those it is active at the end of."""
    from targets.periods import period_end

    return [
        p
        for p in range(FIRST_REPORT_PERIOD, LAST_REPORT_PERIOD + 1)
        if spec.active_from <= period_end(p)
        and (spec.active_until is None or spec.active_until >= period_end(p))
    ]


def _adoption(rng: random.Random, before: float, by_end: float) -> int | None:
    """The quarter a flag switches on: before 2022, during 2022-2025, or never."""
    draw = rng.random()
    if draw < before:
        return FIRST_REPORT_PERIOD - 1
    if draw < by_end:
        return rng.randint(FIRST_REPORT_PERIOD, LAST_REPORT_PERIOD)
    return None


def _plan_reports(plan: DemoPlan, rng: random.Random) -> dict[str, list[_Report]]:
    """Every demo enterprise's reports, values and items, by USCC (no database access)."""
    benchmark = {d.enterprise for d in plan.designations if d.kind == "smart_factory_benchmark"}
    chronic = set(rng.sample([e.uscc for e in plan.enterprises[1:] if not e.is_key], 4))
    reports: dict[str, list[_Report]] = {}
    for spec in plan.enterprises:
        periods = sorted(_active_periods(spec))
        reports[spec.uscc] = [
            _Report(period=p, metrics=m)
            for p, m in zip(
                periods, _metrics(spec, periods, rng, spec.uscc in benchmark), strict=True
            )
        ]
        _scenarios_add(spec, reports[spec.uscc], rng)
        _outcomes_decide(spec, reports[spec.uscc], rng, chronic=spec.uscc in chronic)
    _achievements_add(plan, reports, rng)
    demo = reports[plan.reporter_enterprise.uscc]
    for report in demo:
        report.outcome, report.late, report.returned_once, report.reopened = (
            "approved",
            False,
            "",
            "",
        )
    demo[-1].outcome = "returned"
    demo[-6].returned_once, demo[-6].wrong_metric = RETURN_REASONS[0]
    return reports


def _metrics(
    spec: EnterpriseSpec, periods: list[int], rng: random.Random, benchmark: bool
) -> Iterator[dict[str, Any]]:
    growth = rng.uniform(0.0, 0.035) + (0.01 if spec.segment in ("biologics", "devices") else 0)
    rd_low, rd_high = RD_RATIO[spec.segment]
    rd_ratio = rng.uniform(rd_low, rd_high)
    digital_ratio = rng.uniform(0.008, 0.03) * (1.5 if spec.is_key else 1.0)
    staff = max(1.0, spec.size / rng.uniform(300, 900)) if spec.above_scale else rng.randint(0, 3)
    cloud = _adoption(rng, *((0.2, 0.72) if spec.is_key else (0.08, 0.35)))
    transformed: int | None = None
    if cloud is not None and spec.above_scale and rng.random() < 0.45:
        transformed = max(cloud, FIRST_REPORT_PERIOD) + rng.randint(2, 16)
    systems = {
        code: _adoption(rng, *shares.get(spec.segment, shares["default"]))
        for code, shares in SYSTEMS.items()
    }
    upgrader = rng.random() < 0.34
    first_upgrade = FIRST_REPORT_PERIOD + min(rng.randint(0, 7), rng.randint(0, 7))
    dcmm_from = _adoption(rng, 0.05, 0.4 if spec.above_scale else 0.1)
    dcmm_start = rng.randint(1, 2)
    makes = (spec.segment in MANUFACTURING and spec.segment != "cxo") or benchmark
    mfg_from = _adoption(rng, 0.35, 0.75) if makes else None
    mfg_start = 3 if benchmark else rng.randint(1, 2)
    high_end_p = 0.013 if spec.is_key else 0.002
    backbone_p = 0.045 if spec.is_key else (0.012 if spec.above_scale else 0.003)
    for p in periods:
        t = p - FIRST_REPORT_PERIOD
        revenue = spec.size * (1 + growth) ** t * SEASON[p % 4] * rng.gauss(1, 0.06)
        revenue = max(revenue, 1.0)
        staff = staff * (1 + rng.uniform(0, 0.04)) if spec.above_scale else staff
        upgrading = upgrader and p >= first_upgrade and rng.random() < 0.45
        if not upgrader and p >= 2024 * 4:
            upgrading = rng.random() < 0.06
        dcmm = 0
        if dcmm_from is not None and p >= dcmm_from:
            dcmm = min(4, dcmm_start + (p - max(dcmm_from, FIRST_REPORT_PERIOD)) // 6)
        mfg = 0
        if mfg_from is not None and p >= mfg_from:
            cap = 5 if benchmark else 4
            mfg = min(cap, mfg_start + (p - max(mfg_from, FIRST_REPORT_PERIOD)) // 5)
        yield {
            "talent_high_end_new": int(rng.random() < high_end_p * (1 + t / 16)),
            "talent_backbone_new": rng.randint(1, 2) if rng.random() < backbone_p else 0,
            "digital_staff": round(staff),
            "digital_investment": f"{revenue * digital_ratio * (1 + t / 20):.2f}",
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
    from targets.periods import period_end, period_start

    start = period_start(period)
    return (start + dt.timedelta(days=rng.randrange((period_end(period) - start).days))).isoformat()


def _scenarios_add(spec: EnterpriseSpec, reports: list[_Report], rng: random.Random) -> None:
    count = rng.choice((0, 1, 1, 2)) if spec.is_key else int(rng.random() < 0.12)
    domains = SCENARIO_DOMAINS[spec.segment]
    chosen: set[str] = set()
    late_reports = [r for r in reports if r.period >= 2022 * 4 + 2]
    for _index in range(count):
        if not late_reports:
            return
        domain = rng.choice(domains)
        name = rng.choice(SCENARIOS[domain])
        if name in chosen:
            continue
        chosen.add(name)
        report = rng.choice(late_reports)
        report.items.append(
            {
                "kind": "scenario",
                "identifier": name,
                "title": spec.brand + name,
                "date": _day_in(report.period, rng),
                "attributes": {"domain": domain},
            }
        )


def _outcomes_decide(
    spec: EnterpriseSpec, reports: list[_Report], rng: random.Random, *, chronic: bool
) -> None:
    for report in reports:
        draw = rng.random()
        if report.period == LAST_REPORT_PERIOD:
            bands = [("missing", 0.07), ("draft", 0.05), ("submitted", 0.15), ("returned", 0.04)]
        elif report.period == LAST_REPORT_PERIOD - 1:
            bands = [("missing", 0.03), ("submitted", 0.03), ("returned", 0.02)]
        else:
            bands = [("missing", 0.35 if chronic else 0.015)]
        for outcome, share in bands:
            if draw < share:
                report.outcome = outcome
                break
            draw -= share
        report.late = report.outcome != "draft" and rng.random() < (0.25 if chronic else 0.06)
        if report.outcome == "approved" and rng.random() < 0.03:
            report.returned_once, report.wrong_metric = rng.choice(RETURN_REASONS)
    approved = [r for r in reports if r.outcome == "approved" and r.period < 2025 * 4]
    if approved and rng.random() < 0.01:
        rng.choice(approved).reopened = "数据有误，经企业申请退回修改。"


def _achievements_add(
    plan: DemoPlan, reports: dict[str, list[_Report]], rng: random.Random
) -> None:
    """AI drugs entering clinic, intelligent devices approved, standards: a few each."""

    def steady(segments: Sequence[str]) -> list[EnterpriseSpec]:
        return [
            e
            for e in plan.enterprises
            if e.segment in segments and e.active_until is None and e.active_from.year == 2020
        ]

    def attach(uscc: str, period: int, item: dict[str, Any]) -> None:
        """Into that quarter's report, or the next one the enterprise hands in."""
        candidates = [
            r for r in reports[uscc] if r.period >= period and r.outcome not in ("missing", "draft")
        ]
        if candidates:
            candidates[0].items.append(item)

    drug_makers = [e for e in steady(("biologics", "chemical")) if e.is_key]
    ai_partners = [e for e in steady(("cxo",)) if e.is_key]
    drug_periods = [2022 * 4 + 3, 2023 * 4 + 2, 2024 * 4, 2024 * 4 + 2, 2025 * 4 + 1, 2025 * 4 + 2]
    makers = [plan.enterprises[0], *rng.sample(drug_makers[1:], len(drug_periods) - 1)]
    for index, (period, maker) in enumerate(zip(drug_periods, makers, strict=True)):
        year = period // 4
        number = f"CTR{year}{rng.randint(1000, 4999):04d}"
        day = _day_in(period, rng)
        title = (
            f"{maker.brand[0]}X-{101 + index}（{rng.choice(DRUG_TARGETS)} 抑制剂，AI辅助分子设计）"
        )
        drug = {"kind": "ai_drug_clinical", "identifier": number, "title": title, "date": day}
        attach(maker.uscc, period, drug)
        if index == 3:  # co-developed with an AI drug-discovery CRO, reported by both
            partner = rng.choice(ai_partners)
            spaced = f"{number[:7]} {number[7:]}"  # typed with a space: counts once all the same
            attach(partner.uscc, period, {**drug, "identifier": spaced})

    device_makers = steady(("devices",))
    for index in range(34):
        period = FIRST_REPORT_PERIOD + 1 + (index * 15) // 34
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
    for index, (level, pattern, title) in enumerate(STANDARDS):
        period = 2022 * 4 + 3 + (index * 13) // len(STANDARDS)
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


def seed_reports(
    *,
    plan: DemoPlan,
    rng: random.Random,
    log: Callable[[str], None] = lambda _m: None,
    limit: int | None = None,
) -> int:
    """Quarterly reports 2022Q1-2025Q4 for the demo enterprises, through the workflow
    services, each action replayed at a plausible past moment; one transaction per
    enterprise, and enterprises that have any report already are left alone. ``limit``
    writes only the first enterprises' reports (tests); the values do not change with it."""
    from reporting.models import Submission
    from reporting.services import (
        submission_approve,
        submission_create,
        submission_reopen,
        submission_return,
        submission_submit,
        submission_update,
    )
    from targets.periods import period_due_on, period_opens_on

    planned = _plan_reports(plan, rng)
    official = User.objects.filter(username="official", role=Role.OFFICIAL).first()
    reporter = User.objects.filter(username="ent_demo", role=Role.ENTERPRISE).first()
    if official is None or reporter is None:
        log(_("No reports written: the demo users official and ent_demo are missing."))
        return 0
    enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=planned)}
    done = set(
        Submission.objects.filter(enterprise__uscc__in=planned)
        .values_list("enterprise__uscc", flat=True)
        .distinct()
    )
    written = 0
    for number, (uscc, reports) in enumerate(planned.items(), start=1):
        if limit is not None and number > limit:
            break
        if uscc in done:
            continue
        enterprise = enterprises[uscc]
        by = reporter if reporter.enterprise_id == enterprise.pk else official
        rng = random.Random(f"{SEED}:{uscc}")  # the same moments whichever run writes them
        with transaction.atomic():
            for report in reports:
                if report.outcome == "missing":
                    continue
                opens = period_opens_on(report.period)
                due = period_due_on(report.period)
                if report.late:
                    handed_in = due + dt.timedelta(days=rng.randint(3, 40))
                else:
                    handed_in = opens + dt.timedelta(days=rng.randint(0, (due - opens).days))
                created = handed_in - dt.timedelta(days=rng.randint(0, 3))
                first = dict(report.metrics)
                if report.wrong_metric:
                    first[report.wrong_metric] = _wrong(report.metrics[report.wrong_metric])
                submission = submission_create(
                    enterprise=enterprise,
                    period=report.period,
                    metrics=first,
                    items=report.items,
                    by=by,
                    at=_moment(max(created, opens), rng),
                )
                written += 1
                if report.outcome == "draft":
                    continue
                submission = submission_submit(
                    submission=submission, by=by, at=_moment(handed_in, rng)
                )
                day = handed_in
                if report.returned_once:
                    day += dt.timedelta(days=rng.randint(2, 8))
                    submission = submission_return(
                        submission=submission,
                        by=official,
                        comment=report.returned_once,
                        at=_moment(day, rng),
                    )
                    day += dt.timedelta(days=rng.randint(1, 5))
                    moment = _moment(day, rng)
                    submission = submission_update(
                        submission=submission,
                        version=submission.version,
                        metrics=report.metrics,
                        items=report.items,
                        by=by,
                        at=moment,
                    )
                    submission = submission_submit(submission=submission, by=by, at=moment)
                if report.outcome == "submitted":
                    continue
                day += dt.timedelta(days=rng.randint(2, 12))
                if report.outcome == "returned":
                    comment = rng.choice(STILL_RETURNED)
                    submission_return(
                        submission=submission, by=official, comment=comment, at=_moment(day, rng)
                    )
                    continue
                submission = submission_approve(
                    submission=submission, by=official, at=_moment(day, rng)
                )
                if report.reopened:
                    day += dt.timedelta(days=rng.randint(20, 60))
                    submission_reopen(
                        submission=submission,
                        by=official,
                        comment=report.reopened,
                        at=_moment(day, rng),
                    )
        if number % 50 == 0:
            log(
                _("Reports written for %(done)d of %(total)d enterprises.")
                % {"done": number, "total": len(planned)}
            )
    return written


def _wrong(value: Any) -> Any:
    """A typical slip a reviewer catches: yuan instead of 万元, or a digit too many."""
    if isinstance(value, str):
        return f"{float(value) * 10:.2f}"
    return int(value) * 10 + 1


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
        ("reports", Submission.objects.filter(enterprise__uscc__in=enterprise_codes)),
        ("users", User.objects.filter(username__in=[u.username for u in plan.users])),
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
