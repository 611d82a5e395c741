"""Read-only views of the 双随机、一公开 workflow: plans, tasks, draw runs, inspections, publicity.

The panes 随机抽查, 检查录入 and 结果公示 show these lists; later issues add the actions. Every list
that can grow (tasks, inspections, publicity) is paged in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from gxq_desktop.db.models import (
    Department,
    DrawPlan,
    DrawRun,
    DrawTask,
    DrawTaskItem,
    Enterprise,
    Inspection,
    InspectionInspector,
    Inspector,
    PublicityRecord,
    User,
)
from gxq_desktop.domain import working_days
from gxq_desktop.domain.enums import (
    INSPECTION_STATUS_LABELS,
    TASK_STATUS_LABELS,
    TASK_TYPE_LABELS,
    InspectionStatus,
    TaskType,
)
from gxq_desktop.domain.roles import Permission
from gxq_desktop.domain.working_days import PUBLICITY_WORKING_DAYS

from . import calendar
from .base import Service
from .paging import DEFAULT_PAGE_SIZE, Page, capped_count, check_page_args

PLAN_STATUS_LABELS = {"draft": "草稿", "active": "执行中", "closed": "已结束"}
PUBLICITY_STATUS_LABELS = {"pending": "待公示", "published": "已公示", "withdrawn": "已撤回"}

# Statuses in which an inspection still waits for its result to be entered (待录入).
ENTRY_STATUSES = (InspectionStatus.PENDING, InspectionStatus.IN_PROGRESS, InspectionStatus.RETURNED)


def _label(labels: Mapping[Any, str], value: str) -> str:
    return labels.get(value, value)


def task_type_label(value: str) -> str:
    try:
        return TASK_TYPE_LABELS[TaskType(value)]
    except ValueError:
        return value


# --------------------------------------------------------------------------- working days


def publicity_due_dates(session: Session, completed: Iterable[dt.date | None]) -> dict[dt.date, dt.date]:
    """Due date of publicity (20 working days after the result) for each completion date, on the
    official working-day calendar (one read of its exceptions for the whole span)."""
    dates = sorted({d for d in completed if d is not None})
    if not dates:
        return {}
    end = dates[-1] + dt.timedelta(days=PUBLICITY_WORKING_DAYS * 3 + 30)
    exceptions = calendar.exceptions_between(session, dates[0], end)
    return {d: working_days.add_working_days(d, PUBLICITY_WORKING_DAYS, exceptions) for d in dates}


# --------------------------------------------------------------------------- row types


@dataclass(frozen=True, slots=True)
class PlanRow:
    id: int
    year: int
    plan_no: str
    name: str
    department: str
    status: str
    status_label: str
    task_count: int


@dataclass(frozen=True, slots=True)
class TaskRow:
    id: int
    task_no: str
    name: str
    plan_no: str
    task_type: str
    task_type_label: str
    lead_department: str
    status: str
    status_label: str
    item_count: int
    inspection_count: int
    starts_on: dt.date | None
    due_on: dt.date | None


@dataclass(frozen=True, slots=True)
class DrawRunRow:
    id: int
    task_id: int
    run_no: int
    seed: str
    method: str
    drawn_count: int
    executed_at: dt.datetime
    executed_by: str
    is_current: bool
    redraw_reason: str | None


@dataclass(frozen=True, slots=True)
class InspectionRow:
    id: int
    task_no: str
    task_name: str
    enterprise_name: str
    uscc: str | None
    inspectors: str  # "张三（组长）、李四"
    status: str
    status_label: str
    completed_on: dt.date | None
    is_mine: bool


@dataclass(frozen=True, slots=True)
class PublicityRow:
    inspection_id: int
    task_no: str
    task_name: str
    task_type_label: str
    enterprise_name: str
    uscc: str | None
    completed_on: dt.date | None
    due_on: dt.date | None
    published_on: dt.date | None
    announcement_no: str | None
    status_label: str
    overdue: bool  # pending and past its due date
    days_left: int | None  # calendar days to the due date (negative: overdue)


# --------------------------------------------------------------------------- the service


class WorkflowQueries(Service):
    """Lists for the workflow panes; needs 查询数据 (VIEW_DATA)."""

    # ---- plans and tasks

    def list_plans(self) -> list[PlanRow]:
        self.require(Permission.VIEW_DATA)
        task_count = select(func.count(DrawTask.id)).where(DrawTask.plan_id == DrawPlan.id).scalar_subquery()
        stmt = (
            select(DrawPlan, Department.name, task_count)
            .outerjoin(Department, Department.id == DrawPlan.department_id)
            .order_by(DrawPlan.year.desc(), DrawPlan.plan_no)
        )
        with self.read() as s:
            return [
                PlanRow(
                    p.id,
                    p.year,
                    p.plan_no,
                    p.name,
                    dept or "",
                    p.status,
                    PLAN_STATUS_LABELS.get(p.status, p.status),
                    int(n or 0),
                )
                for p, dept, n in s.execute(stmt)
            ]

    def tasks_page(
        self,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        *,
        plan_id: int | None = None,
        status: str | None = None,
    ) -> Page[TaskRow]:
        """Tasks, newest first (by start date, then number)."""
        self.require(Permission.VIEW_DATA)
        offset, limit = check_page_args(offset, limit)
        item_count = (
            select(func.count())
            .where(DrawTaskItem.task_id == DrawTask.id)
            .correlate(DrawTask)
            .scalar_subquery()
        )
        insp_count = (
            select(func.count(Inspection.id))
            .where(Inspection.task_id == DrawTask.id, Inspection.status != InspectionStatus.VOID.value)
            .correlate(DrawTask)
            .scalar_subquery()
        )
        conditions: list[ColumnElement[bool]] = []
        if plan_id is not None:
            conditions.append(DrawTask.plan_id == plan_id)
        if status:
            conditions.append(DrawTask.status == status)
        stmt = (
            select(DrawTask, DrawPlan.plan_no, Department.name, item_count, insp_count)
            .where(*conditions)
            .outerjoin(DrawPlan, DrawPlan.id == DrawTask.plan_id)
            .outerjoin(Department, Department.id == DrawTask.lead_department_id)
            .order_by(DrawTask.starts_on.desc().nulls_last(), DrawTask.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self.read() as s:
            rows = tuple(
                TaskRow(
                    t.id,
                    t.task_no,
                    t.name,
                    plan_no or "",
                    t.task_type,
                    task_type_label(t.task_type),
                    dept or "",
                    t.status,
                    _label(TASK_STATUS_LABELS, t.status),
                    int(items or 0),
                    int(insps or 0),
                    t.starts_on,
                    t.due_on,
                )
                for t, plan_no, dept, items, insps in s.execute(stmt)
            )
            total, capped = (
                capped_count(s, select(DrawTask.id).where(*conditions)) if offset == 0 else (None, False)
            )
        return Page(rows, offset, total, capped)

    def draw_runs(self, task_id: int) -> list[DrawRunRow]:
        """Every draw of a task, the earliest first; a re-draw never erases an earlier one."""
        self.require(Permission.VIEW_DATA)
        stmt = (
            select(DrawRun, User.display_name)
            .outerjoin(User, User.id == DrawRun.executed_by_id)
            .where(DrawRun.task_id == task_id)
            .order_by(DrawRun.run_no)
        )
        with self.read() as s:
            return [
                DrawRunRow(
                    r.id,
                    r.task_id,
                    r.run_no,
                    r.seed,
                    r.method,
                    r.drawn_count,
                    r.executed_at,
                    who or "",
                    r.is_current,
                    r.redraw_reason,
                )
                for r, who in s.execute(stmt)
            ]

    # ---- inspections

    def _my_inspector_ids(self, s: Session) -> list[int]:
        if self.actor.user_id is None:
            return []
        return list(s.scalars(select(Inspector.id).where(Inspector.user_id == self.actor.user_id)))

    def inspections_page(
        self,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        *,
        statuses: Sequence[str] | None = None,
        mine_first: bool = True,
        only_mine: bool = False,
    ) -> Page[InspectionRow]:
        """Inspections of all tasks. The acting user's own inspections (as an inspector) come first."""
        self.require(Permission.VIEW_DATA)
        offset, limit = check_page_args(offset, limit)
        with self.read() as s:
            mine_ids = self._my_inspector_ids(s)
            is_mine = (
                exists()
                .where(
                    InspectionInspector.inspection_id == Inspection.id,
                    InspectionInspector.inspector_id.in_(mine_ids),
                )
                .correlate(Inspection)
                if mine_ids
                else None
            )
            conditions: list[ColumnElement[bool]] = []
            if statuses:
                conditions.append(Inspection.status.in_(list(statuses)))
            else:
                conditions.append(Inspection.status != InspectionStatus.VOID.value)
            if only_mine:
                if is_mine is None:
                    return Page((), offset, 0 if offset == 0 else None)
                conditions.append(is_mine)
            # Open work first (待录入, 退回), then by task, then by enterprise name.
            status_order = case(
                (Inspection.status == InspectionStatus.RETURNED.value, 0),
                (Inspection.status == InspectionStatus.IN_PROGRESS.value, 1),
                (Inspection.status == InspectionStatus.PENDING.value, 2),
                (Inspection.status == InspectionStatus.SUBMITTED.value, 3),
                (Inspection.status == InspectionStatus.APPROVED.value, 4),
                else_=5,
            )
            order: list[Any] = []
            mine_col = case((is_mine, 1), else_=0) if is_mine is not None else None
            if mine_col is not None and mine_first:
                order.append(mine_col.desc())
            order += [status_order, DrawTask.id.desc(), Enterprise.name, Inspection.id]
            stmt = (
                select(
                    Inspection.id,
                    DrawTask.task_no,
                    DrawTask.name,
                    Enterprise.name,
                    Enterprise.uscc,
                    Inspection.status,
                    Inspection.completed_on,
                    mine_col if mine_col is not None else literal(0),
                )
                .join(DrawTask, DrawTask.id == Inspection.task_id)
                .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
                .where(and_(*conditions))
                .order_by(*order)
                .offset(offset)
                .limit(limit)
            )
            raw = s.execute(stmt).all()
            names = _inspector_names(s, [r[0] for r in raw])
            rows = tuple(
                InspectionRow(
                    iid,
                    task_no,
                    task_name,
                    ent,
                    uscc,
                    names.get(iid, ""),
                    status,
                    _label(INSPECTION_STATUS_LABELS, status),
                    completed,
                    bool(mine),
                )
                for iid, task_no, task_name, ent, uscc, status, completed, mine in raw
            )
            total: int | None = None
            capped = False
            if offset == 0:
                total, capped = capped_count(s, select(Inspection.id).where(and_(*conditions)))
        return Page(rows, offset, total, capped)

    # ---- publicity

    def awaiting_publicity_page(
        self, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE, *, today: dt.date | None = None
    ) -> Page[PublicityRow]:
        """Approved results not yet published, the most urgent first, with their due dates."""
        self.require(Permission.VIEW_DATA)
        offset, limit = check_page_args(offset, limit)
        today = today or dt.date.today()
        where = _awaiting_publicity_condition()
        stmt = (
            _publicity_select()
            .where(where)
            .order_by(
                func.coalesce(PublicityRecord.due_on, Inspection.completed_on).asc().nulls_last(),
                Inspection.id,
            )
            .offset(offset)
            .limit(limit)
        )
        with self.read() as s:
            raw = s.execute(stmt).all()
            due = publicity_due_dates(s, [r.completed_on for r in raw if r.due_on is None])
            rows = []
            for r in raw:
                due_on = r.due_on or (due.get(r.completed_on) if r.completed_on else None)
                rows.append(_publicity_row(r, due_on, today))
            total, capped = (
                capped_count(s, select(Inspection.id).outerjoin(PublicityRecord).where(where))
                if offset == 0
                else (None, False)
            )
        return Page(tuple(rows), offset, total, capped)

    def published_page(self, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> Page[PublicityRow]:
        """Published results, the most recent first."""
        self.require(Permission.VIEW_DATA)
        offset, limit = check_page_args(offset, limit)
        where = PublicityRecord.status == "published"
        stmt = (
            _publicity_select()
            .where(where)
            .order_by(PublicityRecord.published_on.desc().nulls_last(), Inspection.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self.read() as s:
            rows = tuple(_publicity_row(r, r.due_on, None) for r in s.execute(stmt))
            total, capped = (
                capped_count(s, select(PublicityRecord.id).where(where)) if offset == 0 else (None, False)
            )
        return Page(rows, offset, total, capped)

    def publicity_backlog(self, *, today: dt.date | None = None) -> tuple[int, int]:
        """(results awaiting publicity, of which overdue)."""
        self.require(Permission.VIEW_DATA)
        with self.read() as s:
            return count_publicity_backlog(s, today or dt.date.today())


def _awaiting_publicity_condition() -> ColumnElement[bool]:
    return and_(
        Inspection.status == InspectionStatus.APPROVED.value,
        (PublicityRecord.id.is_(None)) | (PublicityRecord.status == "pending"),
    )


def _publicity_select() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Inspection.id.label("inspection_id"),
            DrawTask.task_no,
            DrawTask.name.label("task_name"),
            DrawTask.task_type,
            Enterprise.name.label("enterprise_name"),
            Enterprise.uscc,
            Inspection.completed_on,
            PublicityRecord.due_on,
            PublicityRecord.published_on,
            PublicityRecord.announcement_no,
            PublicityRecord.status.label("publicity_status"),
        )
        .join(DrawTask, DrawTask.id == Inspection.task_id)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(PublicityRecord, PublicityRecord.inspection_id == Inspection.id)
    )


def _publicity_row(r: Row[Any], due_on: dt.date | None, today: dt.date | None) -> PublicityRow:
    status = r.publicity_status or "pending"
    days_left = (due_on - today).days if (due_on and today and status == "pending") else None
    return PublicityRow(
        r.inspection_id,
        r.task_no,
        r.task_name,
        task_type_label(r.task_type),
        r.enterprise_name,
        r.uscc,
        r.completed_on,
        due_on,
        r.published_on,
        r.announcement_no,
        PUBLICITY_STATUS_LABELS.get(status, status),
        days_left is not None and days_left < 0,
        days_left,
    )


def count_publicity_backlog(s: Session, today: dt.date) -> tuple[int, int]:
    """(results awaiting publicity, of which past the 20-working-day limit)."""
    rows = s.execute(
        select(Inspection.completed_on, PublicityRecord.due_on)
        .outerjoin(PublicityRecord, PublicityRecord.inspection_id == Inspection.id)
        .where(_awaiting_publicity_condition())
    ).all()
    unstored = [completed for completed, stored in rows if stored is None]
    due = publicity_due_dates(s, unstored)
    overdue = 0
    for completed, stored in rows:
        due_on = stored or (due.get(completed) if completed else None)
        if due_on is not None and due_on < today:
            overdue += 1
    return len(rows), overdue


def _inspector_names(s: Session, inspection_ids: list[int]) -> dict[int, str]:
    if not inspection_ids:
        return {}
    ii = aliased(InspectionInspector)
    stmt = (
        select(ii.inspection_id, Inspector.name, ii.role)
        .join(Inspector, Inspector.id == ii.inspector_id)
        .where(ii.inspection_id.in_(inspection_ids))
        .order_by(ii.inspection_id, case((ii.role == "lead", 0), else_=1), Inspector.name)
    )
    names: dict[int, list[str]] = defaultdict(list)
    for iid, name, role in s.execute(stmt):
        names[iid].append(f"{name}（组长）" if role == "lead" else name)
    return {iid: "、".join(n) for iid, n in names.items()}
