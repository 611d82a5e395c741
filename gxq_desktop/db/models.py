"""The whole domain as SQLAlchemy 2 typed ORM classes.

Names follow ``domain/GLOSSARY.md`` (Enterprise, AbnormalListing, DrawTask …). Enumerated values are
stored as short strings; their allowed values and Chinese labels live in :mod:`gxq_desktop.domain.enums`.
Every regulated record mixes in :class:`Audited` (who/when created and changed, optimistic version).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .base import Audited, Base, Imported, utcnow

# --------------------------------------------------------------------------- people and access


class Department(Base):
    """One of the ~22 government departments that hold records (市场监管局, 税务局 …)."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # domain.roles.Role
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared

    department: Mapped[Department | None] = relationship()
    __table_args__ = (CheckConstraint("role IN ('admin','section_head','inspector','clerk')", name="role"),)


class AuditEvent(Base):
    """Who did what, when (审计日志). Written in the same transaction as the change it describes."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)


class AppSetting(Base):
    """Office-wide settings kept in the database (shared by all workstations)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- data collection


class ImportBatch(Base):
    """One import of one file (数据归集): what, from whom, by whom, and the counts."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running/done/failed/undone
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted_rows: Mapped[int] = mapped_column(Integer, default=0)
    updated_rows: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    warning_rows: Mapped[int] = mapped_column(Integer, default=0)
    column_mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    undone_at: Mapped[dt.datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ImportChange(Base):
    """What a batch changed in an existing row, so that undo can put the old values back."""

    __tablename__ = "import_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))  # insert / update
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ImportTemplate(Base):
    """A clerk's corrected column mapping, saved per department and record type."""

    __tablename__ = "import_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    record_type: Mapped[str] = mapped_column(String(32))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    __table_args__ = (UniqueConstraint("department_id", "record_type", name="uq_import_templates_dept_type"),)


# --------------------------------------------------------------------------- market entities


class Enterprise(Audited, Imported, Base):
    """A registered market entity (企业, 个体工商户, 农民专业合作社, 外国企业常驻代表机构)."""

    __tablename__ = "enterprises"
    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    reg_no: Mapped[str | None] = mapped_column(String(15), index=True)  # 注册号 (older 15-digit number)
    org_code: Mapped[str | None] = mapped_column(String(9), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    former_names: Mapped[str | None] = mapped_column(Text)  # "；"-separated, oldest first
    subject_category: Mapped[str] = mapped_column(String(16))  # domain.enums.SubjectCategory
    subject_type: Mapped[str | None] = mapped_column(String(40))  # 有限责任公司, 股份有限公司 …
    legal_rep: Mapped[str | None] = mapped_column(String(64), index=True)
    legal_rep_id_no: Mapped[str | None] = mapped_column(String(32))  # personal data: masked by role
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))  # 万元
    established_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="存续", index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    industry_section: Mapped[str | None] = mapped_column(String(1), index=True)  # GB/T 4754 门类
    industry_code: Mapped[str | None] = mapped_column(String(4))  # GB/T 4754 大类 (2 digits) or finer
    registration_authority: Mapped[str | None] = mapped_column(String(100))
    business_scope: Mapped[str | None] = mapped_column(Text)
    contact_person: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    is_small_micro: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_class: Mapped[str | None] = mapped_column(String(1))  # internal A/B/C/D, never published
    supervising_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # Derived search columns, maintained by services.search_text (pinyin of name, initials).
    name_pinyin: Mapped[str | None] = mapped_column(String(600))
    name_initials: Mapped[str | None] = mapped_column(String(200), index=True)
    __table_args__ = (
        CheckConstraint("risk_class IS NULL OR risk_class IN ('A','B','C','D')", name="risk_class"),
    )


class _EnterpriseRecord(Audited, Imported):
    """Columns every department record about an enterprise has: the enterprise and the source."""

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def enterprise_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("departments.id"), nullable=True)


class AbnormalListing(_EnterpriseRecord, Base):
    """经营异常名录: listing and (later) removal."""

    __tablename__ = "abnormal_listings"
    reason_code: Mapped[str | None] = mapped_column(String(8))
    list_reason: Mapped[str] = mapped_column(Text)
    listed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    listing_authority: Mapped[str | None] = mapped_column(String(100))
    decision_no: Mapped[str | None] = mapped_column(String(100))
    removal_reason: Mapped[str | None] = mapped_column(Text)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_authority: Mapped[str | None] = mapped_column(String(100))


class SeriousViolation(_EnterpriseRecord, Base):
    """严重违法失信名单 entry (normally 3 years; early removal after ≥1 year)."""

    __tablename__ = "serious_violations"
    reason: Mapped[str] = mapped_column(Text)
    listed_on: Mapped[dt.date] = mapped_column(Date)
    decision_authority: Mapped[str | None] = mapped_column(String(100))
    decision_no: Mapped[str | None] = mapped_column(String(100))
    planned_removal_on: Mapped[dt.date | None] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(Text)


class Penalty(_EnterpriseRecord, Base):
    """行政处罚 decision."""

    __tablename__ = "penalties"
    decision_no: Mapped[str] = mapped_column(String(100), index=True)
    violation_type: Mapped[str | None] = mapped_column(String(200))
    penalty_content: Mapped[str | None] = mapped_column(Text)
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # 元
    decision_authority: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    repair_eligible_on: Mapped[dt.date | None] = mapped_column(Date)  # 信用修复: after 6 months/1 year


class Complaint(_EnterpriseRecord, Base):
    """消费者投诉 about an enterprise."""

    __tablename__ = "complaints"
    complaint_no: Mapped[str | None] = mapped_column(String(64), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(32))  # 12315热线, 网络平台 …
    category: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="处理中")
    handled_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(Text)


class ListEntry(_EnterpriseRecord, Base):
    """红名单 / 黑名单 / 失信被执行人 and other named lists."""

    __tablename__ = "list_entries"
    kind: Mapped[str] = mapped_column(String(24), index=True)  # red / black / judgment_debtor
    list_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    document_no: Mapped[str | None] = mapped_column(String(100))
    authority: Mapped[str | None] = mapped_column(String(100))
    listed_on: Mapped[dt.date | None] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_list_entries_enterprise_kind", "enterprise_id", "kind"),)


class License(_EnterpriseRecord, Base):
    """行政许可 with validity dates (有效期至 drives expiry reminders)."""

    __tablename__ = "licenses"
    license_no: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, index=True)
    authority: Mapped[str | None] = mapped_column(String(100))
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="有效")


class AnnualReport(_EnterpriseRecord, Base):
    """年度报告 for one year."""

    __tablename__ = "annual_reports"
    year: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    is_on_time: Mapped[bool | None] = mapped_column(Boolean)
    employees: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="已公示")
    __table_args__ = (UniqueConstraint("enterprise_id", "year", name="uq_annual_reports_enterprise_year"),)


class Commitment(_EnterpriseRecord, Base):
    """信用承诺 an enterprise made, and whether it was kept."""

    __tablename__ = "commitments"
    commitment_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    committed_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    fulfilled: Mapped[bool | None] = mapped_column(Boolean)
    verified_on: Mapped[dt.date | None] = mapped_column(Date)


class PartyOrganization(_EnterpriseRecord, Base):
    """非公党建: a party organisation in a non-public enterprise."""

    __tablename__ = "party_organizations"
    org_name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[str | None] = mapped_column(String(32))  # 党委 / 党总支 / 党支部 / 联合党支部
    member_count: Mapped[int | None] = mapped_column(Integer)
    secretary: Mapped[str | None] = mapped_column(String(64))
    established_on: Mapped[dt.date | None] = mapped_column(Date)


# --------------------------------------------------------------------------- legal library and items


class Law(Base):
    """A law or regulation version in the offline legal library (法律法规库)."""

    __tablename__ = "laws"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)  # 中华人民共和国行政处罚法
    short_title: Mapped[str] = mapped_column(String(100), index=True)  # 行政处罚法
    history: Mapped[str | None] = mapped_column(Text)  # adoption / amendment lines
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    superseded_on: Mapped[dt.date | None] = mapped_column(Date)
    source_file: Mapped[str | None] = mapped_column(String(200))
    articles: Mapped[list[LawArticle]] = relationship(
        back_populates="law", order_by="LawArticle.number", cascade="all, delete-orphan"
    )
    __table_args__ = (UniqueConstraint("short_title", "effective_on", name="uq_laws_title_effective"),)


class LawArticle(Base):
    __tablename__ = "law_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("laws.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 42
    label: Mapped[str] = mapped_column(String(20))  # 第四十二条
    chapter: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    law: Mapped[Law] = relationship(back_populates="articles")
    __table_args__ = (UniqueConstraint("law_id", "number", name="uq_law_articles_law_number"),)


class InspectionItem(Audited, Imported, Base):
    """随机抽查事项清单 row (一单): nothing outside the list may be inspected."""

    __tablename__ = "inspection_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100))  # 抽查类别
    name: Mapped[str] = mapped_column(String(300))  # 抽查事项
    object_desc: Mapped[str | None] = mapped_column(Text)  # 检查对象
    item_kind: Mapped[str] = mapped_column(String(16), default="一般检查事项")  # 事项类别
    check_method: Mapped[str | None] = mapped_column(String(100))  # 检查方式
    subject: Mapped[str | None] = mapped_column(String(200))  # 检查主体
    legal_basis: Mapped[str | None] = mapped_column(Text)  # 检查依据 as published
    remark: Mapped[str | None] = mapped_column(Text)
    ratio: Mapped[str | None] = mapped_column(String(64))
    frequency: Mapped[str | None] = mapped_column(String(64))
    staff_requirement: Mapped[str | None] = mapped_column(String(200))
    required_qualification: Mapped[str | None] = mapped_column(String(64))  # 特种设备安全监察员 …
    era: Mapped[str | None] = mapped_column(String(64))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    references: Mapped[list[LegalReference]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="LegalReference.position"
    )


class LegalReference(Base):
    """One structured citation of an item's legal basis; unresolved ones keep their text, flagged."""

    __tablename__ = "legal_references"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    law_title: Mapped[str] = mapped_column(String(200))  # as cited
    article_label: Mapped[str | None] = mapped_column(String(60))  # 第三十七条第一款
    article_number: Mapped[int | None] = mapped_column(Integer)
    law_id: Mapped[int | None] = mapped_column(ForeignKey("laws.id", ondelete="SET NULL"))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    raw_text: Mapped[str] = mapped_column(Text)
    item: Mapped[InspectionItem] = relationship(back_populates="references")


# --------------------------------------------------------------------------- inspectors


class Inspector(Audited, Imported, Base):
    """执法检查人员名录库 entry; inactive people are never drawn."""

    __tablename__ = "inspectors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    certificate_no: Mapped[str] = mapped_column(String(64), unique=True)
    certificate_valid_until: Mapped[dt.date | None] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    enforcement_fields: Mapped[str | None] = mapped_column(String(200))  # 执法领域
    phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="在岗")  # 在岗 / 停用
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    qualifications: Mapped[list[InspectorQualification]] = relationship(
        back_populates="inspector", cascade="all, delete-orphan"
    )


class InspectorQualification(Base):
    __tablename__ = "inspector_qualifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id", ondelete="CASCADE"), index=True)
    qualification: Mapped[str] = mapped_column(String(64))  # 特种设备安全监察员, 药品检查员 …
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    inspector: Mapped[Inspector] = relationship(back_populates="qualifications")
    __table_args__ = (
        UniqueConstraint("inspector_id", "qualification", name="uq_inspector_qualifications_pair"),
    )


class Recusal(Audited, Base):
    """回避: a declared conflict between an inspector and an enterprise."""

    __tablename__ = "recusals"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


# --------------------------------------------------------------------------- drawing


class DrawRules(Audited, Base):
    """抽查工作细则: ratios, frequencies, caps (one细则 per department, versioned by the audit trail)."""

    __tablename__ = "draw_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    default_ratio_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("5"))
    min_inspectors: Mapped[int] = mapped_column(Integer, default=2)
    repeat_exclusion_months: Mapped[int] = mapped_column(Integer, default=12)
    annual_cap_per_enterprise: Mapped[int] = mapped_column(Integer, default=2)
    risk_ratio_percent: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"A": 1, "B": 2, …}
    publicity_working_days: Mapped[int] = mapped_column(Integer, default=20)
    text: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class DrawPlan(Audited, Base):
    """年度抽查计划."""

    __tablename__ = "draw_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    plan_no: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft / active / closed
    tasks: Mapped[list[DrawTask]] = relationship(back_populates="plan")


class DrawTask(Audited, Base):
    """抽查任务: one batch with its items, pool conditions, ratio and departments."""

    __tablename__ = "draw_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("draw_plans.id"), index=True)
    task_no: Mapped[str] = mapped_column(String(100), unique=True)  # 西高新市监抽查〔2026〕12号
    name: Mapped[str] = mapped_column(String(200))
    task_type: Mapped[str] = mapped_column(String(16), default="untargeted")  # targeted / untargeted
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    rules_id: Mapped[int | None] = mapped_column(ForeignKey("draw_rules.id"))
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # targeted-draw filters
    ratio_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    target_count: Mapped[int | None] = mapped_column(Integer)
    inspectors_per_team: Mapped[int] = mapped_column(Integer, default=2)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # draft / drawn / inspecting / reviewing / published / closed
    plan: Mapped[DrawPlan | None] = relationship(back_populates="tasks")
    items: Mapped[list[DrawTaskItem]] = relationship(cascade="all, delete-orphan")
    departments: Mapped[list[DrawTaskDepartment]] = relationship(cascade="all, delete-orphan")


class DrawTaskItem(Base):
    __tablename__ = "draw_task_items"
    task_id: Mapped[int] = mapped_column(ForeignKey("draw_tasks.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"), primary_key=True)


class DrawTaskDepartment(Base):
    """配合部门 of a joint draw, with the number of inspectors each contributes per team."""

    __tablename__ = "draw_task_departments"
    task_id: Mapped[int] = mapped_column(ForeignKey("draw_tasks.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    inspectors_per_team: Mapped[int] = mapped_column(Integer, default=1)


class DrawRun(Audited, Base):
    """One execution of a draw (抽取/摇号). A re-draw is a new run; earlier runs are never erased.

    The seed, the method and the frozen candidate pools let anyone re-derive the result.
    """

    __tablename__ = "draw_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("draw_tasks.id"), index=True)
    run_no: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(100))  # algorithm name and version
    object_pool: Mapped[list[int]] = mapped_column(JSON)  # frozen candidate enterprise ids, sorted
    object_pool_sha256: Mapped[str] = mapped_column(String(64))
    inspector_pool: Mapped[list[int]] = mapped_column(JSON)
    inspector_pool_sha256: Mapped[str] = mapped_column(String(64))
    drawn_count: Mapped[int] = mapped_column(Integer)
    executed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    redraw_reason: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str] | None] = mapped_column(JSON)
    __table_args__ = (UniqueConstraint("task_id", "run_no", name="uq_draw_runs_task_run"),)


class DrawSkip(Base):
    """A candidate the draw skipped, with the reason (recusal, qualification, repeat cap …)."""

    __tablename__ = "draw_skips"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("draw_runs.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("inspectors.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    reason: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- inspection and results


class Inspection(Audited, Base):
    """检查: one enterprise in one task (from one draw run), with its inspectors and result."""

    __tablename__ = "inspections"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("draw_tasks.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("draw_runs.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # pending / in_progress / submitted / returned / approved / published / void
    check_methods: Mapped[str | None] = mapped_column(String(32))  # codes "1,2"
    result_codes: Mapped[str | None] = mapped_column(String(64))  # codes "A,2,B"
    result_text: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    inspectors: Mapped[list[InspectionInspector]] = relationship(cascade="all, delete-orphan")
    item_results: Mapped[list[ItemResult]] = relationship(cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("run_id", "enterprise_id", name="uq_inspections_run_enterprise"),)


class InspectionInspector(Base):
    __tablename__ = "inspection_inspectors"
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspectors.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8), default="member")  # lead / member
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))


class ItemResult(Audited, Base):
    """Per-item result of an inspection. ``checked`` NULL means unanswered — never "符合" by default."""

    __tablename__ = "item_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"))
    checked: Mapped[bool | None] = mapped_column(Boolean)
    conforms: Mapped[bool | None] = mapped_column(Boolean)
    check_method: Mapped[str | None] = mapped_column(String(8))
    problem: Mapped[str | None] = mapped_column(Text)
    disposal: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("inspection_id", "item_id", name="uq_item_results_pair"),)


class Review(Base):
    """审核: a section head approves or returns a result. Append-only."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(16))  # approved / returned
    comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PublicityRecord(Audited, Base):
    """公示 of an inspection result, due within 20 working days of the result."""

    __tablename__ = "publicity_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), unique=True)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    announcement_no: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending / published / withdrawn
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the published columns, frozen


class CalendarDay(Base):
    """Official working-day calendar: only exceptions are stored (holidays, 调休 weekend workdays)."""

    __tablename__ = "calendar_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="official")  # official / admin
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Reminder(Base):
    """提醒 (licence expiry, annual report, due publicity …) dismissed or snoozed by a user."""

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    dismissed_at: Mapped[dt.datetime | None]
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


# Record types an enterprise's profile shows, in tab order (used by services and the import mapping).
ENTERPRISE_RECORD_MODELS: tuple[type[Base], ...] = (
    AbnormalListing,
    SeriousViolation,
    Penalty,
    Complaint,
    ListEntry,
    License,
    AnnualReport,
    Commitment,
    PartyOrganization,
)
