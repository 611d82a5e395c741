"""企业档案: everything the platform knows about one market entity, for the profile dialog and its PDF.

    profile = ProfileService(db, actor).profile(enterprise_id)
    profile.basic            # 基本信息 as (label, value) pairs, personal ID masked by role
    profile.badges           # 经营异常, 严重违法失信, 黑名单 … with a level for colour
    profile.sections         # one table per record type and the inspection history

Every record section is a :class:`ProfileSection` — title, column headers, rows of display strings —
so the dialog's tabs and the PDF render all of them the same way. Each row names the source
department and carries its dates, as FACTS.md §4 lists the published columns.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxq_desktop.db.models import (
    AbnormalListing,
    AnnualReport,
    Commitment,
    Complaint,
    Department,
    DrawRun,
    DrawTask,
    Enterprise,
    Inspection,
    InspectionInspector,
    Inspector,
    License,
    ListEntry,
    PartyOrganization,
    Penalty,
    PublicityRecord,
    SeriousViolation,
)
from gxq_desktop.domain import reference
from gxq_desktop.domain.enums import (
    INSPECTION_STATUS_LABELS,
    RISK_CLASS_LABELS,
    TASK_TYPE_LABELS,
    EnterpriseStatus,
    InspectionStatus,
    RiskClass,
    TaskType,
)
from gxq_desktop.domain.roles import Permission

from .base import Service
from .errors import NotFound

LICENSE_EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True, slots=True)
class Badge:
    text: str
    level: str  # "danger" (red) | "warning" (orange) | "good" (green) | "info" | "muted"


@dataclass(frozen=True, slots=True)
class ProfileSection:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # per row: "" or a level ("danger", "warning", "muted") for rows that need attention
    row_levels: tuple[str, ...] = ()
    empty_text: str = "暂无记录"

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class EnterpriseProfile:
    id: int
    name: str
    uscc: str | None
    status: str
    basic: tuple[tuple[str, str], ...]  # (label, value)
    former_names: tuple[str, ...]
    badges: tuple[Badge, ...]
    sections: tuple[ProfileSection, ...]  # record sections in tab order (without 基本信息)
    id_masked: bool  # the legal representative's ID number is shown masked
    generated_at: dt.datetime

    @property
    def is_active(self) -> bool:
        return self.status == EnterpriseStatus.ACTIVE.value

    def section(self, key: str) -> ProfileSection:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


# Section keys in tab order, with titles (the PDF dialog offers the same list).
SECTION_TITLES: dict[str, str] = {
    "basic": "基本信息",
    "abnormal": "经营异常名录",
    "serious": "严重违法失信",
    "penalties": "行政处罚",
    "complaints": "投诉",
    "lists": "红黑名单",
    "judgment_debtor": "失信被执行人",
    "licenses": "行政许可",
    "annual_reports": "年度报告",
    "commitments": "信用承诺",
    "party": "非公党建",
    "inspections": "抽查检查记录",
}


def mask_id_number(value: str | None) -> str:
    """610113198001011234 → 610113********1234 (region and the last four stay readable)."""
    if not value:
        return ""
    v = value.strip()
    if len(v) <= 8:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def _d(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d") if value.tzinfo else value.strftime("%Y-%m-%d")
    return value.isoformat()


def _money(value: Decimal | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:,.2f} {unit}".replace(".00 ", " ")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _t(value: Any) -> str:
    return "" if value is None else str(value)


def _result_text(codes: str | None) -> str:
    if not codes:
        return ""
    parts = []
    for code in (c.strip() for c in codes.split(",")):
        if not code:
            continue
        try:
            parts.append(f"{code} {reference.result_text(code)}")
        except KeyError:
            parts.append(code)
    return "；".join(parts)


def _industry(section: str | None, code: str | None) -> str:
    if not section:
        return ""
    names = {e.section: e.name for e in reference.industry_sections()}
    text = f"{section} {names.get(section, '')}".strip()
    if code:
        divisions = {e.code: e.name for e in reference.industry_divisions(section)}
        name = divisions.get(code[:2])
        if name:
            text += f" / {code[:2]} {name}"
    return text


class ProfileService(Service):
    """Read an enterprise's profile (Permission.VIEW_DATA; full ID numbers need VIEW_PERSONAL_IDS)."""

    def profile(self, enterprise_id: int, *, today: dt.date | None = None) -> EnterpriseProfile:
        self.require(Permission.VIEW_DATA)
        today = today or dt.date.today()
        with self.read() as s:
            ent = s.get(Enterprise, enterprise_id)
            if ent is None:
                raise NotFound("找不到这个市场主体，可能已被删除或撤销导入。请刷新查询结果。")
            depts = {d.id: d.name for d in s.scalars(select(Department))}
            show_ids = self.actor.can(Permission.VIEW_PERSONAL_IDS)
            former = tuple(n.strip() for n in (ent.former_names or "").split("；") if n.strip())
            basic = self._basic(ent, former, depts, show_ids)
            sections, flags = self._sections(s, ent.id, depts, today)
            badges = self._badges(ent, flags)
            return EnterpriseProfile(
                id=ent.id,
                name=ent.name,
                uscc=ent.uscc,
                status=ent.status,
                basic=basic,
                former_names=former,
                badges=badges,
                sections=sections,
                id_masked=not show_ids and bool(ent.legal_rep_id_no),
                generated_at=dt.datetime.now(dt.UTC),
            )

    def profile_for_print(self, enterprise_id: int, sections: list[str]) -> EnterpriseProfile:
        """The profile for a PDF (Permission.EXPORT_REPORTS); the printing is recorded in the audit log."""
        self.require(Permission.EXPORT_REPORTS)
        profile = self.profile(enterprise_id)
        titles = "、".join(SECTION_TITLES[k] for k in sections if k in SECTION_TITLES)
        with self.tx() as s:
            self.audit(
                s,
                "print_profile",
                f"打印企业信用档案：{profile.name}（{titles}）",
                entity_type="Enterprise",
                entity_id=enterprise_id,
                details={"sections": list(sections)},
            )
        return profile

    # -- basic information

    def _basic(
        self, e: Enterprise, former: Sequence[str], depts: dict[int, str], show_ids: bool
    ) -> tuple[tuple[str, str], ...]:
        id_no = e.legal_rep_id_no if show_ids else mask_id_number(e.legal_rep_id_no)
        risk = ""
        if e.risk_class:
            risk = f"{e.risk_class}（{RISK_CLASS_LABELS.get(RiskClass(e.risk_class), '')}，内部使用）"
        rows = [
            ("企业名称", e.name),
            ("统一社会信用代码", _t(e.uscc)),
            ("注册号", _t(e.reg_no)),
            ("组织机构代码", _t(e.org_code)),
            ("曾用名", "；".join(former)),
            ("主体类别", e.subject_category),
            ("主体类型", _t(e.subject_type)),
            ("法定代表人/负责人", _t(e.legal_rep)),
            ("法定代表人身份证号", _t(id_no)),
            ("注册资本", _money(e.registered_capital, "万元")),
            ("成立日期", _d(e.established_on)),
            ("登记状态", e.status),
            ("住所/经营场所", _t(e.address)),
            ("国民经济行业", _industry(e.industry_section, e.industry_code)),
            ("登记机关", _t(e.registration_authority)),
            ("监管部门", depts.get(e.supervising_department_id or 0, "")),
            ("经营范围", _t(e.business_scope)),
            ("联络人", _t(e.contact_person)),
            ("联系电话", _t(e.contact_phone)),
            ("小微企业", _yes_no(e.is_small_micro)),
            ("信用风险分类", risk),
        ]
        return tuple(rows)

    @staticmethod
    def _badges(e: Enterprise, flags: dict[str, bool]) -> tuple[Badge, ...]:
        out: list[Badge] = []
        if e.status != EnterpriseStatus.ACTIVE.value:
            out.append(Badge(e.status, "muted"))
        if flags.get("abnormal"):
            out.append(Badge("经营异常", "danger"))
        if flags.get("serious"):
            out.append(Badge("严重违法失信", "danger"))
        if flags.get("black"):
            out.append(Badge("黑名单", "danger"))
        if flags.get("debtor"):
            out.append(Badge("失信被执行人", "warning"))
        if flags.get("red"):
            out.append(Badge("红名单", "good"))
        if flags.get("licensed"):
            out.append(Badge("持有许可", "info"))
        if e.is_small_micro:
            out.append(Badge("小微企业", "info"))
        if flags.get("party"):
            out.append(Badge("有党组织", "info"))
        return tuple(out)

    # -- record sections

    def _sections(
        self, s: Session, eid: int, depts: dict[int, str], today: dt.date
    ) -> tuple[tuple[ProfileSection, ...], dict[str, bool]]:
        def rows_of(model: Any, *order: Any) -> list[Any]:
            return list(s.scalars(select(model).where(model.enterprise_id == eid).order_by(*order)))

        def dept(r: Any) -> str:
            return depts.get(r.department_id or 0, "")

        flags: dict[str, bool] = {}
        sections: list[ProfileSection] = []

        abnormal = rows_of(AbnormalListing, AbnormalListing.listed_on.desc(), AbnormalListing.id.desc())
        flags["abnormal"] = any(r.removed_on is None for r in abnormal)
        sections.append(
            _section(
                "abnormal",
                (
                    "状态",
                    "列入原因",
                    "列入日期",
                    "作出决定机关",
                    "决定书文号",
                    "移出原因",
                    "移出日期",
                    "移出机关",
                    "来源部门",
                ),
                (
                    (
                        "在列" if r.removed_on is None else "已移出",
                        r.list_reason,
                        _d(r.listed_on),
                        _t(r.listing_authority),
                        _t(r.decision_no),
                        _t(r.removal_reason),
                        _d(r.removed_on),
                        _t(r.removal_authority),
                        dept(r),
                    )
                    for r in abnormal
                ),
                ["danger" if r.removed_on is None else "muted" for r in abnormal],
            )
        )
        serious = rows_of(SeriousViolation, SeriousViolation.listed_on.desc(), SeriousViolation.id.desc())
        flags["serious"] = any(r.removed_on is None for r in serious)
        sections.append(
            _section(
                "serious",
                (
                    "状态",
                    "列入事由",
                    "列入日期",
                    "作出决定机关",
                    "决定书文号",
                    "届满日期",
                    "移出日期",
                    "移出原因",
                    "来源部门",
                ),
                (
                    (
                        "在列" if r.removed_on is None else "已移出",
                        r.reason,
                        _d(r.listed_on),
                        _t(r.decision_authority),
                        _t(r.decision_no),
                        _d(r.planned_removal_on),
                        _d(r.removed_on),
                        _t(r.removal_reason),
                        dept(r),
                    )
                    for r in serious
                ),
                ["danger" if r.removed_on is None else "muted" for r in serious],
            )
        )
        penalties = rows_of(Penalty, Penalty.decided_on.desc(), Penalty.id.desc())
        sections.append(
            _section(
                "penalties",
                (
                    "决定书文号",
                    "违法行为类型",
                    "处罚内容",
                    "罚没金额",
                    "决定机关",
                    "处罚决定日期",
                    "公示日期",
                    "可信用修复日期",
                    "来源部门",
                ),
                (
                    (
                        r.decision_no,
                        _t(r.violation_type),
                        _t(r.penalty_content),
                        _money(r.fine_amount, "元"),
                        _t(r.decision_authority),
                        _d(r.decided_on),
                        _d(r.published_on),
                        _d(r.repair_eligible_on),
                        dept(r),
                    )
                    for r in penalties
                ),
            )
        )
        complaints = rows_of(Complaint, Complaint.received_on.desc(), Complaint.id.desc())
        sections.append(
            _section(
                "complaints",
                (
                    "投诉编号",
                    "受理日期",
                    "渠道",
                    "类别",
                    "内容",
                    "处理状态",
                    "办结日期",
                    "处理结果",
                    "来源部门",
                ),
                (
                    (
                        _t(r.complaint_no),
                        _d(r.received_on),
                        _t(r.channel),
                        _t(r.category),
                        _t(r.content),
                        r.status,
                        _d(r.handled_on),
                        _t(r.result),
                        dept(r),
                    )
                    for r in complaints
                ),
            )
        )
        entries = rows_of(ListEntry, ListEntry.listed_on.desc(), ListEntry.id.desc())
        by_kind: dict[str, list[ListEntry]] = defaultdict(list)
        for r in entries:
            by_kind[r.kind].append(r)
        flags["black"] = any(r.removed_on is None for r in by_kind["black"])
        flags["red"] = any(r.removed_on is None for r in by_kind["red"])
        flags["debtor"] = any(r.removed_on is None for r in by_kind["judgment_debtor"])
        red_black = by_kind["red"] + by_kind["black"]
        red_black.sort(key=lambda r: r.listed_on or dt.date.min, reverse=True)
        sections.append(
            _section(
                "lists",
                ("名单", "类别", "状态", "事由", "文号", "认定机关", "列入日期", "移出日期", "来源部门"),
                (
                    (
                        r.list_name,
                        "红名单" if r.kind == "red" else "黑名单",
                        "在列" if r.removed_on is None else "已移出",
                        _t(r.reason),
                        _t(r.document_no),
                        _t(r.authority),
                        _d(r.listed_on),
                        _d(r.removed_on),
                        dept(r),
                    )
                    for r in red_black
                ),
                [
                    ("danger" if r.kind == "black" else "") if r.removed_on is None else "muted"
                    for r in red_black
                ],
            )
        )
        debtors = by_kind["judgment_debtor"]
        sections.append(
            _section(
                "judgment_debtor",
                ("名单", "状态", "事由", "案号/文号", "执行法院/机关", "列入日期", "移出日期", "来源部门"),
                (
                    (
                        r.list_name,
                        "在列" if r.removed_on is None else "已移出",
                        _t(r.reason),
                        _t(r.document_no),
                        _t(r.authority),
                        _d(r.listed_on),
                        _d(r.removed_on),
                        dept(r),
                    )
                    for r in debtors
                ),
                ["warning" if r.removed_on is None else "muted" for r in debtors],
            )
        )
        licenses = rows_of(License, License.valid_until.desc(), License.id.desc())
        levels = []
        lic_rows = []
        for r in licenses:
            state = r.status
            level = ""
            if r.valid_until is not None and r.valid_until < today:
                state, level = "已过期", "muted"
            elif r.valid_until is not None and (r.valid_until - today).days <= LICENSE_EXPIRY_WARNING_DAYS:
                state, level = f"{r.status}（{(r.valid_until - today).days} 天后到期）", "warning"
            levels.append(level)
            lic_rows.append(
                (
                    r.license_no,
                    r.name,
                    _d(r.valid_from),
                    _d(r.valid_until),
                    _t(r.authority),
                    _t(r.content),
                    state,
                    dept(r),
                )
            )
        flags["licensed"] = any(
            r.status == "有效" and (r.valid_until is None or r.valid_until >= today) for r in licenses
        )
        sections.append(
            _section(
                "licenses",
                (
                    "许可文件编号",
                    "许可文件名称",
                    "有效期自",
                    "有效期至",
                    "许可机关",
                    "许可内容",
                    "状态",
                    "来源部门",
                ),
                lic_rows,
                levels,
            )
        )
        reports = rows_of(AnnualReport, AnnualReport.year.desc())
        sections.append(
            _section(
                "annual_reports",
                ("年度", "报送日期", "按时报送", "从业人数", "状态", "来源部门"),
                (
                    (
                        f"{r.year} 年度",
                        _d(r.submitted_on),
                        _yes_no(r.is_on_time),
                        _t(r.employees),
                        r.status,
                        dept(r),
                    )
                    for r in reports
                ),
                ["warning" if r.is_on_time is False else "" for r in reports],
            )
        )
        commitments = rows_of(Commitment, Commitment.committed_on.desc(), Commitment.id.desc())
        sections.append(
            _section(
                "commitments",
                ("承诺类型", "承诺内容", "承诺日期", "履行期限", "是否履行", "核查日期", "来源部门"),
                (
                    (
                        r.commitment_type,
                        _t(r.content),
                        _d(r.committed_on),
                        _d(r.due_on),
                        {True: "已履行", False: "未履行", None: "待核查"}[r.fulfilled],
                        _d(r.verified_on),
                        dept(r),
                    )
                    for r in commitments
                ),
                ["danger" if r.fulfilled is False else "" for r in commitments],
            )
        )
        party = rows_of(PartyOrganization, PartyOrganization.id)
        flags["party"] = bool(party)
        sections.append(
            _section(
                "party",
                ("党组织名称", "组织类型", "党员人数", "书记", "成立日期", "来源部门"),
                (
                    (
                        r.org_name,
                        _t(r.org_type),
                        _t(r.member_count),
                        _t(r.secretary),
                        _d(r.established_on),
                        dept(r),
                    )
                    for r in party
                ),
            )
        )
        sections.append(self._inspections(s, eid, depts))
        return tuple(sections), flags

    def _inspections(self, s: Session, eid: int, depts: dict[int, str]) -> ProfileSection:
        rows = s.execute(
            select(Inspection, DrawTask, DrawRun, PublicityRecord)
            .join(DrawTask, DrawTask.id == Inspection.task_id)
            .join(DrawRun, DrawRun.id == Inspection.run_id)
            .outerjoin(PublicityRecord, PublicityRecord.inspection_id == Inspection.id)
            .where(Inspection.enterprise_id == eid)
            .order_by(DrawRun.executed_at.desc(), Inspection.id.desc())
        ).all()
        ids = [r[0].id for r in rows]
        team: dict[int, list[str]] = defaultdict(list)
        if ids:
            for insp_id, name, role in s.execute(
                select(InspectionInspector.inspection_id, Inspector.name, InspectionInspector.role)
                .join(Inspector, Inspector.id == InspectionInspector.inspector_id)
                .where(InspectionInspector.inspection_id.in_(ids))
                .order_by(InspectionInspector.role, Inspector.name)
            ):
                team[insp_id].append(f"{name}（组长）" if role == "lead" else name)
        out = []
        levels = []
        for insp, task, run, pub in rows:
            status = INSPECTION_STATUS_LABELS.get(InspectionStatus(insp.status), insp.status)
            if insp.status == InspectionStatus.VOID.value:
                levels.append("muted")
            elif run.is_current is False:
                status += "（重新抽取前）"
                levels.append("muted")
            else:
                levels.append("")
            publicity = ""
            if pub is not None:
                publicity = {
                    "published": f"已公示 {_d(pub.published_on)}",
                    "pending": f"待公示（{_d(pub.due_on)} 前）",
                    "withdrawn": "已撤回",
                }.get(pub.status, pub.status)
                if pub.announcement_no:
                    publicity += f" {pub.announcement_no}"
            out.append(
                (
                    task.task_no,
                    task.name,
                    TASK_TYPE_LABELS.get(TaskType(task.task_type), task.task_type),
                    depts.get(task.lead_department_id, ""),
                    _d(run.executed_at),
                    "、".join(team.get(insp.id, [])),
                    status,
                    _result_text(insp.result_codes) or _t(insp.result_text),
                    _d(insp.completed_on),
                    publicity,
                )
            )
        return _section(
            "inspections",
            (
                "任务编号",
                "任务名称",
                "抽查类型",
                "发起部门",
                "抽取日期",
                "检查人员",
                "检查状态",
                "检查结果",
                "完成日期",
                "公示",
            ),
            out,
            levels,
        )


def _section(
    key: str, columns: tuple[str, ...], rows: Iterable[tuple[str, ...]], levels: Sequence[str] | None = None
) -> ProfileSection:
    materialised = tuple(rows)
    lv = tuple(levels) if levels is not None else tuple("" for _ in materialised)
    return ProfileSection(key, SECTION_TITLES[key], columns, materialised, lv)
