"""The demo programme's constant tables: Shanghai's biomedical parks, names, scenarios,
devices, standards and the reviewers' comments. The names, codes and figures built from
them are synthetic; the parks and districts are real.
"""

from __future__ import annotations

import datetime as dt

SEED = 20230630  # the day the 2023-2025 implementation plan was issued
MARKER_PARK = "ZJ"
DEMO_PASSWORD = "demo12345"  # noqa: S105 - the published demo logins (README)

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

REGULATORY_REFERENCE = "沪药监科〔2024〕86号"
LEAVING_ON = (dt.date(2024, 6, 30), dt.date(2024, 11, 30))

# --- quarterly reports ------------------------------------------------------------------

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
# Share of enterprises with each system before 2022 and by the end of 2025 (a third of the
# rest adopt it later, up to 2030).
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
    ("national", "GB/T {n}-{y}", "药品生产质量管理数字化通用要求"),
    ("group", "T/SHPPA {n:03d}-{y}", "药物研发实验室自动化数据接口规范"),
    ("industry", "YY/T {n}-{y}", "人工智能医疗器械 算法性能评价方法"),
    ("national", "GB/T {n}-{y}", "生物医药工业互联网平台 通用要求"),
    ("local", "DB31/T {n}-{y}", "生物医药产业园区数字化评价规范"),
    ("industry", "YY/T {n}-{y}", "医疗器械唯一标识数据接口规范"),
    ("national", "GB/T {n}-{y}", "药品追溯码 编码与标识要求"),
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

REOPEN_REASON = "数据有误，经企业申请退回修改。"
