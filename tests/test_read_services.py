"""The read services behind the panes (工作台, 随机抽查, 检查录入, 结果公示, 统计分析, 审计日志),
on SQLite and PostgreSQL, with their permission checks."""

from __future__ import annotations

import datetime as dt

import pytest

from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.audit_log import AuditLogService, action_label
from gxq_desktop.services.context import Actor
from gxq_desktop.services.dashboard import DashboardService
from gxq_desktop.services.errors import PermissionDenied
from gxq_desktop.services.statistics import StatisticsService
from gxq_desktop.services.workflow_queries import WorkflowQueries

from .conftest import make_user
from .workflow_seed import TODAY, seed_workflow

pytestmark = pytest.mark.db


def test_dashboard_counts(db: Database, actors: dict[Role, Actor]) -> None:
    seed_workflow(db, inspector_user=actors[Role.INSPECTOR])
    s = DashboardService(db, actors[Role.SECTION_HEAD]).summary(today=TODAY)
    assert (s.enterprises_total, s.enterprises_active) == (5, 3)
    assert (s.tasks_running, s.tasks_draft) == (1, 1)
    assert s.inspections_to_enter == 2  # pending + returned
    assert s.my_inspections_to_enter is None  # the section head is no inspector
    assert s.inspections_to_review == 1
    assert (s.results_to_publish, s.results_overdue) == (1, 1)
    assert s.abnormal_listed == 1  # the other listing was removed
    assert s.serious_listed == 1
    assert s.licenses_expiring == 1  # 10 days ahead; 90 days and no date are not counted
    # The section head may read the audit log: newest first.
    assert [r.action for r in s.recent_activity][:2] == ["draw.execute", "import.done"]

    mine = DashboardService(db, actors[Role.INSPECTOR]).summary(today=TODAY)
    assert mine.my_inspections_to_enter == 1  # 张执法 leads the pending one
    assert mine.recent_activity == ()  # inspectors have no VIEW_AUDIT


def test_dashboard_on_an_empty_database(db: Database, admin: Actor) -> None:
    s = DashboardService(db, admin).summary(today=TODAY)
    assert s.enterprises_total == 0 and s.results_to_publish == 0 and s.licenses_expiring == 0


def test_overdue_follows_the_working_day_calendar(db: Database, admin: Actor) -> None:
    seed_workflow(db)
    # Completed Mon 2026-05-04; 5 May is a stored holiday: 20 working days end on Tue 2 June.
    svc = WorkflowQueries(db, admin)
    assert svc.publicity_backlog(today=dt.date(2026, 6, 2)) == (1, 0)
    assert svc.publicity_backlog(today=dt.date(2026, 6, 3)) == (1, 1)
    [row] = svc.awaiting_publicity_page(today=dt.date(2026, 6, 1)).rows
    assert row.due_on == dt.date(2026, 6, 2) and row.days_left == 1 and not row.overdue


def test_plans_tasks_and_draw_runs(db: Database, admin: Actor) -> None:
    seeded = seed_workflow(db)
    svc = WorkflowQueries(db, admin)
    [plan] = svc.list_plans()
    assert (
        plan.plan_no == "西高新市监计划〔2026〕1号" and plan.task_count == 2 and plan.status_label == "执行中"
    )
    page = svc.tasks_page()
    assert page.total == 2 and not page.total_capped
    first, second = page.rows
    assert first.task_no == seeded.second_task_no  # newest start date first
    assert (first.task_type_label, first.status_label) == ("定向抽查", "草稿")
    assert second.task_no == seeded.task_no and second.lead_department == seeded.lead_department
    assert (second.item_count, second.inspection_count) == (1, 5)
    assert svc.tasks_page(status="draft").total == 1
    assert svc.tasks_page(plan_id=plan.id, offset=1, limit=1).rows[0].task_no == seeded.task_no
    [run] = svc.draw_runs(second.id)
    assert run.seed == "20260401-8d1f2c" and run.drawn_count == 5 and run.is_current


def test_inspections_page_puts_the_inspectors_own_first(db: Database, actors: dict[Role, Actor]) -> None:
    seeded = seed_workflow(db, inspector_user=actors[Role.INSPECTOR])
    rows = WorkflowQueries(db, actors[Role.INSPECTOR]).inspections_page().rows
    assert [r.is_mine for r in rows] == [True, True, False, False, False]
    assert {r.id for r in rows[:2]} == {seeded.inspection_ids["pending"], seeded.inspection_ids["approved"]}
    assert rows[0].inspectors == "张执法（组长）、赵税务"
    assert rows[0].status_label == "待检查"  # open work before approved work
    # Others see open work first: 退回 first.
    head_rows = WorkflowQueries(db, actors[Role.SECTION_HEAD]).inspections_page().rows
    assert head_rows[0].status_label == "已退回" and not any(r.is_mine for r in head_rows)
    only = WorkflowQueries(db, actors[Role.INSPECTOR]).inspections_page(only_mine=True)
    assert only.total == 2
    filtered = WorkflowQueries(db, actors[Role.CLERK]).inspections_page(statuses=["submitted"])
    assert filtered.total == 1 and filtered.rows[0].enterprise_name == "高新区锦业路张记面馆"


def test_publicity_pages(db: Database, admin: Actor) -> None:
    seed_workflow(db)
    svc = WorkflowQueries(db, admin)
    waiting = svc.awaiting_publicity_page(today=TODAY)
    assert waiting.total == 1
    [w] = waiting.rows
    assert w.enterprise_name == "西安丈八农业专业合作社" and w.overdue and w.status_label == "待公示"
    published = svc.published_page()
    [p] = published.rows
    assert p.announcement_no == "西高新市监公告〔2026〕3号" and p.published_on == dt.date(2026, 5, 10)
    assert p.task_type_label == "不定向抽查" and not p.overdue


def test_paging_is_done_in_sql(db: Database, admin: Actor) -> None:
    seed_workflow(db)
    svc = WorkflowQueries(db, admin)
    first = svc.inspections_page(0, 2)
    assert first.total == 5 and len(first.rows) == 2
    rest = svc.inspections_page(2, 10)
    assert rest.total is None and len(rest.rows) == 3  # the count comes with the first page only
    assert not {r.id for r in first.rows} & {r.id for r in rest.rows}


def test_statistics(db: Database, admin: Actor) -> None:
    seed_workflow(db)
    st = StatisticsService(db, admin).overview()
    assert st.enterprises_total == 5
    assert [(r.label, r.count) for r in st.by_subject_category] == [
        ("企业", 3),
        ("个体工商户", 1),
        ("农民专业合作社", 1),
    ]
    assert [(r.key, r.count) for r in st.by_status] == [("存续", 3), ("吊销", 1), ("注销", 1)]
    sections = {r.key: (r.label, r.count) for r in st.by_industry_section}
    assert sections["I"] == ("I 信息传输、软件和信息技术服务业", 2)
    by_dept = {r.department: r for r in st.records_by_department}
    sj = by_dept["高新区市场监督管理局"]
    assert sj.counts[st.record_types.index("经营异常名录")] == 2
    assert sj.counts[st.record_types.index("行政许可")] == 2
    assert by_dept["高新区税务局"].total == 1
    assert by_dept["未注明来源部门"].total == 1  # the licence without a department


def test_audit_log_is_newest_first_and_paged(db: Database, admin: Actor) -> None:
    seed_workflow(db)
    svc = AuditLogService(db, admin)
    page = svc.page(0, 1)
    assert page.total == 2 and page.rows[0].action_label == "随机抽取"
    assert svc.page(1, 5).rows[0].summary == "导入经营异常名录 2 条"
    assert svc.page(text="导入").total == 1
    assert action_label("login.failed") == "登录失败" and action_label("zzz") == "zzz"


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.CLERK])
def test_audit_log_needs_view_audit(db: Database, role: Role) -> None:
    actor = make_user(db, role)
    with pytest.raises(PermissionDenied, match="查看审计日志"):
        AuditLogService(db, actor).page()
    with pytest.raises(PermissionDenied):
        AuditLogService(db, actor).recent()


def test_read_services_need_view_data(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every role has VIEW_DATA today; check the guard with a role that lacks it.
    from gxq_desktop.domain import roles

    monkeypatch.setitem(roles.ROLE_PERMISSIONS, Role.CLERK, frozenset())
    nobody = Actor(None, "x", "无权限", Role.CLERK)
    for call in (
        lambda: DashboardService(db, nobody).summary(),
        lambda: StatisticsService(db, nobody).overview(),
        lambda: WorkflowQueries(db, nobody).tasks_page(),
        lambda: WorkflowQueries(db, nobody).inspections_page(),
        lambda: WorkflowQueries(db, nobody).awaiting_publicity_page(),
        lambda: WorkflowQueries(db, nobody).list_plans(),
    ):
        with pytest.raises(PermissionDenied, match="查询数据"):
            call()
