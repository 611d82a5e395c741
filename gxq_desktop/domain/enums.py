"""Enumerated values stored in the database, with their Chinese labels."""

from __future__ import annotations

from enum import StrEnum


class SubjectCategory(StrEnum):
    ENTERPRISE = "企业"
    INDIVIDUAL = "个体工商户"
    COOPERATIVE = "农民专业合作社"
    FOREIGN_REP = "外国企业常驻代表机构"


SUBJECT_TYPES: dict[SubjectCategory, tuple[str, ...]] = {
    SubjectCategory.ENTERPRISE: (
        "有限责任公司",
        "股份有限公司",
        "分公司",
        "个人独资企业",
        "合伙企业",
        "外商投资企业",
        "全民所有制企业",
    ),
    SubjectCategory.INDIVIDUAL: ("个体工商户",),
    SubjectCategory.COOPERATIVE: ("农民专业合作社",),
    SubjectCategory.FOREIGN_REP: ("外国企业常驻代表机构",),
}


class EnterpriseStatus(StrEnum):
    ACTIVE = "存续"  # 在营、开业、在册
    REVOKED = "吊销"
    CANCELLED = "注销"
    MOVED_OUT = "迁出"
    WITHDRAWN = "撤销"


class RiskClass(StrEnum):
    A = "A"  # 信用风险低
    B = "B"  # 一般
    C = "C"  # 较高
    D = "D"  # 高


RISK_CLASS_LABELS = {
    RiskClass.A: "信用风险低",
    RiskClass.B: "信用风险一般",
    RiskClass.C: "信用风险较高",
    RiskClass.D: "信用风险高",
}


class ListKind(StrEnum):
    RED = "red"
    BLACK = "black"
    JUDGMENT_DEBTOR = "judgment_debtor"


LIST_KIND_LABELS = {
    ListKind.RED: "红名单",
    ListKind.BLACK: "黑名单",
    ListKind.JUDGMENT_DEBTOR: "失信被执行人",
}


class TaskType(StrEnum):
    TARGETED = "targeted"  # 定向
    UNTARGETED = "untargeted"  # 不定向


TASK_TYPE_LABELS = {TaskType.TARGETED: "定向抽查", TaskType.UNTARGETED: "不定向抽查"}


class TaskStatus(StrEnum):
    DRAFT = "draft"
    DRAWN = "drawn"
    INSPECTING = "inspecting"
    REVIEWING = "reviewing"
    PUBLISHED = "published"
    CLOSED = "closed"


TASK_STATUS_LABELS = {
    TaskStatus.DRAFT: "草稿",
    TaskStatus.DRAWN: "已抽取",
    TaskStatus.INSPECTING: "检查中",
    TaskStatus.REVIEWING: "审核中",
    TaskStatus.PUBLISHED: "已公示",
    TaskStatus.CLOSED: "已结束",
}
OPEN_TASK_STATUSES = (TaskStatus.DRAFT, TaskStatus.DRAWN, TaskStatus.INSPECTING, TaskStatus.REVIEWING)


class InspectionStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    VOID = "void"


INSPECTION_STATUS_LABELS = {
    InspectionStatus.PENDING: "待检查",
    InspectionStatus.IN_PROGRESS: "检查中",
    InspectionStatus.SUBMITTED: "待审核",
    InspectionStatus.RETURNED: "已退回",
    InspectionStatus.APPROVED: "待公示",
    InspectionStatus.PUBLISHED: "已公示",
    InspectionStatus.VOID: "已作废",
}


class InspectorStatus(StrEnum):
    ACTIVE = "在岗"
    INACTIVE = "停用"


class ItemKind(StrEnum):
    GENERAL = "一般检查事项"
    KEY = "重点检查事项"


class ImportRecordType(StrEnum):
    ENTERPRISE = "enterprise"
    ABNORMAL = "abnormal"
    SERIOUS_VIOLATION = "serious_violation"
    PENALTY = "penalty"
    COMPLAINT = "complaint"
    RED_LIST = "red_list"
    BLACK_LIST = "black_list"
    JUDGMENT_DEBTOR = "judgment_debtor"
    SMALL_MICRO = "small_micro"
    LICENSE = "license"
    ANNUAL_REPORT = "annual_report"
    COMMITMENT = "commitment"
    PARTY = "party"
    INSPECTOR = "inspector"
    INSPECTION_ITEM = "inspection_item"


IMPORT_RECORD_TYPE_LABELS = {
    ImportRecordType.ENTERPRISE: "市场主体登记信息",
    ImportRecordType.ABNORMAL: "经营异常名录",
    ImportRecordType.SERIOUS_VIOLATION: "严重违法失信名单",
    ImportRecordType.PENALTY: "行政处罚",
    ImportRecordType.COMPLAINT: "消费者投诉",
    ImportRecordType.RED_LIST: "红名单",
    ImportRecordType.BLACK_LIST: "黑名单",
    ImportRecordType.JUDGMENT_DEBTOR: "失信被执行人",
    ImportRecordType.SMALL_MICRO: "小微企业名录",
    ImportRecordType.LICENSE: "行政许可",
    ImportRecordType.ANNUAL_REPORT: "年度报告",
    ImportRecordType.COMMITMENT: "信用承诺",
    ImportRecordType.PARTY: "非公党建",
    ImportRecordType.INSPECTOR: "执法检查人员",
    ImportRecordType.INSPECTION_ITEM: "随机抽查事项清单",
}
