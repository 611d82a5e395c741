"""工作台: the numbers a user needs at a glance, in one read transaction. Needs 查询数据 (VIEW_DATA)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from gxq_desktop.db.models import (
    AbnormalListing,
    DrawTask,
    Enterprise,
    Inspection,
    InspectionInspector,
    Inspector,
    License,
    SeriousViolation,
)
from gxq_desktop.domain.enums import EnterpriseStatus, InspectionStatus, TaskStatus
from gxq_desktop.domain.roles import Permission

from .audit_log import AuditLogService, AuditRow
from .base import Service
from .workflow_queries import ENTRY_STATUSES, count_publicity_backlog

LICENSE_EXPIRY_WINDOW_DAYS = 30

# Drawn but not yet finished (草稿 is counted separately: nothing has happened yet).
RUNNING_TASK_STATUSES = (TaskStatus.DRAWN, TaskStatus.INSPECTING, TaskStatus.REVIEWING)


@dataclass(frozen=True, slots=True)
class DashboardSummary:
    today: dt.date
    enterprises_total: int
    enterprises_active: int  # 存续
    tasks_running: int  # 进行中的抽查任务
    tasks_draft: int
    inspections_to_enter: int  # 待录入检查 (待检查, 检查中, 已退回)
    my_inspections_to_enter: int | None  # the same for the acting user as inspector (None: not one)
    inspections_to_review: int  # 待审核
    results_to_publish: int  # 待公示
    results_overdue: int  # of which past 20 working days
    abnormal_listed: int  # 经营异常名录在列 (enterprises)
    serious_listed: int  # 严重违法失信名单在列 (enterprises)
    licenses_expiring: int  # valid until within the next 30 days
    recent_activity: tuple[AuditRow, ...]  # empty without VIEW_AUDIT


def _count(s: Session, stmt: Select[int]) -> int:
    return int(s.scalar(stmt) or 0)


class DashboardService(Service):
    def summary(self, *, today: dt.date | None = None, recent: int = 10) -> DashboardSummary:
        self.require(Permission.VIEW_DATA)
        today = today or dt.date.today()
        with self.read() as s:
            ent_total = _count(s, select(func.count(Enterprise.id)))
            ent_active = _count(
                s, select(func.count(Enterprise.id)).where(Enterprise.status == EnterpriseStatus.ACTIVE.value)
            )
            tasks_running = _count(
                s,
                select(func.count(DrawTask.id)).where(
                    DrawTask.status.in_([t.value for t in RUNNING_TASK_STATUSES])
                ),
            )
            tasks_draft = _count(
                s, select(func.count(DrawTask.id)).where(DrawTask.status == TaskStatus.DRAFT.value)
            )
            entry_values = [st.value for st in ENTRY_STATUSES]
            to_enter = _count(s, select(func.count(Inspection.id)).where(Inspection.status.in_(entry_values)))
            mine: int | None = None
            if self.actor.user_id is not None:
                my_ids = list(s.scalars(select(Inspector.id).where(Inspector.user_id == self.actor.user_id)))
                if my_ids:
                    mine = _count(
                        s,
                        select(func.count(distinct(Inspection.id)))
                        .join(InspectionInspector, InspectionInspector.inspection_id == Inspection.id)
                        .where(
                            Inspection.status.in_(entry_values), InspectionInspector.inspector_id.in_(my_ids)
                        ),
                    )
            to_review = _count(
                s,
                select(func.count(Inspection.id)).where(
                    Inspection.status == InspectionStatus.SUBMITTED.value
                ),
            )
            to_publish, overdue = count_publicity_backlog(s, today)
            abnormal = _count(
                s,
                select(func.count(distinct(AbnormalListing.enterprise_id))).where(
                    AbnormalListing.removed_on.is_(None)
                ),
            )
            serious = _count(
                s,
                select(func.count(distinct(SeriousViolation.enterprise_id))).where(
                    SeriousViolation.removed_on.is_(None)
                ),
            )
            expiring = _count(
                s,
                select(func.count(License.id)).where(
                    License.valid_until.between(today, today + dt.timedelta(days=LICENSE_EXPIRY_WINDOW_DAYS)),
                    License.status == "有效",
                ),
            )
        activity: tuple[AuditRow, ...] = ()
        if self.actor.can(Permission.VIEW_AUDIT):
            activity = tuple(AuditLogService(self.db, self.actor).recent(recent))
        return DashboardSummary(
            today=today,
            enterprises_total=ent_total,
            enterprises_active=ent_active,
            tasks_running=tasks_running,
            tasks_draft=tasks_draft,
            inspections_to_enter=to_enter,
            my_inspections_to_enter=mine,
            inspections_to_review=to_review,
            results_to_publish=to_publish,
            results_overdue=overdue,
            abnormal_listed=abnormal,
            serious_listed=serious,
            licenses_expiring=expiring,
            recent_activity=activity,
        )
