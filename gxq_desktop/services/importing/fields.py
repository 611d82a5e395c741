"""What each record type's file may contain: target fields, their Chinese labels and header synonyms.

A :class:`RecordSpec` says which table a record type fills, which fields identify a row (its natural
key, used to find it again in the database and to spot duplicates in the file), and for every field
the column headers departments actually use (统一社会信用代码 / 社会信用代码 / 信用代码 …).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

from sqlalchemy import Table

from gxq_desktop.db import models as m
from gxq_desktop.db.base import Base
from gxq_desktop.domain.enums import (
    IMPORT_RECORD_TYPE_LABELS,
    EnterpriseStatus,
    ImportRecordType,
    InspectorStatus,
    ItemKind,
    ListKind,
    SubjectCategory,
)


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


class Kind(StrEnum):
    TEXT = "text"
    NAME = "name"  # an enterprise name: full-width brackets kept/made consistent
    DOCNO = "docno"  # document/licence numbers, phone numbers: half-width digits and letters
    USCC = "uscc"
    REG_NO = "reg_no"
    ORG_CODE = "org_code"
    DATE = "date"
    AMOUNT = "amount"
    INT = "int"
    YEAR = "year"
    BOOL = "bool"
    ENUM = "enum"
    LIST = "list"  # several values in one cell (资格: 特种设备安全监察员、药品检查员)
    DEPARTMENT = "department"  # a department named by its name, short name or code


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str  # model attribute, or a pseudo field handled by the writer (``qualifications``)
    label: str  # Chinese label shown in the mapping and the preview
    kind: Kind = Kind.TEXT
    synonyms: tuple[str, ...] = ()
    required: bool = False
    unit: str | None = None  # AMOUNT: 元 or 万元 (what the column stores)
    choices: tuple[tuple[str, str], ...] = ()  # ENUM: (what clerks write, stored value)
    max_length: int | None = None  # filled from the model's column length
    fill_down: bool = False  # published lists leave repeated group values blank below the first row
    lookup: bool = False  # identifies the enterprise a record belongs to (not stored on the record)

    @property
    def choice_map(self) -> dict[str, str]:
        return {normalize_header(k): v for k, v in self.choices}

    @property
    def allowed_text(self) -> str:
        seen: list[str] = []
        for _k, v in self.choices:
            if v not in seen:
                seen.append(v)
        return "、".join(seen)


@dataclass(frozen=True)
class RecordSpec:
    record_type: ImportRecordType
    model: type[Base]
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]  # natural key (beside enterprise_id for enterprise records)
    links_enterprise: bool = False  # rows name an existing enterprise (by USCC or 注册号)
    defaults: dict[str, object] = field(default_factory=dict)
    groups_rows: bool = False  # consecutive rows of one item are combined (published item lists)

    @property
    def label(self) -> str:
        return IMPORT_RECORD_TYPE_LABELS[self.record_type]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def required_missing(self, mapped: set[str]) -> list[str]:
        """Labels of required columns the mapping lacks (USCC or 注册号 counts as one)."""
        missing = [f.label for f in self.fields if f.required and f.name not in mapped]
        if (self.links_enterprise or self.record_type is ImportRecordType.ENTERPRISE) and not (
            {"uscc", "reg_no"} & mapped
        ):
            missing.insert(0, "统一社会信用代码（或注册号）")
        return missing


_PAREN_RE = re.compile(r"[（(][^（）()]*[）)]")
_NOISE = str.maketrans("", "", " \t\r\n\u3000\xa0*＊★※:：#＃")


def normalize_header(text: object) -> str:
    """What two headers must share to be the same: no spaces, marks, case or width differences."""
    s = unicodedata.normalize("NFKC", str(text or "")).translate(_NOISE).lower()
    return s.replace("(必填)", "").replace("(选填)", "").replace("(可选)", "")


def header_variants(text: object) -> list[str]:
    """The header as written, then without bracketed notes: 注册资本（万元） → 注册资本."""
    full = normalize_header(text)
    bare = _PAREN_RE.sub("", full) if "(" in full else full
    return [full] if bare == full or not bare else [full, bare]


def header_unit(text: object) -> str | None:
    """A unit written in a header, e.g. 罚款金额（万元） → 万元."""
    s = normalize_header(text)
    for unit in ("万元", "亿元", "元"):
        if f"({unit})" in s or s.endswith(unit) or f"单位:{unit}" in s or f"单位{unit}" in s:
            return unit
    return None


# --------------------------------------------------------------------------- shared field sets

USCC = FieldSpec(
    "uscc",
    "统一社会信用代码",
    Kind.USCC,
    (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一代码",
        "统一社会信用代码/注册号",
        "统一社会信用代码（注册号）",
        "统一社会信用代码或注册号",
        "主体身份代码",
        "uscc",
    ),
)
REG_NO = FieldSpec("reg_no", "注册号", Kind.REG_NO, ("注册号", "工商注册号", "营业执照注册号", "注册号码"))
ENTERPRISE_NAME_SYNONYMS = (
    "企业名称",
    "单位名称",
    "主体名称",
    "市场主体名称",
    "名称",
    "企业(单位)名称",
    "经营者名称",
    "个体工商户名称",
    "字号名称",
    "当事人名称",
    "当事人",
    "被执行人名称",
    "被执行人姓名/名称",
    "被执行人",
    "企业名字",
)


def _link_fields() -> tuple[FieldSpec, ...]:
    """Columns that name the enterprise a record belongs to."""
    return (
        USCC,
        REG_NO,
        FieldSpec("enterprise_name", "企业名称", Kind.NAME, ENTERPRISE_NAME_SYNONYMS, lookup=True),
    )


_STATUS_CHOICES = (
    ("存续", EnterpriseStatus.ACTIVE),
    ("在营", EnterpriseStatus.ACTIVE),
    ("开业", EnterpriseStatus.ACTIVE),
    ("在业", EnterpriseStatus.ACTIVE),
    ("在册", EnterpriseStatus.ACTIVE),
    ("正常", EnterpriseStatus.ACTIVE),
    ("存续(在营、开业、在册)", EnterpriseStatus.ACTIVE),
    ("在营(开业)企业", EnterpriseStatus.ACTIVE),
    ("在营(开业)", EnterpriseStatus.ACTIVE),
    ("吊销", EnterpriseStatus.REVOKED),
    ("吊销,未注销", EnterpriseStatus.REVOKED),
    ("吊销未注销", EnterpriseStatus.REVOKED),
    ("已吊销", EnterpriseStatus.REVOKED),
    ("注销", EnterpriseStatus.CANCELLED),
    ("已注销", EnterpriseStatus.CANCELLED),
    ("吊销,已注销", EnterpriseStatus.CANCELLED),
    ("迁出", EnterpriseStatus.MOVED_OUT),
    ("已迁出", EnterpriseStatus.MOVED_OUT),
    ("撤销", EnterpriseStatus.WITHDRAWN),
    ("已撤销", EnterpriseStatus.WITHDRAWN),
    ("撤销登记", EnterpriseStatus.WITHDRAWN),
)
_CATEGORY_CHOICES = (
    *((c.value, c.value) for c in SubjectCategory),
    ("个体", SubjectCategory.INDIVIDUAL.value),
    ("个体户", SubjectCategory.INDIVIDUAL.value),
    ("合作社", SubjectCategory.COOPERATIVE.value),
    ("农民专业合作社", SubjectCategory.COOPERATIVE.value),
    ("外国企业代表机构", SubjectCategory.FOREIGN_REP.value),
    ("公司", SubjectCategory.ENTERPRISE.value),
)
_INSPECTOR_STATUS = (
    ("在岗", InspectorStatus.ACTIVE),
    ("在职", InspectorStatus.ACTIVE),
    ("正常", InspectorStatus.ACTIVE),
    ("有效", InspectorStatus.ACTIVE),
    ("停用", InspectorStatus.INACTIVE),
    ("离岗", InspectorStatus.INACTIVE),
    ("调离", InspectorStatus.INACTIVE),
    ("退休", InspectorStatus.INACTIVE),
    ("注销", InspectorStatus.INACTIVE),
    ("无效", InspectorStatus.INACTIVE),
)
_ITEM_KINDS = (
    (ItemKind.GENERAL.value, ItemKind.GENERAL.value),
    (ItemKind.KEY.value, ItemKind.KEY.value),
    ("一般", ItemKind.GENERAL.value),
    ("一般事项", ItemKind.GENERAL.value),
    ("重点", ItemKind.KEY.value),
    ("重点事项", ItemKind.KEY.value),
)

ENTERPRISE_FIELDS = (
    USCC,
    REG_NO,
    FieldSpec("name", "企业名称", Kind.NAME, ENTERPRISE_NAME_SYNONYMS),
    FieldSpec("org_code", "组织机构代码", Kind.ORG_CODE, ("组织机构代码", "机构代码")),
    FieldSpec("former_names", "曾用名", Kind.TEXT, ("曾用名", "原名称", "曾用名称")),
    FieldSpec(
        "subject_category", "主体类别", Kind.ENUM, ("主体类别", "市场主体类别"), choices=_CATEGORY_CHOICES
    ),
    FieldSpec(
        "subject_type",
        "企业类型",
        Kind.TEXT,
        ("企业类型", "主体类型", "市场主体类型", "类型", "企业类型(组织形式)", "组成形式", "公司类型"),
    ),
    FieldSpec(
        "legal_rep",
        "法定代表人",
        Kind.TEXT,
        (
            "法定代表人",
            "法定代表人(负责人)",
            "法定代表人/负责人",
            "负责人",
            "经营者",
            "经营者姓名",
            "投资人",
            "法人",
            "法人代表",
            "执行事务合伙人",
            "法定代表人姓名",
        ),
    ),
    FieldSpec(
        "legal_rep_id_no",
        "法定代表人证件号码",
        Kind.DOCNO,
        ("法定代表人证件号码", "法定代表人身份证号", "身份证号码", "身份证号", "证件号码"),
    ),
    FieldSpec(
        "registered_capital",
        "注册资本（万元）",
        Kind.AMOUNT,
        ("注册资本", "注册资金", "出资额", "资金数额", "注册资本金"),
        unit="万元",
    ),
    FieldSpec(
        "established_on",
        "成立日期",
        Kind.DATE,
        ("成立日期", "注册日期", "成立时间", "核准设立日期", "登记日期", "开业日期", "设立日期"),
    ),
    FieldSpec(
        "status",
        "登记状态",
        Kind.ENUM,
        ("登记状态", "经营状态", "企业状态", "状态", "主体状态"),
        choices=_STATUS_CHOICES,
    ),
    FieldSpec(
        "address",
        "住所",
        Kind.TEXT,
        (
            "住所",
            "地址",
            "注册地址",
            "经营场所",
            "住所(经营场所)",
            "住所/经营场所",
            "企业地址",
            "经营地址",
            "注册地",
        ),
    ),
    FieldSpec("industry_section", "行业门类", Kind.TEXT, ("行业门类", "门类")),
    FieldSpec(
        "industry_code",
        "行业代码",
        Kind.DOCNO,
        ("行业代码", "国民经济行业代码", "行业分类代码", "国标行业代码", "行业大类代码"),
    ),
    FieldSpec("registration_authority", "登记机关", Kind.TEXT, ("登记机关", "登记机构", "发照机关")),
    FieldSpec("business_scope", "经营范围", Kind.TEXT, ("经营范围", "业务范围", "许可经营范围")),
    FieldSpec("contact_person", "联络人", Kind.TEXT, ("联络人", "联系人", "联络员")),
    FieldSpec(
        "contact_phone",
        "联系电话",
        Kind.DOCNO,
        ("联系电话", "联系方式", "电话", "手机", "手机号码", "联络电话", "联络人电话"),
    ),
    FieldSpec("is_small_micro", "小微企业", Kind.BOOL, ("是否小微企业", "小微企业")),
)


def _record(
    record_type: ImportRecordType,
    model: type[Base],
    fields: tuple[FieldSpec, ...],
    key: tuple[str, ...],
    **defaults: object,
) -> RecordSpec:
    return RecordSpec(record_type, model, _link_fields() + fields, key, True, dict(defaults))


_DECISION_AUTHORITY = ("作出决定机关", "决定机关", "作出处罚决定的机关", "处罚机关", "作出决定机关名称")
_LIST_FIELDS = (
    FieldSpec("list_name", "名单名称", Kind.TEXT, ("名单名称", "名单类别", "名单", "名单类型")),
    FieldSpec(
        "reason",
        "列入原因",
        Kind.TEXT,
        ("列入原因", "列入事由", "事由", "原因", "失信情形", "失信被执行人行为具体情形", "认定依据"),
    ),
    FieldSpec(
        "document_no",
        "文号",
        Kind.DOCNO,
        ("文号", "决定文书号", "认定文号", "执行依据文号", "案号", "文书号"),
    ),
    FieldSpec(
        "authority",
        "认定机关",
        Kind.TEXT,
        ("认定机关", "认定部门", "作出认定机关", "发布机关", "执行法院", "列入机关", "决定机关"),
    ),
    FieldSpec(
        "listed_on",
        "列入日期",
        Kind.DATE,
        ("列入日期", "认定日期", "发布日期", "发布时间", "立案时间", "立案日期", "列入时间"),
    ),
    FieldSpec("removed_on", "移出日期", Kind.DATE, ("移出日期", "退出日期", "移出时间", "撤销日期")),
)

SPECS: dict[ImportRecordType, RecordSpec] = {
    ImportRecordType.ENTERPRISE: RecordSpec(
        ImportRecordType.ENTERPRISE, m.Enterprise, ENTERPRISE_FIELDS, ("uscc",), False
    ),
    ImportRecordType.ABNORMAL: _record(
        ImportRecordType.ABNORMAL,
        m.AbnormalListing,
        (
            FieldSpec("reason_code", "列入原因代码", Kind.DOCNO, ("列入原因代码", "原因代码")),
            FieldSpec(
                "list_reason",
                "列入原因",
                Kind.TEXT,
                ("列入原因", "列入经营异常名录原因", "列入异常原因", "列入事由", "列入经营异常名录原因类型"),
                required=True,
            ),
            FieldSpec(
                "listed_on",
                "列入日期",
                Kind.DATE,
                ("列入日期", "列入时间", "列入经营异常名录日期", "作出决定日期"),
                required=True,
            ),
            FieldSpec(
                "listing_authority",
                "作出决定机关",
                Kind.TEXT,
                ("作出决定机关", "列入决定机关", "作出决定机关(列入)", "列入机关", "决定机关"),
            ),
            FieldSpec("decision_no", "决定书文号", Kind.DOCNO, ("决定书文号", "列入决定书文号", "文号")),
            FieldSpec(
                "removal_reason", "移出原因", Kind.TEXT, ("移出原因", "移出经营异常名录原因", "移出事由")
            ),
            FieldSpec("removed_on", "移出日期", Kind.DATE, ("移出日期", "移出时间")),
            FieldSpec(
                "removal_authority",
                "移出机关",
                Kind.TEXT,
                ("移出机关", "作出移出决定机关", "移出决定机关", "作出决定机关(移出)"),
            ),
        ),
        ("listed_on", "list_reason"),
    ),
    ImportRecordType.SERIOUS_VIOLATION: _record(
        ImportRecordType.SERIOUS_VIOLATION,
        m.SeriousViolation,
        (
            FieldSpec(
                "reason",
                "列入原因",
                Kind.TEXT,
                ("列入原因", "列入严重违法失信名单原因", "失信原因", "违法失信行为", "列入事由"),
                required=True,
            ),
            FieldSpec("listed_on", "列入日期", Kind.DATE, ("列入日期", "列入时间"), required=True),
            FieldSpec("decision_authority", "作出决定机关", Kind.TEXT, (*_DECISION_AUTHORITY, "列入机关")),
            FieldSpec("decision_no", "决定书文号", Kind.DOCNO, ("决定书文号", "文号", "列入决定书文号")),
            FieldSpec(
                "planned_removal_on", "预计移出日期", Kind.DATE, ("预计移出日期", "拟移出日期", "期满日期")
            ),
            FieldSpec("removed_on", "移出日期", Kind.DATE, ("移出日期", "移出时间")),
            FieldSpec("removal_reason", "移出原因", Kind.TEXT, ("移出原因", "移出事由")),
        ),
        ("listed_on",),
    ),
    ImportRecordType.PENALTY: _record(
        ImportRecordType.PENALTY,
        m.Penalty,
        (
            FieldSpec(
                "decision_no",
                "决定书文号",
                Kind.DOCNO,
                ("决定书文号", "行政处罚决定书文号", "处罚决定书文号", "处罚文号", "文书号", "文号"),
                required=True,
            ),
            FieldSpec("violation_type", "违法行为类型", Kind.TEXT, ("违法行为类型", "违法类型", "案由")),
            FieldSpec(
                "penalty_content",
                "处罚内容",
                Kind.TEXT,
                ("处罚内容", "行政处罚内容", "处罚结果", "处罚种类", "处罚决定内容"),
            ),
            FieldSpec(
                "fine_amount",
                "罚款金额（元）",
                Kind.AMOUNT,
                ("罚款金额", "罚没金额", "罚没款金额", "金额", "罚款数额", "罚款"),
                unit="元",
            ),
            FieldSpec("decision_authority", "决定机关", Kind.TEXT, _DECISION_AUTHORITY),
            FieldSpec(
                "decided_on",
                "处罚决定日期",
                Kind.DATE,
                ("处罚决定日期", "决定日期", "作出处罚决定日期", "处罚日期", "作出决定日期"),
            ),
            FieldSpec("published_on", "公示日期", Kind.DATE, ("公示日期", "公示时间")),
        ),
        ("decision_no",),
    ),
    ImportRecordType.COMPLAINT: _record(
        ImportRecordType.COMPLAINT,
        m.Complaint,
        (
            FieldSpec(
                "complaint_no", "投诉编号", Kind.DOCNO, ("投诉编号", "登记编号", "工单号", "编号", "投诉单号")
            ),
            FieldSpec(
                "received_on",
                "登记日期",
                Kind.DATE,
                ("登记日期", "投诉日期", "受理日期", "接收日期", "投诉时间", "登记时间"),
                required=True,
            ),
            FieldSpec("channel", "投诉渠道", Kind.TEXT, ("投诉渠道", "来源", "渠道", "投诉来源")),
            FieldSpec("category", "投诉类别", Kind.TEXT, ("投诉类别", "类别", "问题类别", "诉求类型")),
            FieldSpec("content", "投诉内容", Kind.TEXT, ("投诉内容", "内容", "诉求内容", "问题描述")),
            FieldSpec("status", "处理状态", Kind.TEXT, ("处理状态", "办理状态", "状态")),
            FieldSpec("handled_on", "办结日期", Kind.DATE, ("办结日期", "处理日期", "办理日期", "办结时间")),
            FieldSpec("result", "处理结果", Kind.TEXT, ("处理结果", "办理结果", "处理意见")),
        ),
        ("complaint_no", "received_on"),
    ),
    ImportRecordType.RED_LIST: _record(
        ImportRecordType.RED_LIST,
        m.ListEntry,
        _LIST_FIELDS,
        ("kind", "list_name", "listed_on"),
        kind=ListKind.RED.value,
        list_name="红名单",
    ),
    ImportRecordType.BLACK_LIST: _record(
        ImportRecordType.BLACK_LIST,
        m.ListEntry,
        _LIST_FIELDS,
        ("kind", "list_name", "listed_on"),
        kind=ListKind.BLACK.value,
        list_name="黑名单",
    ),
    ImportRecordType.JUDGMENT_DEBTOR: _record(
        ImportRecordType.JUDGMENT_DEBTOR,
        m.ListEntry,
        _LIST_FIELDS,
        ("kind", "document_no", "listed_on"),
        kind=ListKind.JUDGMENT_DEBTOR.value,
        list_name="失信被执行人",
    ),
    ImportRecordType.SMALL_MICRO: RecordSpec(
        ImportRecordType.SMALL_MICRO, m.Enterprise, _link_fields(), (), True
    ),
    ImportRecordType.LICENSE: _record(
        ImportRecordType.LICENSE,
        m.License,
        (
            FieldSpec(
                "license_no",
                "许可文件编号",
                Kind.DOCNO,
                ("许可文件编号", "许可证编号", "许可证号", "证书编号", "许可编号", "许可决定书文号"),
                required=True,
            ),
            FieldSpec(
                "name",
                "许可文件名称",
                Kind.TEXT,
                ("许可文件名称", "许可证名称", "许可名称", "许可事项", "证书名称", "许可项目"),
                required=True,
            ),
            FieldSpec(
                "valid_from",
                "有效期自",
                Kind.DATE,
                ("有效期自", "有效期起", "有效期开始日期", "发证日期", "许可日期", "有效期起始日期"),
            ),
            FieldSpec(
                "valid_until",
                "有效期至",
                Kind.DATE,
                ("有效期至", "有效期止", "有效期截止日期", "到期日期", "有效期截至", "有效期结束日期"),
            ),
            FieldSpec("authority", "许可机关", Kind.TEXT, ("许可机关", "发证机关", "审批机关", "许可部门")),
            FieldSpec("content", "许可内容", Kind.TEXT, ("许可内容", "许可范围", "经营项目")),
            FieldSpec("status", "状态", Kind.TEXT, ("状态", "许可状态", "证照状态")),
        ),
        ("license_no",),
    ),
    ImportRecordType.ANNUAL_REPORT: _record(
        ImportRecordType.ANNUAL_REPORT,
        m.AnnualReport,
        (
            FieldSpec("year", "年度", Kind.YEAR, ("年度", "报告年度", "年报年度", "年份"), required=True),
            FieldSpec(
                "submitted_on",
                "报送日期",
                Kind.DATE,
                ("报送日期", "提交日期", "填报日期", "公示日期", "报送时间"),
            ),
            FieldSpec("is_on_time", "是否按时报送", Kind.BOOL, ("是否按时报送", "按时报送", "是否按时")),
            FieldSpec("employees", "从业人数", Kind.INT, ("从业人数", "从业人员", "从业人员数", "员工人数")),
            FieldSpec("status", "年报状态", Kind.TEXT, ("年报状态", "状态", "公示状态")),
        ),
        ("year",),
    ),
    ImportRecordType.COMMITMENT: _record(
        ImportRecordType.COMMITMENT,
        m.Commitment,
        (
            FieldSpec(
                "commitment_type",
                "承诺类型",
                Kind.TEXT,
                ("承诺类型", "承诺事项", "承诺类别", "承诺名称"),
                required=True,
            ),
            FieldSpec("content", "承诺内容", Kind.TEXT, ("承诺内容", "内容")),
            FieldSpec("committed_on", "承诺日期", Kind.DATE, ("承诺日期", "承诺时间", "签署日期")),
            FieldSpec("due_on", "履约期限", Kind.DATE, ("履约期限", "承诺期限", "到期日期", "履诺期限")),
            FieldSpec("fulfilled", "是否履约", Kind.BOOL, ("是否履约", "履约情况", "是否履诺")),
            FieldSpec("verified_on", "核查日期", Kind.DATE, ("核查日期", "核实日期", "核查时间")),
        ),
        ("commitment_type", "committed_on"),
    ),
    ImportRecordType.PARTY: _record(
        ImportRecordType.PARTY,
        m.PartyOrganization,
        (
            FieldSpec(
                "org_name",
                "党组织名称",
                Kind.TEXT,
                ("党组织名称", "党组织全称", "组织名称", "党组织"),
                required=True,
            ),
            FieldSpec(
                "org_type", "党组织类型", Kind.TEXT, ("党组织类型", "组织类型", "组织类别", "党组织类别")
            ),
            FieldSpec("member_count", "党员人数", Kind.INT, ("党员人数", "党员数", "党员数量")),
            FieldSpec("secretary", "党组织书记", Kind.TEXT, ("党组织书记", "书记", "书记姓名")),
            FieldSpec(
                "established_on", "建立日期", Kind.DATE, ("建立日期", "成立日期", "组建日期", "成立时间")
            ),
        ),
        ("org_name",),
    ),
    ImportRecordType.INSPECTOR: RecordSpec(
        ImportRecordType.INSPECTOR,
        m.Inspector,
        (
            FieldSpec(
                "name", "姓名", Kind.TEXT, ("姓名", "执法人员姓名", "检查人员姓名", "人员姓名"), required=True
            ),
            FieldSpec(
                "certificate_no",
                "执法证号",
                Kind.DOCNO,
                ("执法证号", "执法证件号", "执法证件号码", "执法证编号", "执法证号码", "证件号", "执法证"),
                required=True,
            ),
            FieldSpec(
                "certificate_valid_until",
                "执法证有效期至",
                Kind.DATE,
                ("执法证有效期至", "有效期至", "执法证有效期", "证件有效期", "有效期"),
            ),
            FieldSpec(
                "department_id",
                "所属部门",
                Kind.DEPARTMENT,
                ("所属部门", "所在部门", "部门", "单位", "所在单位", "执法单位"),
            ),
            FieldSpec(
                "enforcement_fields", "执法领域", Kind.TEXT, ("执法领域", "执法类别", "执法门类", "执法范围")
            ),
            FieldSpec("phone", "联系电话", Kind.DOCNO, ("联系电话", "电话", "手机号码", "手机")),
            FieldSpec(
                "status", "状态", Kind.ENUM, ("状态", "在岗状态", "人员状态"), choices=_INSPECTOR_STATUS
            ),
            FieldSpec(
                "qualifications",
                "资格",
                Kind.LIST,
                ("资格", "执法资格", "专业资格", "检查资格", "资质", "资格证书"),
            ),
        ),
        ("certificate_no",),
    ),
    ImportRecordType.INSPECTION_ITEM: RecordSpec(
        ImportRecordType.INSPECTION_ITEM,
        m.InspectionItem,
        (
            FieldSpec("seq", "序号", Kind.INT, ("序号", "编号", "事项编号")),
            FieldSpec(
                "category",
                "抽查类别",
                Kind.TEXT,
                ("抽查类别", "检查类别", "抽查事项类别", "类别"),
                required=True,
                fill_down=True,
            ),
            FieldSpec(
                "name",
                "抽查事项",
                Kind.TEXT,
                ("抽查事项", "抽查事项名称", "检查事项", "事项名称", "抽查内容"),
                required=True,
            ),
            FieldSpec("object_desc", "检查对象", Kind.TEXT, ("检查对象", "抽查对象"), fill_down=True),
            FieldSpec(
                "item_kind",
                "事项类别",
                Kind.ENUM,
                ("事项类别", "事项类型", "检查事项类别"),
                choices=_ITEM_KINDS,
                fill_down=True,
            ),
            FieldSpec("check_method", "检查方式", Kind.TEXT, ("检查方式", "抽查方式"), fill_down=True),
            FieldSpec(
                "subject",
                "检查主体",
                Kind.TEXT,
                ("检查主体", "实施主体", "抽查主体", "执法主体"),
                fill_down=True,
            ),
            FieldSpec(
                "legal_basis", "检查依据", Kind.TEXT, ("检查依据", "抽查依据", "法律依据", "依据", "设定依据")
            ),
            FieldSpec("remark", "备注", Kind.TEXT, ("备注", "说明")),
            FieldSpec("ratio", "抽查比例", Kind.TEXT, ("抽查比例", "比例")),
            FieldSpec("frequency", "抽查频次", Kind.TEXT, ("抽查频次", "频次", "检查频次")),
            FieldSpec("staff_requirement", "人员要求", Kind.TEXT, ("人员要求", "检查人员要求")),
        ),
        ("category", "name"),
        groups_rows=True,
    ),
}


def _with_lengths(spec: RecordSpec) -> RecordSpec:
    """Take each text field's maximum length from the model, so PostgreSQL never truncates or fails."""
    table = table_of(spec.model)
    fields = []
    for f in spec.fields:
        col = table.c.get(f.name if not f.lookup else "name")
        length = getattr(getattr(col, "type", None), "length", None) if col is not None else None
        if (
            f.lookup
            or f.name in ("uscc", "reg_no")
            or f.kind in (Kind.DATE, Kind.INT, Kind.YEAR, Kind.BOOL, Kind.AMOUNT)
        ):
            length = None
        fields.append(
            FieldSpec(
                f.name,
                f.label,
                f.kind,
                f.synonyms,
                f.required,
                f.unit,
                f.choices,
                length if isinstance(length, int) else None,
                f.fill_down,
                f.lookup,
            )
        )
    return RecordSpec(
        spec.record_type,
        spec.model,
        tuple(fields),
        spec.key,
        spec.links_enterprise,
        spec.defaults,
        spec.groups_rows,
    )


SPECS = {k: _with_lengths(v) for k, v in SPECS.items()}


def spec_for(record_type: ImportRecordType | str) -> RecordSpec:
    return SPECS[ImportRecordType(record_type)]


def parse_record_type(text: str) -> ImportRecordType:
    """A record type from its code (``penalty``) or its Chinese label (``行政处罚``)."""
    t = text.strip()
    for rt in ImportRecordType:
        if t in (rt.value, IMPORT_RECORD_TYPE_LABELS[rt]):
            return rt
    for rt in ImportRecordType:
        if t and t in IMPORT_RECORD_TYPE_LABELS[rt]:
            return rt
    raise ValueError(t)


def synonym_index(spec: RecordSpec) -> dict[str, str]:
    """normalised header → field name (first field wins when two share a synonym)."""
    index: dict[str, str] = {}
    for f in spec.fields:
        for text in (f.label, *f.synonyms):
            for variant in header_variants(text):
                index.setdefault(variant, f.name)
    return index
