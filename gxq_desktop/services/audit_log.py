"""审计日志: who did what, when — newest first, paged in SQL. Needs 查看审计日志 (VIEW_AUDIT)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.sql.elements import ColumnElement

from gxq_desktop.db.models import AuditEvent
from gxq_desktop.domain.roles import Permission

from .base import Service
from .paging import DEFAULT_PAGE_SIZE, Page, capped_count, check_page_args

# Chinese names of the actions services write; unknown actions show their code.
ACTION_LABELS: dict[str, str] = {
    "login.success": "登录",
    "login.failed": "登录失败",
    "login.locked": "账户锁定",
    "user.create_first_admin": "创建首个管理员",
    "user.add": "添加用户",
    "user.set_active": "启用/停用用户",
    "user.reset_password": "重置密码",
    "user.change_password": "修改密码",
    "demo.generate": "生成演示数据",
}
_PREFIX_LABELS: dict[str, str] = {
    "import": "数据归集",
    "enterprise": "企业信息",
    "draw": "随机抽取",
    "task": "抽查任务",
    "plan": "抽查计划",
    "inspection": "检查录入",
    "review": "审核",
    "publicity": "结果公示",
    "calendar": "工作日历",
    "reference": "基础数据",
    "user": "用户管理",
    "settings": "系统设置",
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    prefix = action.split(".", 1)[0]
    return _PREFIX_LABELS.get(prefix, action)


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: dt.datetime  # aware UTC
    username: str
    action: str
    action_label: str
    entity: str  # "User #3", or ""
    summary: str


class AuditLogService(Service):
    def page(
        self,
        offset: int = 0,
        limit: int = DEFAULT_PAGE_SIZE,
        *,
        text: str | None = None,
        since: dt.datetime | None = None,
    ) -> Page[AuditRow]:
        """Audit events, newest first; ``text`` filters on user name, action or summary."""
        self.require(Permission.VIEW_AUDIT)
        offset, limit = check_page_args(offset, limit)
        conditions: list[ColumnElement[bool]] = []
        if text and text.strip():
            like = f"%{text.strip()}%"
            conditions.append(
                or_(
                    AuditEvent.username.ilike(like),
                    AuditEvent.action.ilike(like),
                    AuditEvent.summary.ilike(like),
                )
            )
        if since is not None:
            conditions.append(AuditEvent.at >= since)
        stmt = (
            select(AuditEvent)
            .where(*conditions)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self.read() as s:
            rows = tuple(_row(e) for e in s.scalars(stmt))
            total, capped = (
                capped_count(s, select(AuditEvent.id).where(*conditions)) if offset == 0 else (None, False)
            )
        return Page(rows, offset, total, capped)

    def recent(self, limit: int = 10) -> list[AuditRow]:
        """The latest events (no count: for the 工作台)."""
        self.require(Permission.VIEW_AUDIT)
        stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(max(1, limit))
        with self.read() as s:
            return [_row(e) for e in s.scalars(stmt)]


def _row(e: AuditEvent) -> AuditRow:
    entity = f"{e.entity_type} #{e.entity_id}" if e.entity_type and e.entity_id is not None else ""
    return AuditRow(e.id, e.at, e.username, e.action, action_label(e.action), entity, e.summary or "")
