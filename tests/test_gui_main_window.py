"""Main window: the panes each role sees, lazy creation, shortcuts, status bar; and every pane shows
the rows of a small seeded database (checked cell by cell)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.gui.main_window import MainWindow, PaneLoadError
from gxq_desktop.gui.models.table import PagedTableModel
from gxq_desktop.gui.panes import PANES
from gxq_desktop.services.auth import AuthService
from gxq_desktop.services.context import Actor

from .conftest import make_user
from .workflow_seed import Seeded, seed_workflow

pytestmark = pytest.mark.gui

EXPECTED_PANES = {
    Role.ADMIN: ["dashboard", "search", "import", "draw", "inspection", "publicity", "statistics", "admin"],
    Role.SECTION_HEAD: [
        "dashboard",
        "search",
        "import",
        "draw",
        "inspection",
        "publicity",
        "statistics",
        "admin",
    ],
    Role.INSPECTOR: ["dashboard", "search", "draw", "inspection", "publicity", "statistics"],
    Role.CLERK: ["dashboard", "search", "import", "draw", "inspection", "publicity", "statistics"],
}


@pytest.fixture
def users(sqlite_db: Database) -> dict[Role, Actor]:
    return {role: make_user(sqlite_db, role, f"u_{role.value}") for role in Role}


@pytest.fixture
def seeded(sqlite_db: Database, users: dict[Role, Actor]) -> Seeded:
    return seed_workflow(sqlite_db, inspector_user=users[Role.INSPECTOR])


@pytest.fixture
def window_for(qtbot: QtBot, sqlite_db: Database) -> Iterator:  # type: ignore[type-arg]
    windows: list[MainWindow] = []

    def make(actor: Actor) -> MainWindow:
        w = MainWindow(sqlite_db, actor)
        qtbot.addWidget(w)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()


def cells(model: QAbstractItemModel, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


def header(model: QAbstractItemModel) -> list[str]:
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def loaded(model: PagedTableModel) -> bool:
    return model.total is not None and not model.loading


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_panes(window_for, users: dict[Role, Actor], role: Role) -> None:  # type: ignore[no-untyped-def]
    w = window_for(users[role])
    assert w.pane_keys() == EXPECTED_PANES[role]
    titles = [w.navigation.item(i).text() for i in range(w.navigation.count())]
    assert titles[0] == "工作台" and ("系统管理" in titles) == (role in (Role.ADMIN, Role.SECTION_HEAD))
    assert w.status_text() == (
        f"数据库：{w.ctx.db.location_label}（SQLite）　用户：u_{role.value}　角色：{users[role].role_label}"
    )
    assert "本地" in w.db_label.text()


def test_panes_are_created_lazily_and_switched_by_ctrl_number(window_for, users) -> None:  # type: ignore[no-untyped-def]
    w = window_for(users[Role.ADMIN])
    assert list(w.panes) == ["dashboard"]  # only the first pane exists at start
    assert [a.shortcut().toString() for a in w.pane_actions][:3] == ["Ctrl+1", "Ctrl+2", "Ctrl+3"]
    w.pane_actions[3].trigger()  # Ctrl+4 → 随机抽查
    assert w.navigation.currentRow() == 3 and "draw" in w.panes
    assert w.stack.currentWidget() is w.panes["draw"]
    assert w.show_pane("admin") is w.panes["admin"]
    assert window_for(users[Role.CLERK]).show_pane("admin") is None  # not for a clerk


def test_every_pane_loads(window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    w = window_for(users[Role.ADMIN])
    for spec in PANES:
        pane = w.show_pane(spec.key)
        assert pane is not None and not isinstance(pane, PaneLoadError), f"{spec.key} did not load"


def test_dashboard_shows_the_counts(qtbot: QtBot, window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    w = window_for(users[Role.SECTION_HEAD])
    pane = w.panes["dashboard"]
    qtbot.waitUntil(lambda: pane.summary is not None, timeout=10_000)
    assert pane.card_text("enterprises_total") == ("5", "已登记的企业、个体工商户、合作社等")
    assert pane.card_text("enterprises_active")[0] == "3"
    assert pane.card_text("tasks_running") == ("1", "另有草稿 1 个")
    assert pane.card_text("inspections_to_enter")[0] == "2"
    assert pane.card_text("inspections_to_review")[0] == "1"
    value, note = pane.card_text("results_to_publish")
    assert value == "1" and note == "其中 1 项已超过 20 个工作日"
    assert pane.card_text("abnormal_listed")[0] == "1"
    assert pane.card_text("serious_listed")[0] == "1"
    assert pane.cards["licenses_expiring"].title_label.text() == "30 天内到期的许可"
    # the section head may read the audit log: newest first
    assert pane.activity_view.isVisibleTo(pane)
    assert cells(pane.activity_model, 3)[:2] == [
        "执行随机抽取：西高新市监抽查〔2026〕12号",
        "导入经营异常名录 2 条",
    ]


def test_dashboard_for_an_inspector(qtbot: QtBot, window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.INSPECTOR]).panes["dashboard"]
    qtbot.waitUntil(lambda: pane.summary is not None, timeout=10_000)
    assert pane.card_text("inspections_to_enter") == ("2", "其中我的 1 户")
    assert not pane.activity_view.isVisibleTo(pane)  # no VIEW_AUDIT


def test_draw_pane(qtbot: QtBot, window_for, users, seeded: Seeded) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.ADMIN]).show_pane("draw")
    qtbot.waitUntil(lambda: pane.plans_model.rowCount() == 1 and loaded(pane.tasks_model), timeout=10_000)
    assert cells(pane.plans_model, 1) == ["西高新市监计划〔2026〕1号"]
    tasks = pane.tasks_model
    assert header(tasks)[:5] == ["任务编号", "任务名称", "类型", "发起部门", "状态"]
    assert cells(tasks, 0) == [seeded.second_task_no, seeded.task_no]
    assert cells(tasks, 2) == ["定向抽查", "不定向抽查"]
    assert cells(tasks, 3) == [seeded.lead_department] * 2
    assert cells(tasks, 4) == ["草稿", "检查中"]
    assert cells(tasks, 5) == ["0", "1"]
    assert "共 2 个" in pane.tasks_title.text()
    pane.tasks_view.selectRow(1)
    qtbot.waitUntil(lambda: pane.runs_model.rowCount() == 1, timeout=10_000)
    assert cells(pane.runs_model, 0) == ["第 1 次"]
    assert cells(pane.runs_model, 1) == ["20260401-8d1f2c"]
    assert cells(pane.runs_model, 6) == ["当前有效"]
    # filter by status
    pane.status_combo.setCurrentIndex(pane.status_combo.findText("草稿"))
    qtbot.waitUntil(lambda: loaded(pane.tasks_model) and pane.tasks_model.rowCount() == 1, timeout=10_000)
    assert cells(pane.tasks_model, 0) == [seeded.second_task_no]


def test_inspection_pane_puts_mine_first(qtbot: QtBot, window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.INSPECTOR]).show_pane("inspection")
    qtbot.waitUntil(lambda: loaded(pane.model), timeout=10_000)
    model = pane.model
    assert model.rowCount() == 5 and "共 5 户" in pane.title.text()
    assert cells(model, 2)[:2] == ["西安秦岭科技有限公司", "西安丈八农业专业合作社"]  # 张执法's, open first
    assert cells(model, 4)[0] == "张执法（组长）、赵税务"
    assert cells(model, 5)[:2] == ["待检查", "待公示"]
    assert model.index(0, 2).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(2, 2).data(Qt.ItemDataRole.FontRole) is None
    pane.mine_check.setChecked(True)
    qtbot.waitUntil(lambda: loaded(pane.model) and pane.model.rowCount() == 2, timeout=10_000)
    pane.mine_check.setChecked(False)
    pane.status_combo.setCurrentIndex(pane.status_combo.findText("待审核"))
    qtbot.waitUntil(lambda: loaded(pane.model) and pane.model.rowCount() == 1, timeout=10_000)
    assert cells(pane.model, 2) == ["高新区锦业路张记面馆"]


def test_publicity_pane_highlights_overdue(qtbot: QtBot, window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.CLERK]).show_pane("publicity")
    qtbot.waitUntil(lambda: loaded(pane.pending_model) and loaded(pane.published_model), timeout=10_000)
    qtbot.waitUntil(lambda: pane.message.isVisibleTo(pane), timeout=10_000)
    pending = pane.pending_model
    assert cells(pending, 3) == ["西安丈八农业专业合作社"]
    assert cells(pending, 5) == ["2026-05-04"]
    assert cells(pending, 6) == ["2026-06-02"]  # 20 working days, 5 May a holiday
    assert cells(pending, 7)[0].startswith("已超期")
    assert pending.index(0, 7).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"
    assert pane.tabs.tabText(0) == "待公示（1）" and pane.tabs.tabText(1) == "已公示（1）"
    assert "1 项检查结果已超过 20 个工作日" in pane.message.text()
    published = pane.published_model
    assert cells(published, 3) == ["西安鱼化寨贸易有限公司"]
    assert cells(published, 6) == ["2026-05-10"]
    assert cells(published, 7) == ["西高新市监公告〔2026〕3号"]


def test_statistics_pane(qtbot: QtBot, window_for, users, seeded) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.INSPECTOR]).show_pane("statistics")
    qtbot.waitUntil(lambda: pane.stats is not None, timeout=10_000)
    assert "市场主体共 5 户" in pane.title.text()
    assert cells(pane.category_model, 0) == ["企业", "个体工商户", "农民专业合作社"]
    assert cells(pane.category_model, 1) == ["3", "1", "1"]
    assert cells(pane.category_model, 2)[0] == "60.0%"
    assert cells(pane.status_model, 0) == ["存续", "吊销", "注销"]
    assert "I 信息传输、软件和信息技术服务业" in cells(pane.section_model, 0)
    assert len(pane.chart.series()) == 1 and pane.chart.series()[0].barSets()[0].count() == 4
    dept = pane.dept_model
    assert header(dept)[0] == "来源部门" and header(dept)[-1] == "合计"
    assert cells(dept, 0)[0] == "高新区市场监督管理局"
    assert cells(dept, len(header(dept)) - 1) == ["5", "1", "1"]


def test_admin_pane_users_and_audit(qtbot: QtBot, window_for, users, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pane = window_for(users[Role.ADMIN]).show_pane("admin")
    assert [pane.tabs.tabText(i) for i in range(pane.tabs.count())] == ["数据库连接", "用户管理", "审计日志"]
    qtbot.waitUntil(lambda: pane.users_tab.model.rowCount() == 4, timeout=10_000)
    users_model = pane.users_tab.model
    assert sorted(cells(users_model, 0)) == sorted(f"u_{r.value}" for r in Role)
    assert set(cells(users_model, 3)) == {"正常"}
    qtbot.waitUntil(lambda: "（最新）" in pane.database_tab.schema_label.text(), timeout=10_000)
    assert "本地" in pane.database_tab.location_label.text()
    audit = pane.audit_tab.model
    qtbot.waitUntil(lambda: loaded(audit), timeout=10_000)
    assert cells(audit, 2) == ["随机抽取", "数据归集"]
    assert "共 2 条" in pane.audit_tab.count_label.text()

    # disable the clerk (confirmation answered "yes")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    row = cells(users_model, 0).index("u_clerk")
    pane.users_tab.view.selectRow(row)
    assert pane.users_tab.toggle_button.text() == "停用"
    pane.users_tab.toggle_button.click()
    qtbot.waitUntil(lambda: "已停用" in cells(pane.users_tab.model, 3), timeout=10_000)
    assert "已停用用户“u_clerk”" in pane.users_tab.message.text()
    with pytest.raises(Exception, match="停用"):
        AuthService(pane.ctx.db).login("u_clerk", "Secret-123")


def test_section_head_sees_only_the_audit_log_in_system_management(  # type: ignore[no-untyped-def]
    qtbot: QtBot, window_for, users
) -> None:
    pane = window_for(users[Role.SECTION_HEAD]).show_pane("admin")
    titles = [pane.tabs.tabText(i) for i in range(pane.tabs.count())]
    assert titles == ["审计日志"]


def test_logout_closes_the_window(qtbot: QtBot, window_for, users) -> None:  # type: ignore[no-untyped-def]
    w = window_for(users[Role.CLERK])
    w.show()
    with qtbot.waitSignal(w.logout_requested, timeout=2000):
        w.logout_action.trigger()
    assert w.logging_out and not w.isVisible()


@pytest.mark.db
def test_my_panes_load_on_both_databases(qtbot: QtBot, db: Database, actors: dict[Role, Actor]) -> None:
    seed_workflow(db, inspector_user=actors[Role.INSPECTOR])
    w = MainWindow(db, actors[Role.ADMIN])
    qtbot.addWidget(w)
    dash = w.panes["dashboard"]
    qtbot.waitUntil(lambda: dash.summary is not None, timeout=10_000)
    assert dash.card_text("enterprises_total")[0] == "5" and not dash.message.isVisibleTo(dash)
    draw = w.show_pane("draw")
    qtbot.waitUntil(lambda: loaded(draw.tasks_model), timeout=10_000)
    assert draw.tasks_model.rowCount() == 2
    insp = w.show_pane("inspection")
    qtbot.waitUntil(lambda: loaded(insp.model), timeout=10_000)
    assert insp.model.rowCount() == 5
    pub = w.show_pane("publicity")
    qtbot.waitUntil(lambda: loaded(pub.pending_model) and loaded(pub.published_model), timeout=10_000)
    assert cells(pub.pending_model, 3) == ["西安丈八农业专业合作社"]
    stats = w.show_pane("statistics")
    qtbot.waitUntil(lambda: stats.stats is not None, timeout=10_000)
    assert cells(stats.category_model, 1) == ["3", "1", "1"]
    admin = w.show_pane("admin")
    qtbot.waitUntil(
        lambda: loaded(admin.audit_tab.model) and admin.users_tab.model.rowCount() == 4, timeout=10_000
    )
    w.close()
