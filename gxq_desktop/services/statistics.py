"""统计分析: counts of market entities and of the departments' records, grouped in SQL.

Needs 查询数据 (VIEW_DATA). The internal credit-risk class is deliberately not among the groupings
shown here (it never appears in output that may leave the office).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select

from gxq_desktop import paths
from gxq_desktop.db.base import Base
from gxq_desktop.db.models import (
    AbnormalListing,
    AnnualReport,
    Commitment,
    Complaint,
    Department,
    Enterprise,
    License,
    ListEntry,
    PartyOrganization,
    Penalty,
    SeriousViolation,
)
from gxq_desktop.domain.enums import EnterpriseStatus, SubjectCategory
from gxq_desktop.domain.roles import Permission

from .base import Service

UNCLASSIFIED = "未分类"
NO_DEPARTMENT = "未注明来源部门"

# Department records in the column order of the 统计分析 table, with their Chinese names.
RECORD_TYPES: tuple[tuple[str, type[Base]], ...] = (
    ("经营异常名录", AbnormalListing),
    ("严重违法失信", SeriousViolation),
    ("行政处罚", Penalty),
    ("消费者投诉", Complaint),
    ("红黑名单等", ListEntry),
    ("行政许可", License),
    ("年度报告", AnnualReport),
    ("信用承诺", Commitment),
    ("非公党建", PartyOrganization),
)


@dataclass(frozen=True, slots=True)
class CountRow:
    key: str  # stored value ("A", "存续", "企业" …)
    label: str  # what the user reads
    count: int


@dataclass(frozen=True, slots=True)
class DepartmentRecordRow:
    department: str
    counts: tuple[int, ...]  # in RECORD_TYPES order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True, slots=True)
class Statistics:
    enterprises_total: int
    by_subject_category: tuple[CountRow, ...]
    by_industry_section: tuple[CountRow, ...]
    by_status: tuple[CountRow, ...]
    record_types: tuple[str, ...]
    records_by_department: tuple[DepartmentRecordRow, ...]


@lru_cache(maxsize=1)
def industry_section_names() -> dict[str, str]:
    """GB/T 4754-2017 门类 letter → name, from the shipped reference file."""
    names: dict[str, str] = {}
    try:
        with paths.reference_file("gbt4754_2017_sections_divisions.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("level") == "门类":
                    names[row["section"]] = row["name"]
    except FileNotFoundError:  # pragma: no cover - the file ships with the program
        pass
    return names


def _ordered(counts: dict[str | None, int], order: list[str], label: dict[str, str]) -> tuple[CountRow, ...]:
    rows = [CountRow(k, label.get(k, k), counts[k]) for k in order if counts.get(k)]
    rows += [
        CountRow(k or "", label.get(k, k) if k else UNCLASSIFIED, n)
        for k, n in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        if k not in order and n
    ]
    return tuple(rows)


class StatisticsService(Service):
    def overview(self) -> Statistics:
        self.require(Permission.VIEW_DATA)
        with self.read() as s:

            def grouped(column: object) -> dict[str | None, int]:
                stmt = select(column, func.count(Enterprise.id)).group_by(column)  # type: ignore[call-overload]
                return {k: int(n) for k, n in s.execute(stmt)}

            categories = grouped(Enterprise.subject_category)
            sections = grouped(Enterprise.industry_section)
            statuses = grouped(Enterprise.status)
            departments: dict[int, str] = {
                i: n for i, n in s.execute(select(Department.id, Department.name).where(Department.is_active))
            }
            per_dept: dict[int | None, list[int]] = {}
            for i, (_label, model) in enumerate(RECORD_TYPES):
                dept_col = model.department_id  # type: ignore[attr-defined]
                for dept_id, n in s.execute(select(dept_col, func.count()).group_by(dept_col)):
                    per_dept.setdefault(dept_id, [0] * len(RECORD_TYPES))[i] = int(n)
        section_names = industry_section_names()
        section_label = {k: f"{k} {v}" for k, v in section_names.items()}
        # Every department is listed, also those that sent nothing yet (归集 coverage at a glance).
        for dept_id in departments:
            per_dept.setdefault(dept_id, [0] * len(RECORD_TYPES))
        dept_rows = [
            DepartmentRecordRow(
                departments.get(d, NO_DEPARTMENT) if d is not None else NO_DEPARTMENT, tuple(c)
            )
            for d, c in per_dept.items()
        ]
        dept_rows.sort(key=lambda r: (r.department == NO_DEPARTMENT, -r.total, r.department))
        return Statistics(
            enterprises_total=sum(categories.values()),
            by_subject_category=_ordered(categories, [c.value for c in SubjectCategory], {}),
            by_industry_section=_ordered(sections, sorted(section_names), section_label),
            by_status=_ordered(statuses, [st.value for st in EnterpriseStatus], {}),
            record_types=tuple(label for label, _ in RECORD_TYPES),
            records_by_department=tuple(dept_rows),
        )
