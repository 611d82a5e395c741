"""Realistic demo data for a district like Xi'an High-tech Zone, deterministic for a seed.

What it makes (FACTS.md §7 gives the real platform's proportions per 143,000 market entities):

- reference data (departments, laws, checklist, calendar) and, on an empty user table, the demo users
  admin/Admin@2026 (系统管理员), kezhang/Demo@2026 (科室负责人), zhifa/Demo@2026 (执法人员) and
  luru/Demo@2026 (录入员);
- market entities with valid 统一社会信用代码 (mostly region 610131), a few old 个体工商户 with only a
  15-digit 注册号, names, addresses on the zone's roads, GB/T 4754 industries, capital, dates, scope;
- department records in the platform's proportions (非公党建, 经营异常名录, 严重违法失信名单, 行政处罚,
  投诉, 红/黑名单, 失信被执行人, 行政许可, 年度报告, 信用承诺);
- about 300 inspectors with certificates and qualifications, a few recusals;
- this year's plan with tasks in several states, draw runs with recorded seeds and frozen pools, and
  inspections whose results await review or publicity, so every dashboard number is real.

Speed: rows are built as plain dicts in chunks and written with Core ``insert()`` executemany, so
memory stays bounded (1,000,000 entities work) and 143,000 take well under two minutes on SQLite.
Everything happens in one transaction: cancelling (or any error) leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from faker import Faker
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from gxq_desktop.db import search_index
from gxq_desktop.db.base import utcnow
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    AnnualReport,
    Commitment,
    Complaint,
    DrawPlan,
    DrawRules,
    DrawRun,
    DrawTask,
    DrawTaskDepartment,
    DrawTaskItem,
    Enterprise,
    Inspection,
    InspectionInspector,
    InspectionItem,
    Inspector,
    InspectorQualification,
    ItemResult,
    License,
    ListEntry,
    PartyOrganization,
    Penalty,
    PublicityRecord,
    Recusal,
    Review,
    SeriousViolation,
    User,
)
from gxq_desktop.domain import reference
from gxq_desktop.domain.enums import EnterpriseStatus, InspectorStatus, SubjectCategory
from gxq_desktop.domain.roles import Permission, Role
from gxq_desktop.domain.search_text import pinyin_columns
from gxq_desktop.domain.uscc import USCC_ALPHABET, org_check_char, uscc_check_char

from .auth import hash_password
from .base import Service
from .calendar import due_date_in_session
from .context import Actor, command_line_actor
from .errors import CancelledError, ValidationError
from .reference_data import DEPARTMENTS, MARKET_REGULATION_CODE, ReferenceDataService, department_ids

DEPARTMENT_NAMES = {code: name for code, name, _short in DEPARTMENTS}

ProgressCallback = Callable[[int, int, str], None]
CancelCallback = Callable[[], bool]

CHUNK = 5000
DEMO_PASSWORD = "Demo@2026"
ADMIN_PASSWORD = "Admin@2026"
# username, password, role, display name, department code
DEMO_USERS: tuple[tuple[str, str, Role, str, str], ...] = (
    ("admin", ADMIN_PASSWORD, Role.ADMIN, "系统管理员", MARKET_REGULATION_CODE),
    ("kezhang", DEMO_PASSWORD, Role.SECTION_HEAD, "王建国（科室负责人）", MARKET_REGULATION_CODE),
    ("zhifa", DEMO_PASSWORD, Role.INSPECTOR, "李明（执法人员）", MARKET_REGULATION_CODE),
    ("luru", DEMO_PASSWORD, Role.CLERK, "张丽（录入员）", MARKET_REGULATION_CODE),
)

# Records per 143,000 market entities on the real platform (FACTS.md §7); the rest are estimates.
PLATFORM_SIZE = 143_000
PER_PLATFORM = {
    "party": 49_000,
    "serious": 210,
    "abnormal": 23_000,
    "penalty": 2_287,
    "complaint": 4_494,
    "red": 2_100,
    "black": 430,
    "judgment_debtor": 1_150,
    "commitment": 5_200,
}
# 企业 / 个体工商户 / 农民专业合作社 / 外国企业常驻代表机构
CATEGORY_WEIGHTS = (0.615, 0.378, 0.005, 0.002)
OLD_INDIVIDUAL_SHARE = 0.04  # 个体工商户 registered before 2016 that never got a USCC (注册号 only)
REGISTRATION_AUTHORITY = {
    "610131": "西安市市场监督管理局高新区分局",
    "610100": "西安市市场监督管理局",
    "610113": "西安市雁塔区市场监督管理局",
    "610116": "西安市长安区市场监督管理局",
    "610104": "西安市莲湖区市场监督管理局",
    "610000": "陕西省市场监督管理局",
}
REGION_WEIGHTS = (("610131", 0.86), ("610100", 0.07), ("610113", 0.04), ("610116", 0.02), ("610104", 0.01))
STATUS_WEIGHTS = (
    (EnterpriseStatus.ACTIVE.value, 0.885),
    (EnterpriseStatus.CANCELLED.value, 0.065),
    (EnterpriseStatus.REVOKED.value, 0.04),
    (EnterpriseStatus.MOVED_OUT.value, 0.007),
    (EnterpriseStatus.WITHDRAWN.value, 0.003),
)

# --------------------------------------------------------------------------- vocabulary

BRAND_CHARS = (
    "华瑞博泰鑫创恒达信联航宇智云启明德诺嘉盛源通汇锦天元睿凯佳隆安康正和新远鸿星辰峰拓晟昊优品立兴"
    "秦汉唐丰润祥宏腾飞凌迈捷图灵微芯数讯贝尔奥朗致卓越金坤乾泽森林晶阳光弘铭宸骏翔奕麦酷赛维亚格"
    "普科美力中万海宁顺成欣悦蓝本易众合久长欧特高富"
)
PLACE_BRANDS = (
    "秦岭",
    "终南",
    "长安",
    "大唐",
    "丝路",
    "曲江",
    "灞柳",
    "渭水",
    "汉唐",
    "古都",
    "三秦",
    "骊山",
)
SECTION_WEIGHTS_ENTERPRISE = {
    "A": 0.4, "B": 0.05, "C": 5.0, "D": 0.4, "E": 6.0, "F": 28.0, "G": 2.0, "H": 3.0, "I": 16.0, "J": 1.0,
    "K": 2.5, "L": 14.0, "M": 16.0, "N": 0.7, "O": 1.5, "P": 1.2, "Q": 0.5, "R": 2.5,
}  # fmt: skip
SECTION_WEIGHTS_INDIVIDUAL = {
    "F": 45.0, "H": 25.0, "O": 18.0, "I": 2.0, "R": 3.0, "G": 2.0, "M": 1.0, "E": 1.0, "C": 1.0, "L": 2.0,
}  # fmt: skip
NAME_WORDS = {
    "A": ("农业科技", "生态农业", "园艺", "农业发展"),
    "B": ("矿业",),
    "C": (
        "电子科技",
        "精密机械",
        "新材料",
        "智能装备",
        "光电科技",
        "半导体",
        "仪器仪表",
        "汽车零部件",
        "医疗器械",
    ),
    "D": ("新能源", "电力工程", "能源科技", "燃气"),
    "E": ("建设工程", "建筑工程", "装饰工程", "市政工程", "建筑劳务", "机电安装工程"),
    "F": ("商贸", "贸易", "电子商务", "医药", "供应链管理", "实业", "进出口贸易", "科贸"),
    "G": ("物流", "供应链", "运输", "速递", "仓储服务"),
    "H": ("餐饮管理", "酒店管理", "餐饮服务"),
    "I": (
        "信息技术",
        "软件技术",
        "网络科技",
        "数据科技",
        "智能科技",
        "信息科技",
        "云计算",
        "通信技术",
        "人工智能科技",
    ),
    "J": ("投资管理", "融资租赁", "资产管理"),
    "K": ("房地产开发", "置业", "物业管理", "房地产经纪"),
    "L": (
        "企业管理咨询",
        "商务信息咨询",
        "人力资源",
        "广告",
        "文化传媒",
        "会展服务",
        "知识产权代理",
        "企业管理",
    ),
    "M": ("科技", "检测技术", "工程设计", "技术服务", "生物科技", "环境科技", "测绘", "工程咨询"),
    "N": ("环保科技", "环境工程", "园林绿化工程"),
    "O": ("家政服务", "汽车服务", "保洁服务"),
    "P": ("教育科技", "文化艺术培训"),
    "Q": ("医疗管理", "健康管理"),
    "R": ("文化传播", "影视传媒", "体育文化", "文化艺术"),
}
SHOP_WORDS = {
    "F": ("便利店", "超市", "五金店", "日用品店", "服装店", "水果店", "烟酒店", "手机店", "批发部"),
    "H": ("面馆", "小吃店", "餐馆", "火锅店", "饺子馆", "肉夹馍店", "凉皮店", "烧烤店"),
    "O": ("理发店", "美容院", "洗衣店", "家电维修部", "汽车美容店", "开锁店"),
    "I": ("电脑维修部", "网络工作室"),
    "R": ("棋牌室", "书店", "健身工作室"),
    "G": ("货运部",),
    "E": ("装饰部",),
    "M": ("设计工作室",),
    "C": ("加工坊",),
    "L": ("图文打印部", "广告部"),
}
SCOPE_PHRASES = {
    "A": (
        "蔬菜种植",
        "水果种植",
        "花卉种植",
        "农业技术推广服务",
        "农产品的生产、销售、加工、运输、贮藏及其他相关服务",
    ),
    "B": ("矿产资源勘查技术服务", "非金属矿及制品销售"),
    "C": (
        "电子元器件制造",
        "通用设备制造（不含特种设备制造）",
        "新材料技术研发",
        "仪器仪表制造",
        "专用设备制造",
        "电子产品销售",
    ),
    "D": ("太阳能发电技术服务", "合同能源管理", "储能技术服务", "电力设施器材销售"),
    "E": ("建设工程施工", "住宅室内装饰装修", "园林绿化工程施工", "建筑劳务分包", "市政设施管理"),
    "F": (
        "日用百货销售",
        "食品销售（仅销售预包装食品）",
        "五金产品零售",
        "电子产品销售",
        "服装服饰零售",
        "办公用品销售",
        "化妆品零售",
        "第二类医疗器械销售",
    ),
    "G": ("普通货物仓储服务", "道路货物运输（不含危险货物）", "国内货物运输代理", "供应链管理服务"),
    "H": ("餐饮服务", "小餐饮", "食品销售", "住宿服务", "餐饮管理"),
    "I": (
        "软件开发",
        "信息技术咨询服务",
        "信息系统集成服务",
        "网络技术服务",
        "数据处理和存储支持服务",
        "人工智能应用软件开发",
        "互联网数据服务",
    ),
    "J": ("以自有资金从事投资活动", "融资咨询服务", "财务咨询"),
    "K": ("房地产开发经营", "物业管理", "房地产经纪", "住房租赁"),
    "L": (
        "企业管理咨询",
        "信息咨询服务（不含许可类信息咨询服务）",
        "广告设计、代理",
        "会议及展览服务",
        "人力资源服务（不含职业中介活动、劳务派遣服务）",
        "知识产权服务",
    ),
    "M": (
        "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
        "工程和技术研究和试验发展",
        "检验检测服务",
        "工程管理服务",
        "专业设计服务",
    ),
    "N": ("环境保护专用设备销售", "园林绿化工程施工", "水污染治理"),
    "O": ("家政服务", "洗烫服务", "理发服务", "美容服务", "日用电器修理", "机动车修理和维护"),
    "P": ("教育咨询服务（不含涉许可审批的教育培训活动）", "文艺培训", "体育培训"),
    "Q": ("健康咨询服务（不含诊疗服务）", "医院管理", "养老服务"),
    "R": ("组织文化艺术交流活动", "文艺创作", "体育赛事策划", "电影摄制服务"),
}
ROADS = (
    ("科技路", 1, 120), ("科技二路", 1, 80), ("科技三路", 1, 60), ("科技五路", 1, 40), ("科技六路", 1, 60),
    ("唐延路", 1, 60), ("唐延南路", 1, 30), ("锦业路", 1, 130), ("锦业一路", 1, 60), ("锦业二路", 1, 40),
    ("高新路", 1, 90), ("高新一路", 1, 30), ("高新二路", 1, 30), ("高新三路", 1, 20), ("高新四路", 1, 20),
    ("丈八一路", 1, 50), ("丈八二路", 1, 40), ("丈八四路", 1, 30), ("丈八五路", 1, 40), ("丈八东路", 1, 60),
    ("上林苑一路", 1, 20), ("上林苑四路", 1, 20), ("上林苑七路", 1, 20), ("沣惠南路", 1, 60),
    ("天谷一路", 1, 20), ("天谷三路", 1, 20), ("天谷六路", 1, 20), ("天谷八路", 1, 160),
    ("云水一路", 1, 20), ("云水三路", 1, 20), ("团结南路", 1, 50), ("光华路", 1, 20), ("枫叶南路", 1, 20),
)  # fmt: skip
BUILDINGS = (
    "创业研发园", "都市之门", "旺座现代城", "高新国际商务中心", "中贸广场", "绿地中心", "环普产业科技园",
    "西安软件园", "橡树街区", "枫林绿洲", "紫薇田园都市", "高科广场", "云水阁", "尚品国际", "融城云谷",
    "国土资源大厦", "摩尔中心", "启迪科技园", "瞪羚谷", "天谷雅舍", "汇诚国际", "金融广场", "信息大厦",
)  # fmt: skip
STREETS = ("丈八街道", "鱼化寨街道", "兴隆街道", "细柳街道", "东大街道", "五星街道", "王寺街道")
VILLAGES = ("鱼化寨", "丈八", "西辛庄", "南窑头", "甘家寨", "东三爻", "漳浒寨", "兴隆", "细柳", "东大")
PROVINCES = ("北京", "上海", "深圳", "广东", "浙江", "江苏", "四川", "河南", "山东", "湖北")
FOREIGN = (
    ("日本", "株式会社"),
    ("德国", "有限公司"),
    ("韩国", "株式会社"),
    ("美国", "公司"),
    ("新加坡", "私人有限公司"),
)
COOP_PRODUCTS = (
    "果蔬种植",
    "葡萄种植",
    "草莓种植",
    "苗木种植",
    "猕猴桃种植",
    "畜禽养殖",
    "农机服务",
    "食用菌种植",
)
ID_REGIONS = (
    "610102", "610103", "610104", "610111", "610112", "610113", "610114", "610115", "610116", "610124",
    "610402", "610502", "610602", "612301", "612401", "410102", "140105", "620102", "510107", "642221",
)  # fmt: skip
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SCOPE_SUFFIX = "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
USCC_BODY_CHARS = USCC_ALPHABET  # 组织机构代码 letters that are also valid USCC characters


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class DemoSummary:
    enterprises: int
    without_uscc: int  # old 个体工商户 with only a 注册号
    party_organizations: int
    abnormal_listings: int
    serious_violations: int
    penalties: int
    complaints: int
    list_entries: int  # red + black + 失信被执行人
    licenses: int
    annual_reports: int
    commitments: int
    inspectors: int
    recusals: int
    draw_tasks: int
    inspections: int
    users_created: tuple[str, ...]
    seconds: float

    @property
    def total_rows(self) -> int:
        return (
            self.enterprises
            + self.party_organizations
            + self.abnormal_listings
            + self.serious_violations
            + self.penalties
            + self.complaints
            + self.list_entries
            + self.licenses
            + self.annual_reports
            + self.commitments
            + self.inspectors
            + self.recusals
            + self.inspections
        )


# --------------------------------------------------------------------------- code helpers


def _affine(rng: random.Random, modulus: int, coprime_to: Sequence[int]) -> tuple[int, int]:
    """A random bijection i → (a·i + b) mod m: unique codes without remembering the ones issued."""
    while True:
        a = rng.randrange(modulus // 3, modulus - 1)
        if all(a % p for p in coprime_to):
            return a, rng.randrange(modulus)


def _reg_no_check(first14: str) -> str:
    """Check digit of the old 15-digit 注册号 (GS 15-2006, ISO 7064 MOD 11,10)."""
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def _id_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def _chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


def _quota(total: int, start: int, end: int, n: int) -> int:
    """This chunk's share of ``total`` records over ``n`` entities, exact over all chunks."""
    return round(total * end / n) - round(total * start / n)


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.people = [fake.name() for _ in range(6000)]
        rng = self.rng
        self.numeric_org = _affine(rng, 10**8, (2, 5))
        self.ma_org = _affine(rng, 31**6, (31,))
        self.reg_seq = _affine(rng, 10**7, (2, 5))
        self.divisions: dict[str, list[str]] = {}
        for entry in reference.industry_divisions():
            self.divisions.setdefault(entry.section, []).append(entry.code)
        self.ent_sections = list(SECTION_WEIGHTS_ENTERPRISE)
        self.ent_section_w = list(SECTION_WEIGHTS_ENTERPRISE.values())
        self.ind_sections = list(SECTION_WEIGHTS_INDIVIDUAL)
        self.ind_section_w = list(SECTION_WEIGHTS_INDIVIDUAL.values())
        self.regions = [r for r, _ in REGION_WEIGHTS]
        self.region_w = [w for _, w in REGION_WEIGHTS]
        self.statuses = [s for s, _ in STATUS_WEIGHTS]
        self.status_w = [w for _, w in STATUS_WEIGHTS]

    # --- codes

    def org_body(self, i: int, old: bool) -> str:
        if old:
            a, b = self.numeric_org
            return f"{(a * i + b) % 10**8:08d}"
        a, b = self.ma_org
        v = (a * i + b) % 31**6
        chars = []
        for _ in range(6):
            v, r = divmod(v, 31)
            chars.append(USCC_BODY_CHARS[r])
        return "MA" + "".join(chars)

    def uscc(self, region: str, category: str, body8: str) -> tuple[str, str]:
        org = body8 + org_check_char(body8)
        first17 = "9" + category + region + org
        return first17 + uscc_check_char(first17), org

    def reg_no(self, i: int, region: str) -> str:
        a, b = self.reg_seq
        first14 = region + str(self.rng.choice("6789")) + f"{(a * i + b) % 10**7:07d}"
        return first14 + _reg_no_check(first14)

    def id_no(self, birth_year: int) -> str:
        rng = self.rng
        month_day = rng.randrange(1, 13) * 100 + rng.randrange(1, 29)
        first17 = f"{rng.choice(ID_REGIONS)}{birth_year}{month_day:04d}{rng.randrange(1000):03d}"
        return first17 + _id_check(first17)

    def phone(self, company: bool) -> str:
        rng = self.rng
        if company and rng.random() < 0.4:
            return f"029-8{rng.randrange(10**7):07d}"
        return f"1{rng.choice('3578919')}{rng.randrange(10**9):09d}"

    # --- words

    def brand(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.08:
            return rng.choice(PLACE_BRANDS)
        n = 2 if r < 0.75 else 3 if r < 0.97 else 4
        return "".join(rng.choice(BRAND_CHARS) for _ in range(n))

    def person(self) -> str:
        return self.rng.choice(self.people)

    def address(self, shop: bool) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.06:
            street = rng.choice(STREETS)
            village = rng.choice(VILLAGES)
            return f"陕西省西安市高新区{street}{village}村{rng.randrange(1, 12)}组{rng.randrange(1, 180)}号"
        if r < 0.14 and not shop:
            return (
                f"陕西省西安市高新区天谷八路156号软件新城研发基地{rng.randrange(1, 4)}期"
                f"{rng.choice('ABCD')}{rng.randrange(1, 9)}栋{rng.randrange(1, 12)}层{rng.randrange(1, 30):02d}室"
            )
        road, lo, hi = rng.choice(ROADS)
        no = rng.randrange(lo, hi)
        if shop:
            return f"陕西省西安市高新区{road}{no}号{rng.choice(BUILDINGS)}{rng.randrange(1, 20)}号楼1层{rng.randrange(1, 40)}号商铺"
        floor = rng.randrange(2, 33)
        return (
            f"陕西省西安市高新区{road}{no}号{rng.choice(BUILDINGS)}"
            f"{rng.choice('ABCDE')}座{floor}{rng.randrange(1, 25):02d}室"
        )

    def scope(self, section: str) -> str:
        rng = self.rng
        phrases = SCOPE_PHRASES.get(section, SCOPE_PHRASES["L"])
        k = min(len(phrases), rng.randrange(2, 6))
        chosen = rng.sample(phrases, k)
        extra = rng.sample(SCOPE_PHRASES["L"], 1)
        return "一般项目：" + "；".join(chosen + extra) + "。" + SCOPE_SUFFIX

    # --- one market entity

    def category(self) -> int:
        r = self.rng.random()
        acc = 0.0
        for idx, w in enumerate(CATEGORY_WEIGHTS):
            acc += w
            if r < acc:
                return idx
        return 0

    def established(self, max_year: int | None = None) -> dt.date:
        rng = self.rng
        years_back = min(30, int(rng.expovariate(1 / 5.5)))
        year = self.today.year - years_back
        if max_year is not None:
            year = min(year, max_year)
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        return min(day, self.today - dt.timedelta(days=1))

    def enterprise(self, i: int, ent_id: int, now: dt.datetime, sjj_id: int | None) -> dict[str, Any]:
        rng = self.rng
        cat_idx = self.category()
        category = (
            SubjectCategory.ENTERPRISE,
            SubjectCategory.INDIVIDUAL,
            SubjectCategory.COOPERATIVE,
            SubjectCategory.FOREIGN_REP,
        )[cat_idx]
        region = rng.choices(self.regions, self.region_w)[0]
        legal_rep = self.person()
        former: str | None = None
        capital: Decimal | None
        reg_no: str | None = None
        uscc: str | None
        org: str | None
        is_small = False
        if category is SubjectCategory.INDIVIDUAL:
            section = rng.choices(self.ind_sections, self.ind_section_w)[0]
            old = rng.random() < OLD_INDIVIDUAL_SHARE
            established = self.established(max_year=2015 if old else None)
            shop = rng.choice(SHOP_WORDS[section])
            r = rng.random()
            if r < 0.45:
                name = f"西安高新区{legal_rep}{shop}"
            elif r < 0.8:
                name = f"高新区{self.brand()}{shop}"
            else:
                name = f"西安高新区{self.brand()}{shop}（个体工商户）"
            subject_type = "个体工商户"
            capital = Decimal(rng.choice((1, 2, 3, 5, 5, 10, 10, 20, 30, 50)))
            if old:
                reg_no = self.reg_no(i, "610131")
                uscc = org = None
            else:
                uscc, org = self.uscc(
                    "610131" if region != "610116" else region, "2", self.org_body(i, False)
                )
            address = self.address(shop=True)
        else:
            if category is SubjectCategory.COOPERATIVE:
                section = "A"
                name = (
                    f"西安高新区{rng.choice(STREETS)[:-2]}{self.brand()}{rng.choice(COOP_PRODUCTS)}专业合作社"
                )
                subject_type = "农民专业合作社"
                capital = Decimal(rng.choice((10, 30, 50, 100, 200, 500)))
                region = "610131"
                cat_code = "3"
            elif category is SubjectCategory.FOREIGN_REP:
                section = rng.choice(("F", "L", "M", "I"))
                country, form = rng.choice(FOREIGN)
                name = f"{country}{self.brand()}{rng.choice(NAME_WORDS[section])}{form}西安代表处"
                subject_type = "外国企业常驻代表机构"
                capital = None
                region = "610000"
                cat_code = "1"
            else:
                section = rng.choices(self.ent_sections, self.ent_section_w)[0]
                brand = self.brand()
                word = rng.choice(NAME_WORDS[section])
                r = rng.random()
                if r < 0.86:
                    subject_type = "有限责任公司"
                    r2 = rng.random()
                    if r2 < 0.7:
                        name = f"西安{brand}{word}有限公司"
                    elif r2 < 0.9:
                        name = f"陕西{brand}{word}有限公司"
                    elif r2 < 0.95:
                        name = f"西安高新区{brand}{word}有限公司"
                    else:
                        name = f"{brand}{word}（西安）有限公司"
                elif r < 0.89:
                    subject_type = "股份有限公司"
                    name = f"{rng.choice(('陕西', '西安'))}{brand}{word}股份有限公司"
                elif r < 0.93:
                    subject_type = "分公司"
                    name = f"{rng.choice(PROVINCES)}{brand}{word}有限公司西安{rng.choice(('', '高新', '第一'))}分公司"
                elif r < 0.955:
                    subject_type = "个人独资企业"
                    name = f"西安高新区{brand}{word}{rng.choice(('工作室', '经营部', '服务部'))}"
                elif r < 0.98:
                    subject_type = "合伙企业"
                    name = (
                        f"西安{brand}{rng.choice(('企业管理咨询', '投资管理', '科技'))}合伙企业（有限合伙）"
                    )
                elif r < 0.997:
                    subject_type = "外商投资企业"
                    name = f"{brand}{word}（西安）有限公司"
                else:
                    subject_type = "全民所有制企业"
                    name = f"西安高新区{brand}{word}公司"
                capital = (
                    None
                    if subject_type == "分公司"
                    else Decimal(
                        rng.choice((10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 1000, 2000, 5000, 10000))
                    )
                )
                cat_code = "1"
                is_small = rng.random() < 0.78
                if rng.random() < 0.06:
                    former = f"{'陕西' if name.startswith('西安') else '西安'}{brand}{rng.choice(NAME_WORDS[section])}有限公司"
                    if rng.random() < 0.25:
                        former = f"西安{self.brand()}{word}有限公司；{former}"
            established = self.established()
            old_code = established < dt.date(2015, 10, 1) and category is SubjectCategory.ENTERPRISE
            uscc, org = self.uscc(region, cat_code, self.org_body(i, old_code))
            address = self.address(shop=False)
        status = rng.choices(self.statuses, self.status_w)[0]
        full, initials = pinyin_columns(name)
        birth_year = self.today.year - rng.randrange(23, 66)
        return {
            "id": ent_id,
            "uscc": uscc,
            "reg_no": reg_no,
            "org_code": org,
            "name": name,
            "former_names": former,
            "subject_category": category.value,
            "subject_type": subject_type,
            "legal_rep": legal_rep,
            "legal_rep_id_no": self.id_no(birth_year),
            "registered_capital": capital,
            "established_on": established,
            "status": status,
            "address": address,
            "industry_section": section,
            "industry_code": rng.choice(self.divisions[section]),
            "registration_authority": REGISTRATION_AUTHORITY[region],
            "business_scope": self.scope(section),
            "contact_person": legal_rep if rng.random() < 0.6 else self.person(),
            "contact_phone": self.phone(category is not SubjectCategory.INDIVIDUAL),
            "is_small_micro": is_small,
            "risk_class": None,  # set after the records are chosen
            "supervising_department_id": sjj_id,
            "name_pinyin": full[:600],
            "name_initials": initials[:200],
            "import_batch_id": None,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "created_by_id": None,
            "updated_by_id": None,
        }

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))


# --------------------------------------------------------------------------- records


def _decision_year(d: dt.date) -> int:
    return d.year


class _Records:
    """Department records for one chunk of entities."""

    def __init__(self, gen: _Generator, dept: dict[str, int], now: dt.datetime) -> None:
        self.gen = gen
        self.dept = dept
        self.now = now
        self.seq: dict[str, int] = {}
        self.abn_enterprise = reference.abnormal_listing_reasons("企业")
        self.abn_individual = reference.abnormal_listing_reasons("个体户")
        self.abn_coop = reference.abnormal_listing_reasons("农专")
        self.rem_enterprise = [r for r in reference.abnormal_removal_reasons("企业") if r.code in "12345"]
        self.rem_individual = [r for r in reference.abnormal_removal_reasons("个体户") if r.code in "1234"]
        self.rem_coop = [r for r in reference.abnormal_removal_reasons("农专") if r.code in "1345"]

    def next_no(self, key: str) -> int:
        self.seq[key] = self.seq.get(key, 0) + 1
        return self.seq[key]

    def base(self, ent_id: int, dept_code: str) -> dict[str, Any]:
        return {
            "enterprise_id": ent_id,
            "department_id": self.dept[dept_code],
            "import_batch_id": None,
            "created_at": self.now,
            "updated_at": self.now,
            "version": 1,
            "created_by_id": None,
            "updated_by_id": None,
        }

    # Each method returns one row dict.

    def abnormal(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        cat = e["subject_category"]
        if cat == SubjectCategory.INDIVIDUAL.value:
            reasons, removals = self.abn_individual, self.rem_individual
        elif cat == SubjectCategory.COOPERATIVE.value:
            reasons, removals = self.abn_coop, self.rem_coop
        else:
            reasons, removals = self.abn_enterprise, self.rem_enterprise
        reason = rng.choices(reasons, [6, 1, 1, 4][: len(reasons)])[0]
        listed = g.date_between(max(e["established_on"], dt.date(2016, 1, 1)), g.today - dt.timedelta(days=3))
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        row.update(
            reason_code=reason.code,
            list_reason=reason.text,
            listed_on=listed,
            listing_authority=REGISTRATION_AUTHORITY["610131"],
            decision_no=f"西市监高新异列〔{listed.year}〕{self.next_no(f'abn{listed.year}'):05d}号",
            removal_reason=None,
            removed_on=None,
            removal_authority=None,
        )
        if rng.random() < 0.42 and listed < g.today - dt.timedelta(days=20):
            removal = next((r for r in removals if r.code == reason.code), None) or rng.choice(removals)
            row["removal_reason"] = removal.text
            row["removed_on"] = g.date_between(listed + dt.timedelta(days=10), g.today - dt.timedelta(days=1))
            row["removal_authority"] = REGISTRATION_AUTHORITY["610131"]
        return row

    def serious(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        listed = g.date_between(max(e["established_on"], dt.date(2021, 9, 1)), g.today - dt.timedelta(days=5))
        planned = (
            listed.replace(year=listed.year + 3)
            if not (listed.month == 2 and listed.day == 29)
            else listed + dt.timedelta(days=1095)
        )
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        removed = None
        reason_text = None
        if listed < g.today - dt.timedelta(days=400) and rng.random() < 0.2:
            removed = g.date_between(listed + dt.timedelta(days=366), g.today - dt.timedelta(days=1))
            reason_text = "信用修复：已履行行政处罚决定、连续一年未再受到较重行政处罚，提前移出"
        row.update(
            reason=rng.choice(
                (
                    "提交虚假材料、隐瞒重要事实取得市场主体登记，被撤销登记（市场监督管理严重违法失信名单管理办法第九条）",
                    "生产销售不符合食品安全标准的食品，受到较重行政处罚（市场监督管理严重违法失信名单管理办法第五条）",
                    "被列入经营异常名录届满3年仍未履行相关义务（市场监督管理严重违法失信名单管理办法第十条）",
                    "发布虚假广告，情节严重，受到较重行政处罚（市场监督管理严重违法失信名单管理办法第八条）",
                    "拒绝、阻碍、干扰市场监督管理部门依法开展监督检查和事故调查（市场监督管理严重违法失信名单管理办法第八条）",
                )
            ),
            listed_on=listed,
            decision_authority=REGISTRATION_AUTHORITY["610131"],
            decision_no=f"西市监高新严列〔{listed.year}〕{self.next_no(f'sv{listed.year}'):03d}号",
            planned_removal_on=planned,
            removed_on=removed,
            removal_reason=reason_text,
        )
        return row

    PENALTY_TYPES = (
        ("发布虚假广告", "SJJ", "广告法第五十五条", False),
        ("未按规定公示年度报告", "SJJ", "企业信息公示暂行条例第十八条", False),
        ("销售不合格产品", "SJJ", "产品质量法第四十九条", False),
        ("经营超过保质期的食品", "SJJ", "食品安全法第一百二十四条", True),
        ("未取得食品经营许可从事食品经营活动", "SJJ", "食品安全法第一百二十二条", True),
        ("不明码标价", "SJJ", "价格法第四十二条", False),
        ("侵犯注册商标专用权", "SJJ", "商标法第六十条", False),
        ("使用未经检定的计量器具", "SJJ", "计量法第二十六条", False),
        ("特种设备未按规定定期检验", "SJJ", "特种设备安全法第八十四条", True),
        ("未按规定办理纳税申报", "SWJ", "税收征收管理法第六十二条", False),
        ("未按规定设置安全生产管理机构", "YJJ", "安全生产法第九十七条", False),
        ("超标排放大气污染物", "HBJ", "大气污染防治法第九十九条", False),
        ("消防设施未保持完好有效", "XFJ", "消防法第六十条", False),
        ("未按规定与劳动者订立书面劳动合同", "RSJ", "劳动合同法第八十二条", False),
    )
    AUTHORITY_BY_DEPT: ClassVar[dict[str, str]] = {
        "SJJ": "西安市市场监督管理局高新区分局",
        "SWJ": "国家税务总局西安高新技术产业开发区税务局",
        "YJJ": "西安高新区应急管理局",
        "HBJ": "西安市生态环境局高新分局",
        "XFJ": "西安市消防救援支队高新区大队",
        "RSJ": "西安高新区人力资源和社会保障局",
    }
    PENALTY_PREFIX: ClassVar[dict[str, str]] = {"SJJ": "西市监高新罚", "SWJ": "西高新税罚", "YJJ": "西高新应急罚", "HBJ": "西环高新罚", "XFJ": "西高新消行罚决字", "RSJ": "西高新人社监罚"}  # fmt: skip

    def penalty(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        weights = [14, 8, 6, 6, 4, 5, 3, 3, 2, 4, 2, 2, 2, 2]
        vtype, dept, basis, long_repair = rng.choices(self.PENALTY_TYPES, weights)[0]
        decided = g.date_between(
            max(e["established_on"], g.today - dt.timedelta(days=365 * 5)), g.today - dt.timedelta(days=2)
        )
        fine = Decimal(rng.choice((500, 1000, 2000, 3000, 5000, 10000, 20000, 50000, 100000)))
        confiscated = rng.random() < 0.2
        content = f"依据《{basis.split('第')[0]}》第{basis.split('第', 1)[1]}，" + (
            "给予警告" if rng.random() < 0.1 else f"罚款人民币{fine:,}元"
        )
        if confiscated:
            content += f"，没收违法所得人民币{rng.randrange(200, 20000):,}元"
        published = min(g.today, decided + dt.timedelta(days=rng.randrange(1, 20)))
        repair = published + dt.timedelta(days=365 if long_repair else 183)
        row = self.base(e["id"], dept)
        row.update(
            decision_no=f"{self.PENALTY_PREFIX[dept]}〔{decided.year}〕{self.next_no(f'pen{dept}{decided.year}'):03d}号",
            violation_type=vtype,
            penalty_content=content,
            fine_amount=None if "警告" in content and "罚款" not in content else fine,
            decision_authority=self.AUTHORITY_BY_DEPT[dept],
            decided_on=decided,
            published_on=published,
            repair_eligible_on=repair,
        )
        return row

    COMPLAINT_CATEGORIES = (
        ("商品质量", "购买的商品存在质量问题，商家拒绝退换"),
        ("售后服务", "商家未按约定提供售后服务"),
        ("预付卡", "办理预付卡后商家停业，余额无法退还"),
        ("价格", "实际结算价格高于标示价格"),
        ("食品安全", "购买的食品已过保质期"),
        ("合同", "商家单方面变更合同条款"),
        ("虚假宣传", "商品宣传内容与实际不符"),
        ("网络购物", "网购商品与描述不符，商家拒绝七日无理由退货"),
    )

    def complaint(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        received = g.date_between(max(e["established_on"], g.today - dt.timedelta(days=365 * 3)), g.today)
        category, content = rng.choice(self.COMPLAINT_CATEGORIES)
        open_ = (g.today - received).days < 20 and rng.random() < 0.7
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        row.update(
            complaint_no=f"1{received:%Y%m%d}{self.next_no('cpl'):07d}",
            received_on=received,
            channel=rng.choices(("全国12315平台", "12315热线", "12345市民热线", "来信来访"), (6, 3, 2, 1))[0],
            category=category,
            content=content,
            status="处理中" if open_ else "已办结",
            handled_on=None if open_ else min(g.today, received + dt.timedelta(days=rng.randrange(2, 30))),
            result=None
            if open_
            else rng.choices(
                ("调解成功", "调解不成功，告知消费者依法通过其他途径解决", "不予受理", "撤诉"), (6, 2, 1, 1)
            )[0],
        )
        return row

    LISTS: ClassVar[dict[str, tuple[tuple[str, str, str], ...]]] = {
        "red": (
            ("SWJ", "纳税信用A级纳税人名单", "纳税信用评价为A级"),
            ("SJJ", "守合同重信用企业名单", "连续两年公示守合同重信用企业"),
            ("RSJ", "劳动保障守法诚信企业名单", "劳动保障书面审查连续三年无违法记录"),
        ),
        "black": (
            ("RSJ", "拖欠农民工工资失信联合惩戒对象名单", "拖欠农民工工资数额较大"),
            ("SWJ", "重大税收违法失信主体名单", "虚开增值税专用发票"),
            ("HBJ", "环境违法失信名单", "逃避监管方式排放污染物"),
            ("YJJ", "安全生产严重失信主体名单", "发生生产安全责任事故"),
        ),
        "judgment_debtor": (("FY", "失信被执行人名单", "有履行能力而拒不履行生效法律文书确定义务"),),
    }
    LIST_AUTHORITY: ClassVar[dict[str, str]] = {
        "SWJ": "国家税务总局西安高新技术产业开发区税务局",
        "SJJ": "西安市市场监督管理局高新区分局",
        "RSJ": "西安高新区人力资源和社会保障局",
        "HBJ": "西安市生态环境局高新分局",
        "YJJ": "西安高新区应急管理局",
        "FY": "西安高新技术产业开发区人民法院",
    }

    def list_entry(self, e: dict[str, Any], kind: str) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        dept, list_name, reason = rng.choice(self.LISTS[kind])
        listed = g.date_between(
            max(e["established_on"], g.today - dt.timedelta(days=365 * 4)), g.today - dt.timedelta(days=1)
        )
        if kind == "judgment_debtor":
            doc = f"（{listed.year}）陕0191执{self.next_no(f'zx{listed.year}')}号"
        else:
            doc = f"{list_name[:4]}〔{listed.year}〕{self.next_no(f'{kind}{listed.year}')}号"
        removed = None
        if rng.random() < (0.35 if kind == "judgment_debtor" else 0.15):
            removed = g.date_between(listed + dt.timedelta(days=30), g.today)
        row = self.base(e["id"], dept)
        row.update(
            kind=kind,
            list_name=list_name,
            reason=reason,
            document_no=doc,
            authority=self.LIST_AUTHORITY[dept],
            listed_on=listed,
            removed_on=removed,
        )
        return row

    LICENSES: ClassVar[dict[str, tuple[tuple[float, str, str, str], ...]]] = {
        # section: ((probability, name, dept, prefix), …)
        "H": ((0.85, "食品经营许可证", "SJJ", "JY2"),),
        "F": (
            (0.22, "食品经营许可证", "SJJ", "JY1"),
            (0.03, "药品经营许可证", "SJJ", "陕AA029"),
            (0.04, "第二类医疗器械经营备案凭证", "SJJ", "陕西食药监械经营备"),
        ),
        "Q": ((0.6, "医疗机构执业许可证", "WJW", "PDY"),),
        "E": ((0.5, "建筑业企业资质证书", "ZJJ", "D2610"),),
        "G": ((0.4, "道路运输经营许可证", "JTJ", "陕交运管许可西字"),),
        "L": ((0.05, "人力资源服务许可证", "RSJ", "610131"), (0.03, "劳务派遣经营许可证", "RSJ", "610131LP")),
        "R": ((0.15, "出版物经营许可证", "WLJ", "新出发西高"), (0.05, "网络文化经营许可证", "WLJ", "陕网文")),
        "C": ((0.12, "全国工业产品生产许可证", "SJJ", "XK"), (0.1, "排污许可证", "HBJ", "91610131")),
        "O": ((0.35, "公共场所卫生许可证", "WJW", "陕卫公证字"),),
        "P": ((0.3, "民办学校办学许可证", "JYJ", "教民1610131"),),
        "K": ((0.15, "特种设备使用登记证", "SJJ", "梯11陕A"),),
        "M": ((0.03, "检验检测机构资质认定证书", "SJJ", "CMA"),),
    }

    def licenses(self, e: dict[str, Any]) -> list[dict[str, Any]]:
        g = self.gen
        rng = g.rng
        specs = self.LICENSES.get(e["industry_section"])
        if not specs:
            return []
        rows = []
        for prob, name, dept, prefix in specs:
            if rng.random() >= prob:
                continue
            until = g.today + dt.timedelta(days=rng.randrange(-730, 731))
            valid_from = max(e["established_on"], until - dt.timedelta(days=5 * 365))
            status = "有效" if until >= g.today else "已过期"
            if rng.random() < 0.02:
                status = "注销"
            row = self.base(e["id"], dept)
            row.update(
                license_no=f"{prefix}{'610131' if prefix.startswith('JY') else ''}{self.next_no('lic' + prefix):07d}",
                name=name,
                valid_from=valid_from,
                valid_until=until,
                authority=DEPARTMENT_NAMES.get(dept, ""),
                content=f"{name}（{e['name']}）",
                status=status,
            )
            rows.append(row)
        return rows

    def annual_report(self, e: dict[str, Any], year: int) -> dict[str, Any] | None:
        g = self.gen
        rng = g.rng
        if (
            e["established_on"] >= dt.date(year, 1, 1)
            or e["subject_category"] == SubjectCategory.FOREIGN_REP.value
        ):
            return None
        if e["status"] != EnterpriseStatus.ACTIVE.value and rng.random() < 0.7:
            return None
        r = rng.random()
        if r < 0.10:
            return None  # not submitted
        deadline = dt.date(year + 1, 6, 30)
        if r < 0.90:
            submitted = g.date_between(dt.date(year + 1, 1, 1), min(deadline, g.today))
        else:
            submitted = g.date_between(dt.date(year + 1, 7, 1), g.today)
        individual = e["subject_category"] == SubjectCategory.INDIVIDUAL.value
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        row.update(
            year=year,
            submitted_on=submitted,
            is_on_time=submitted <= deadline,
            employees=rng.randrange(1, 6) if individual else int(rng.paretovariate(1.3) * 3),
            status="已公示",
        )
        return row

    COMMITMENTS = (
        ("证明事项告知承诺", "申请人承诺所提交的住所（经营场所）使用证明真实有效"),
        ("食品经营许可告知承诺", "承诺在取得许可后三个月内达到食品经营场所和设施条件"),
        ("信用修复承诺", "承诺已纠正失信行为，今后依法诚信经营"),
        ("年报信息真实性承诺", "承诺年度报告公示信息真实、准确、完整"),
    )

    def commitment(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        ctype, content = rng.choice(self.COMMITMENTS)
        committed = g.date_between(max(e["established_on"], g.today - dt.timedelta(days=3 * 365)), g.today)
        due = committed + dt.timedelta(days=rng.choice((30, 90, 180)))
        if due > g.today:
            fulfilled, verified = None, None
        else:
            fulfilled = rng.random() < 0.9
            verified = min(g.today, due + dt.timedelta(days=rng.randrange(1, 30)))
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        row.update(
            commitment_type=ctype,
            content=content,
            committed_on=committed,
            due_on=due,
            fulfilled=fulfilled,
            verified_on=verified,
        )
        return row

    def party(self, e: dict[str, Any]) -> dict[str, Any]:
        g = self.gen
        rng = g.rng
        r = rng.random()
        if r < 0.55:
            org_type, org_name, members = "党支部", f"中共{e['name']}支部委员会", rng.randrange(3, 30)
        elif r < 0.9:
            org_type = "联合党支部"
            org_name = f"中共西安高新区{rng.choice(BUILDINGS)}非公企业联合支部委员会"
            members = rng.randrange(3, 20)
        elif r < 0.97:
            org_type, org_name, members = "党总支", f"中共{e['name']}总支部委员会", rng.randrange(30, 100)
        else:
            org_type, org_name, members = "党委", f"中共{e['name']}委员会", rng.randrange(100, 600)
        row = self.base(e["id"], MARKET_REGULATION_CODE)
        row.update(
            org_name=org_name[:200],
            org_type=org_type,
            member_count=members,
            secretary=g.person(),
            established_on=g.date_between(e["established_on"], g.today),
        )
        return row


# --------------------------------------------------------------------------- service


class DemoDataService(Service):
    def generate(
        self,
        *,
        enterprises: int,
        seed: int,
        progress: ProgressCallback | None = None,
        cancel: CancelCallback | None = None,
        today: dt.date | None = None,
        allow_existing: bool = False,
    ) -> DemoSummary:
        self.require(Permission.MANAGE_SYSTEM)
        if enterprises < 0:
            raise ValidationError("演示数据的市场主体数量不能为负数。", field="enterprises")
        started = time.perf_counter()
        today = today or dt.date.today()
        total_units = enterprises * 2 + 2000
        done = 0

        def report(units: int, phase: str) -> None:
            nonlocal done
            done = min(total_units, done + units)
            if progress is not None:
                progress(done, total_units, phase)
            if cancel is not None and cancel():
                raise CancelledError("已取消生成演示数据，数据库未做任何更改。")

        with self.tx() as s:
            existing = s.scalar(select(func.count()).select_from(Enterprise)) or 0
            if existing and not allow_existing:
                raise ValidationError(
                    f"数据库中已有 {existing:,} 个市场主体，生成演示数据会与真实数据混在一起。"
                    "如确实需要，请使用 --force。"
                )
            if progress is not None:
                progress(0, total_units, "安装参考数据（部门、法律法规、抽查事项、工作日历）")
            ReferenceDataService(self.db, self.actor).install(session=s, today=today)
            report(500, "创建演示用户")
            users = _create_users(s, self.actor)
            dept = department_ids(s)
            gen = _Generator(seed, today)
            counts = _generate_entities(self.db, s, gen, dept, enterprises, existing, report)
            report(0, "生成执法人员名录")
            inspectors, recusals = _generate_inspectors(s, gen, dept, users)
            report(500, "生成抽查计划、任务和检查记录")
            tasks, inspections = _generate_workflow(s, gen, dept, users)
            report(500, "保存")
            summary = DemoSummary(
                enterprises=counts["enterprises"],
                without_uscc=counts["without_uscc"],
                party_organizations=counts["party"],
                abnormal_listings=counts["abnormal"],
                serious_violations=counts["serious"],
                penalties=counts["penalty"],
                complaints=counts["complaint"],
                list_entries=counts["list"],
                licenses=counts["license"],
                annual_reports=counts["annual"],
                commitments=counts["commitment"],
                inspectors=inspectors,
                recusals=recusals,
                draw_tasks=tasks,
                inspections=inspections,
                users_created=tuple(users),
                seconds=round(time.perf_counter() - started, 2),
            )
            self.audit(
                s,
                "demo.generate",
                f"生成演示数据：市场主体 {summary.enterprises:,} 个（种子 {seed}）",
                entity_type="DemoData",
                details={k: getattr(summary, k) for k in summary.__slots__ if k != "users_created"}
                | {"seed": seed, "users_created": list(summary.users_created)},
            )
        if progress is not None:
            progress(total_units, total_units, "完成")
        return DemoSummary(
            **{k: getattr(summary, k) for k in summary.__slots__}
            | {"seconds": round(time.perf_counter() - started, 2)}
        )


def generate_demo_data(
    db: Database,
    *,
    enterprises: int,
    seed: int,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    today: dt.date | None = None,
    allow_existing: bool = False,
    actor: Actor | None = None,
) -> DemoSummary:
    """Fill ``db`` with a deterministic demo district (see the module docstring).

    ``progress(done, total, phase)`` is called between chunks; ``cancel()`` returning True stops the run
    and rolls everything back. A database that already has market entities is refused unless
    ``allow_existing``. Runs as the command-line administrator unless ``actor`` is given.
    """
    return DemoDataService(db, actor or command_line_actor()).generate(
        enterprises=enterprises,
        seed=seed,
        progress=progress,
        cancel=cancel,
        today=today,
        allow_existing=allow_existing,
    )


# --------------------------------------------------------------------------- steps


def _create_users(s: Session, actor: Actor) -> dict[str, int]:
    """The demo users, only on a database without any user (never next to real accounts)."""
    if (s.scalar(select(func.count()).select_from(User)) or 0) > 0:
        return {}
    dept = department_ids(s)
    created: dict[str, int] = {}
    for username, password, role, display, dept_code in DEMO_USERS:
        user = User(
            username=username,
            display_name=display,
            password_hash=hash_password(password),
            role=role.value,
            department_id=dept.get(dept_code),
            password_changed_at=utcnow(),
        )
        s.add(user)
        s.flush()
        created[username] = user.id
    return created


BULK_INDEX_THRESHOLD = 20_000
FTS_INSERT_TRIGGER = "enterprise_fts_ai"


def _suspend_fts_trigger(s: Session) -> str | None:
    """Drop the search index's insert trigger (and the filter keys) if there is one; returns the
    trigger's SQL to re-create it (then :func:`search_index.refill` rebuilds index and keys)."""
    sql = s.scalar(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_INSERT_TRIGGER},
    )
    if not sql:
        return None
    s.execute(text(f"DROP TRIGGER {FTS_INSERT_TRIGGER}"))
    # The filter keys (migration 0005) follow every enterprise and record insert by triggers, at about
    # 40 % of a 20,000-enterprise load; search_index.refill builds them (tables, triggers, index) again
    # from the loaded rows at the end, so they go for the load.
    for stmt in search_index.filter_keys_drop():
        s.execute(text(stmt))
    return str(sql)


def _drop_pg_filter_keys(s: Session) -> bool:
    """PostgreSQL: drop the filter keys for a bulk load, as on SQLite (their triggers would follow every
    enterprise and record insert); whether there were any (then :func:`search_index.refill` builds
    them again). Inside the load's transaction: a cancel brings them back."""
    if not search_index.has_filter_keys(s.connection()):
        return False
    for stmt in search_index.filter_keys_drop(pg=True):
        s.execute(text(stmt))
    return True


def _insert(s: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    if rows:
        s.execute(insert(model.__table__), rows)


def _generate_entities(
    db: Database,
    s: Session,
    gen: _Generator,
    dept: dict[str, int],
    n: int,
    existing: int,
    report: Callable[[int, str], None],
) -> dict[str, int]:
    rng = gen.rng
    now = utcnow()
    sjj = dept.get(MARKET_REGULATION_CODE)
    start_id = (s.scalar(select(func.max(Enterprise.id))) or 0) + 1
    taken: set[str] = set()
    if existing:
        taken = {u for u in s.scalars(select(Enterprise.uscc)) if u is not None}
    totals = {k: round(v * n / PLATFORM_SIZE) for k, v in PER_PLATFORM.items()}
    counts = dict.fromkeys(
        ("enterprises", "without_uscc", "party", "abnormal", "serious", "penalty", "complaint", "list", "license", "annual", "commitment"),
        0,
    )  # fmt: skip
    recs = _Records(gen, dept, now)
    report_year = gen.today.year - 1
    big_cache = db.is_sqlite and n >= 50_000
    if big_cache:
        s.execute(text("PRAGMA cache_size=-262144"))  # 256 MB while loading: index pages stay in memory
    # The search index (db/search_index.py) follows inserts by a per-row trigger on SQLite; for a bulk
    # load it is much faster to drop that trigger, load, put it back exactly as it was and refill the
    # index in one pass. All inside this transaction, so a cancel restores the trigger too.
    fts_trigger_sql = _suspend_fts_trigger(s) if db.is_sqlite and n >= BULK_INDEX_THRESHOLD else None
    pg_keys_dropped = not db.is_sqlite and n >= BULK_INDEX_THRESHOLD and _drop_pg_filter_keys(s)
    counter = start_id
    for start, end in _chunks(n, CHUNK):
        ents: list[dict[str, Any]] = []
        for _ in range(start, end):
            while True:
                e = gen.enterprise(counter, counter, now, sjj)
                counter += 1
                if e["uscc"] is None or e["uscc"] not in taken:
                    break
            ents.append(e)
        # Renumber ids densely even if a collision skipped a counter value.
        for k, e in enumerate(ents):
            e["id"] = start_id + start + k
        companies = [
            k for k, e in enumerate(ents) if e["subject_category"] != SubjectCategory.INDIVIDUAL.value
        ]
        all_idx = list(range(len(ents)))

        def pick(pool: list[int], key: str, *, start: int = start, end: int = end) -> list[int]:
            q = min(len(pool), _quota(totals[key], start, end, n))
            return rng.sample(pool, q) if q > 0 else []

        party = pick(
            companies if len(companies) >= _quota(totals["party"], start, end, n) else all_idx, "party"
        )
        abnormal = pick(all_idx, "abnormal")
        serious = pick(companies, "serious")
        penalty = pick(all_idx, "penalty")
        q_cpl = _quota(totals["complaint"], start, end, n)
        complaint = rng.choices(all_idx, k=q_cpl) if q_cpl > 0 and all_idx else []
        red = pick(companies, "red")
        black = pick(all_idx, "black")
        debtor = pick(all_idx, "judgment_debtor")
        commitment = pick(all_idx, "commitment")

        # Internal credit-risk class follows the records (国市监信发〔2022〕6号 uses such signals).
        risk = [0.0] * len(ents)
        for k in abnormal:
            risk[k] += 1.0
        for k in penalty:
            risk[k] += 1.5
        for k in black + debtor:
            risk[k] += 2.0
        for k in serious:
            risk[k] += 4.0
        for k in red:
            risk[k] -= 1.0
        for k, e in enumerate(ents):
            r = risk[k] + rng.random() * 1.2 + (3.0 if rng.random() < 0.01 else 0.0)
            e["risk_class"] = "D" if r >= 2.2 else "C" if r >= 1.05 else "B" if r >= 0.55 else "A"
            if e["uscc"] is None:
                counts["without_uscc"] += 1
        _insert(s, Enterprise, ents)
        counts["enterprises"] += len(ents)
        report(len(ents), f"生成市场主体 {end:,}/{n:,}")

        rows: dict[type[Any], list[dict[str, Any]]] = {}

        def add(
            model: type[Any], row: dict[str, Any] | None, rows: dict[type[Any], list[dict[str, Any]]] = rows
        ) -> None:
            if row is not None:
                rows.setdefault(model, []).append(row)

        for k in party:
            add(PartyOrganization, recs.party(ents[k]))
        for k in abnormal:
            add(AbnormalListing, recs.abnormal(ents[k]))
        for k in serious:
            add(SeriousViolation, recs.serious(ents[k]))
        for k in penalty:
            add(Penalty, recs.penalty(ents[k]))
        for k in complaint:
            add(Complaint, recs.complaint(ents[k]))
        for k in red:
            add(ListEntry, recs.list_entry(ents[k], "red"))
        for k in black:
            add(ListEntry, recs.list_entry(ents[k], "black"))
        for k in debtor:
            add(ListEntry, recs.list_entry(ents[k], "judgment_debtor"))
        for k in commitment:
            add(Commitment, recs.commitment(ents[k]))
        for e in ents:
            for lic in recs.licenses(e):
                add(License, lic)
            add(AnnualReport, recs.annual_report(e, report_year))
        for model, model_rows in rows.items():
            _insert(s, model, model_rows)
        counts["party"] += len(rows.get(PartyOrganization, []))
        counts["abnormal"] += len(rows.get(AbnormalListing, []))
        counts["serious"] += len(rows.get(SeriousViolation, []))
        counts["penalty"] += len(rows.get(Penalty, []))
        counts["complaint"] += len(rows.get(Complaint, []))
        counts["list"] += len(rows.get(ListEntry, []))
        counts["license"] += len(rows.get(License, []))
        counts["annual"] += len(rows.get(AnnualReport, []))
        counts["commitment"] += len(rows.get(Commitment, []))
        report(len(ents), f"生成部门记录 {end:,}/{n:,}")
    if fts_trigger_sql is not None or pg_keys_dropped:
        report(0, "重建检索索引")
        if fts_trigger_sql is not None:
            s.execute(text(fts_trigger_sql))
        search_index.refill(s.connection())
    elif n >= BULK_INDEX_THRESHOLD:
        search_index.optimize(s.connection())  # merge FTS segments / GIN pending lists, ANALYZE
    if big_cache:
        s.execute(text("PRAGMA cache_size=-65536"))
    if not db.is_sqlite and n:
        # Ids were given explicitly: move the sequence past them.
        s.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('enterprises', 'id'), (SELECT MAX(id) FROM enterprises))"
            )
        )
    return counts


QUALIFIED = (("特种设备安全监察员", 30), ("药品检查员", 28), ("食品检查员", 36))
FIELDS_SJJ = ("登记注册", "企业公示信息", "广告监管", "食品安全", "特种设备安全", "药品医疗器械化妆品", "价格监督检查", "知识产权", "计量标准", "网络交易监管", "产品质量")  # fmt: skip
FIELDS_OTHER = {
    "SWJ": "税收征管", "RSJ": "劳动保障监察", "HBJ": "生态环境执法", "ZJJ": "建筑市场监管", "YJJ": "安全生产执法",
    "WJW": "卫生监督", "JYJ": "教育督导", "WLJ": "文化市场执法", "JTJ": "交通运输执法", "SHJ": "商务执法",
    "NYJ": "农业综合执法", "ZRJ": "自然资源执法", "CGJ": "城市管理执法", "XFJ": "消防监督检查", "GAJ": "治安管理",
    "TJJ": "统计执法", "YBJ": "医保基金监管", "CZJ": "财会监督", "FGW": "价格监测", "KJJ": "科技项目监管", "FY": "执行",
}  # fmt: skip
RECUSAL_REASONS = (
    "配偶在该企业担任财务负责人",
    "与该企业法定代表人系近亲属",
    "本人曾在该企业任职，离职未满两年",
    "持有该企业股份",
    "近一年内曾为该企业提供咨询服务",
)


def _generate_inspectors(
    s: Session, gen: _Generator, dept: dict[str, int], users: dict[str, int]
) -> tuple[int, int]:
    """About 300 inspectors (200 market regulation, 100 from the other departments) and a few recusals."""
    if (s.scalar(select(func.count()).select_from(Inspector)) or 0) > 0:
        return 0, 0
    rng = gen.rng
    today = gen.today
    plan: list[tuple[str, int]] = [(MARKET_REGULATION_CODE, 200)]
    others = [code for code in dept if code != MARKET_REGULATION_CODE]
    per = 100 // len(others)
    plan += [(code, per + (1 if i < 100 - per * len(others) else 0)) for i, code in enumerate(sorted(others))]
    made: list[Inspector] = []
    quals_left = dict(QUALIFIED)
    names_used: set[str] = set()
    for d_index, (code, count) in enumerate(plan):
        for k in range(count):
            name = gen.person()
            while name in names_used:
                name = gen.person()
            names_used.add(name)
            expired = rng.random() < 0.04
            insp = Inspector(
                name=name,
                certificate_no=f"61{dept[code]:03d}{d_index:02d}{k + 1:04d}"[:12],
                certificate_valid_until=today - dt.timedelta(days=rng.randrange(1, 200))
                if expired
                else today + dt.timedelta(days=rng.randrange(60, 5 * 365)),
                department_id=dept[code],
                enforcement_fields="、".join(rng.sample(FIELDS_SJJ, 2))
                if code == MARKET_REGULATION_CODE
                else FIELDS_OTHER.get(code),
                phone=gen.phone(False),
                status=InspectorStatus.INACTIVE.value
                if rng.random() < 0.06
                else InspectorStatus.ACTIVE.value,
            )
            if code == MARKET_REGULATION_CODE:
                for qual, _n in QUALIFIED:
                    if quals_left[qual] > 0 and rng.random() < 0.17:
                        quals_left[qual] -= 1
                        insp.qualifications.append(
                            InspectorQualification(
                                qualification=qual,
                                valid_until=today + dt.timedelta(days=rng.randrange(90, 1500)),
                            )
                        )
            made.append(insp)
    s.add_all(made)
    s.flush()
    # The demo 执法人员 account is a real, active inspector so "my inspections" has content.
    if "zhifa" in users:
        me = made[0]
        me.name = "李明"
        me.user_id = users["zhifa"]
        me.status = InspectorStatus.ACTIVE.value
        me.certificate_valid_until = today + dt.timedelta(days=900)
    ent_ids = list(
        s.scalars(
            select(Enterprise.id).where(Enterprise.status == EnterpriseStatus.ACTIVE.value).limit(20000)
        )
    )
    recusals = 0
    if ent_ids:
        for insp in rng.sample(made[:200], min(6, len(made))):
            s.add(
                Recusal(
                    inspector_id=insp.id,
                    enterprise_id=rng.choice(ent_ids),
                    reason=rng.choice(RECUSAL_REASONS),
                    declared_on=today - dt.timedelta(days=rng.randrange(10, 700)),
                )
            )
            recusals += 1
    s.flush()
    return len(made), recusals


def _pool_sha256(ids: Sequence[int]) -> str:
    return hashlib.sha256(json.dumps(list(ids), separators=(",", ":")).encode()).hexdigest()


DRAW_METHOD = "demo-data: random.Random(seed).sample v1"
RESULT_MIX = (("1", 80), ("A,2,B", 6), ("A,2,6", 3), ("E", 6), ("F", 4), ("7", 1))
FOLLOW_UP = {
    "1": "未发现问题或相关问题已规范、已改正，无需后续处置",
    "E": "未发现问题或相关问题已规范、已改正，无需后续处置",
    "F": "未发现问题或相关问题已规范、已改正，无需后续处置",
    "7": "停止检查，反馈至日常监管部门依法依规处理",
}


def _generate_workflow(
    s: Session, gen: _Generator, dept: dict[str, int], users: dict[str, int]
) -> tuple[int, int]:
    """This year's plan: a finished task, one being inspected, one drawn, two drafts (one joint)."""
    rng = gen.rng
    today = gen.today
    year = today.year
    sjj = dept[MARKET_REGULATION_CODE]
    plan_no = f"西市监高新抽查计划〔{year}〕1号"
    if s.scalar(select(DrawPlan.id).where(DrawPlan.plan_no == plan_no)) is not None:
        return 0, 0
    if s.scalar(select(func.count()).select_from(DrawRules)) == 0:
        s.add(
            DrawRules(
                name=f"西安市市场监督管理局高新区分局双随机抽查工作细则（{year}年版）",
                department_id=sjj,
                default_ratio_percent=Decimal("5"),
                min_inspectors=2,
                repeat_exclusion_months=12,
                annual_cap_per_enterprise=2,
                risk_ratio_percent={"A": 1, "B": 2, "C": 10, "D": 30},
                publicity_working_days=20,
                text="A类企业“无事不扰”；B类按常规比例；C类、D类提高抽查比例和频次。同一企业12个月内原则上不重复抽查。",
            )
        )
        s.flush()
    rules_id = s.scalar(select(DrawRules.id).order_by(DrawRules.id))
    items = {i.name: i.id for i in s.scalars(select(InspectionItem))}
    plan = DrawPlan(
        year=year,
        plan_no=plan_no,
        name=f"西安市市场监督管理局高新区分局{year}年度双随机、一公开抽查工作计划",
        department_id=sjj,
        status="active",
    )
    s.add(plan)
    s.flush()
    head = users.get("kezhang")
    inspector_ids = list(
        s.scalars(
            select(Inspector.id)
            .where(
                Inspector.department_id == sjj,
                Inspector.status == InspectorStatus.ACTIVE.value,
                Inspector.certificate_valid_until >= today,
            )
            .order_by(Inspector.id)
        )
    )
    zhifa_inspector = (
        s.scalar(select(Inspector.id).where(Inspector.user_id == users["zhifa"]))
        if "zhifa" in users
        else None
    )
    recused = {(r.inspector_id, r.enterprise_id) for r in s.scalars(select(Recusal))}
    active_companies = list(
        s.scalars(
            select(Enterprise.id)
            .where(
                Enterprise.status == EnterpriseStatus.ACTIVE.value,
                Enterprise.subject_category == SubjectCategory.ENTERPRISE.value,
            )
            .order_by(Enterprise.id)
        )
    )
    food = list(
        s.scalars(
            select(Enterprise.id)
            .where(Enterprise.status == EnterpriseStatus.ACTIVE.value, Enterprise.industry_section == "H")
            .order_by(Enterprise.id)
        )
    )
    announcement = 0
    task_items: dict[int, list[int]] = {}
    task_count = 0
    inspection_count = 0

    def new_task(
        no: int, name: str, task_type: str, status: str, item_names: Sequence[str], starts: dt.date, **kw: Any
    ) -> DrawTask:
        nonlocal task_count
        task = DrawTask(
            plan_id=plan.id,
            task_no=f"西市监高新抽查〔{year}〕{no}号",
            name=name,
            task_type=task_type,
            lead_department_id=sjj,
            rules_id=rules_id,
            starts_on=starts,
            due_on=starts + dt.timedelta(days=120),
            status=status,
            inspectors_per_team=2,
            **kw,
        )
        s.add(task)
        s.flush()
        task_items[task.id] = [items[n] for n in item_names if n in items]
        for item_id in task_items[task.id]:
            s.add(DrawTaskItem(task_id=task.id, item_id=item_id))
        task_count += 1
        return task

    def draw(task: DrawTask, pool: list[int], k: int, executed: dt.date) -> tuple[DrawRun, list[int]]:
        run_seed = f"{year}{task.id:03d}-{rng.getrandbits(48):012x}"
        chosen = random.Random(run_seed).sample(pool, min(k, len(pool)))
        run = DrawRun(
            task_id=task.id,
            run_no=1,
            seed=run_seed,
            method=DRAW_METHOD,
            object_pool=pool,
            object_pool_sha256=_pool_sha256(pool),
            inspector_pool=inspector_ids,
            inspector_pool_sha256=_pool_sha256(inspector_ids),
            drawn_count=len(chosen),
            executed_at=dt.datetime.combine(executed, dt.time(2, 30), tzinfo=dt.UTC),
            executed_by_id=head,
            is_current=True,
        )
        s.add(run)
        s.flush()
        return run, chosen

    def team(ent_id: int, first: int | None = None) -> list[int]:
        allowed = [i for i in inspector_ids if (i, ent_id) not in recused]
        lead = first if first is not None and (first, ent_id) not in recused else rng.choice(allowed)
        member = rng.choice([i for i in allowed if i != lead])
        return [lead, member]

    def inspect(
        task: DrawTask,
        run: DrawRun,
        ent_id: int,
        status: str,
        completed: dt.date | None,
        first: int | None = None,
    ) -> Inspection:
        nonlocal inspection_count
        code = rng.choices([c for c, _ in RESULT_MIX], [w for _, w in RESULT_MIX])[0] if completed else None
        insp = Inspection(
            task_id=task.id,
            run_id=run.id,
            enterprise_id=ent_id,
            status=status,
            check_methods=rng.choice(("1", "1,2", "2")) if completed else None,
            result_codes=code,
            result_text="；".join(reference.result_text(c) for c in code.split(",")) if code else None,
            follow_up=(FOLLOW_UP.get(code) or "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责")
            if code
            else None,
            completed_on=completed,
        )
        s.add(insp)
        s.flush()
        for role, inspector_id in zip(("lead", "member"), team(ent_id, first), strict=True):
            s.add(
                InspectionInspector(
                    inspection_id=insp.id, inspector_id=inspector_id, role=role, department_id=sjj
                )
            )
        if completed:
            for item_id in task_items[task.id]:
                ok = code in ("1", "E", "F", "7")
                s.add(
                    ItemResult(
                        inspection_id=insp.id,
                        item_id=item_id,
                        checked=True,
                        conforms=ok,
                        check_method=(insp.check_methods or "1").split(",")[0],
                        problem=None if ok else (insp.result_text or "发现问题"),
                        disposal=None if ok else insp.follow_up,
                    )
                )
        if status in ("approved", "published") and head:
            s.add(Review(inspection_id=insp.id, reviewer_id=head, decision="approved", comment="同意公示。"))
        if status == "returned" and head:
            s.add(
                Review(
                    inspection_id=insp.id,
                    reviewer_id=head,
                    decision="returned",
                    comment="检查记录表缺少企业负责人签字，请补充后重新提交。",
                )
            )
        inspection_count += 1
        return insp

    publicity_items = ("企业年度报告公示信息的检查", "企业即时公示信息的检查")
    if active_companies and len(inspector_ids) >= 3:
        # 1. First batch: drawn in spring, inspected and published.
        t1 = new_task(
            3,
            f"{year}年度第一批企业公示信息随机抽查",
            "untargeted",
            "published",
            publicity_items,
            dt.date(year, 3, 16),
            target_count=min(30, len(active_companies)),
        )
        run, chosen = draw(t1, active_companies, t1.target_count or 0, dt.date(year, 3, 16))
        s.flush()
        for ent_id in chosen:
            completed_t1 = gen.date_between(dt.date(year, 4, 1), dt.date(year, 5, 20))
            insp = inspect(t1, run, ent_id, "published", completed_t1)
            due = due_date_in_session(s, completed_t1)
            announcement += 1
            published = min(due, completed_t1 + dt.timedelta(days=rng.randrange(3, 20)))
            s.add(
                PublicityRecord(
                    inspection_id=insp.id,
                    due_on=due,
                    published_on=published,
                    announcement_no=f"西市监高新公告〔{year}〕{announcement}号",
                    title=f"西安市市场监督管理局高新区分局{year}年度第{announcement:03d}号抽查任务检查结果公告",
                    status="published",
                    content={
                        "抽查计划编号": plan.plan_no,
                        "抽查计划名称": plan.name,
                        "抽查任务编号": t1.task_no,
                        "抽查任务名称": t1.name,
                        "抽查类型": "不定向",
                        "抽查机关": REGISTRATION_AUTHORITY["610131"],
                        "抽查完成日期": completed_t1.isoformat(),
                        "抽查结果": insp.result_text,
                    },
                )
            )
        # 2. Current batch: being inspected; results in every state, some awaiting publicity.
        k2 = min(max(40, len(active_companies) * 3 // 1000), 240, len(active_companies))
        start2 = today - dt.timedelta(days=75)
        t2 = new_task(
            12,
            f"{year}年度第四批企业公示信息随机抽查",
            "untargeted",
            "inspecting",
            publicity_items,
            start2,
            target_count=k2,
        )
        run, chosen = draw(t2, active_companies, k2, start2)
        mix = (("approved", 30), ("submitted", 15), ("returned", 6), ("in_progress", 19), ("pending", 30))
        for n_, ent_id in enumerate(chosen):
            status = rng.choices([m for m, _ in mix], [w for _, w in mix])[0]
            completed: dt.date | None = None
            if status in ("approved", "submitted", "returned"):
                completed = gen.date_between(start2 + dt.timedelta(days=10), today - dt.timedelta(days=1))
            first = zhifa_inspector if zhifa_inspector is not None and n_ % 12 == 0 else None
            inspect(t2, run, ent_id, status, completed, first)
        # 3. Food businesses: drawn, not started.
        if food and len(inspector_ids) >= 3:
            t3 = new_task(
                13,
                f"{year}年度餐饮服务单位食品安全定向抽查",
                "targeted",
                "drawn",
                ("餐饮服务单位证后监管",),
                today - dt.timedelta(days=6),
                conditions={"industry_section": ["H"], "status": ["存续"]},
                target_count=min(40, len(food)),
            )
            run, chosen = draw(t3, food, t3.target_count or 0, today - dt.timedelta(days=6))
            for n_, ent_id in enumerate(chosen):
                first = zhifa_inspector if zhifa_inspector is not None and n_ % 10 == 0 else None
                inspect(t3, run, ent_id, "pending", None, first)
    # 4. Drafts: special equipment (qualified inspectors only) and a joint draw with 教育局.
    new_task(
        14,
        f"{year}年度特种设备使用单位定向抽查",
        "targeted",
        "draft",
        ("特种设备使用单位监督检查",),
        today + dt.timedelta(days=10),
        conditions={"industry_section": ["K", "C"], "license": "特种设备使用登记证"},
        ratio_percent=Decimal("5"),
    )
    joint = new_task(
        15,
        f"{year}年度学校食堂食品安全部门联合抽查",
        "targeted",
        "draft",
        ("学校食堂食品安全情况的检查",),
        today + dt.timedelta(days=20),
        conditions={"industry_section": ["P", "H"]},
        ratio_percent=Decimal("30"),
    )
    if "JYJ" in dept:
        s.add(DrawTaskDepartment(task_id=joint.id, department_id=dept["JYJ"], inspectors_per_team=1))
    s.flush()
    return task_count, inspection_count


__all__ = [
    "ADMIN_PASSWORD",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoDataService",
    "DemoSummary",
    "generate_demo_data",
]
