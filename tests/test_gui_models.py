"""The shared table models (checked by Qt's QAbstractItemModelTester) and run_op."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from gxq_desktop.db.engine import Database
from gxq_desktop.gui.models.table import (
    DANGER_COLOR,
    Column,
    PagedTableModel,
    RowRole,
    RowTableModel,
    SortRole,
    display_text,
)
from gxq_desktop.gui.widgets import make_table_view
from gxq_desktop.gui.workers import TaskState, run_op
from gxq_desktop.services.audit_log import AuditLogService
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import CancelledError, NotFound
from gxq_desktop.services.paging import Page
from gxq_desktop.services.workflow_queries import WorkflowQueries

from .workflow_seed import seed_workflow

pytestmark = pytest.mark.gui


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    day: dt.date | None
    amount: int


COLUMNS = [
    Column("名称", lambda r: r.name, bold=lambda r: r.amount > 5),
    Column("日期", lambda r: r.day),
    Column("数量", lambda r: r.amount, foreground=lambda r: DANGER_COLOR if r.amount < 0 else None),
]
ITEMS = [
    Item(i, f"企业{i}", dt.date(2026, 1, 1) + dt.timedelta(days=i) if i % 3 else None, i - 3)
    for i in range(10)
]


def fake_pages(total: int, *, calls: list[int] | None = None):  # type: ignore[no-untyped-def]
    def fetch(offset: int, limit: int) -> Page[Item]:
        if calls is not None:
            calls.append(offset)
        rows = tuple(Item(i, f"企业{i}", None, i) for i in range(offset, min(total, offset + limit)))
        return Page(rows, offset, total if offset == 0 else None)

    return fetch


def test_row_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowTableModel(COLUMNS)
    model.set_rows(ITEMS)
    qtmodeltester.check(model)
    assert model.rowCount() == 10 and model.columnCount() == 3
    assert model.index(4, 1).data() == "2026-01-05" and model.index(3, 1).data() == ""
    assert model.index(2, 2).data() == "-1"
    assert model.index(2, 2).data(Qt.ItemDataRole.ForegroundRole).color() == DANGER_COLOR
    assert model.index(9, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(9, 0).data(RowRole) is ITEMS[9]
    assert model.headerData(1, Qt.Orientation.Horizontal) == "日期"
    assert model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight.value)


def test_row_model_sorts_by_value_through_a_proxy(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowTableModel(COLUMNS)
    model.set_rows(ITEMS)
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SortRole)
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    assert proxy.index(0, 2).data() == "6" and proxy.index(9, 2).data() == "-3"


def test_display_text() -> None:
    assert display_text(None) == "" and display_text(True) == "是" and display_text(143000) == "143,000"
    assert display_text(dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)).startswith("2026-01-01")


def test_paged_model_fetches_pages_as_the_view_asks(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    owner = QWidget()
    qtbot.addWidget(owner)
    model = PagedTableModel(COLUMNS, fake_pages(45, calls=calls), owner, page_size=20)
    totals: list[int] = []
    model.total_changed.connect(lambda n, capped: totals.append(n))
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 20 and not model.loading, timeout=5000)
    assert totals == [45] and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 40 and not model.loading, timeout=5000)
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 45 and not model.loading, timeout=5000)
    assert not model.canFetchMore(QModelIndex()) and model.fetch_all_loaded()
    assert calls == [0, 20, 40]
    qtmodeltester.check(model)
    assert model.index(44, 0).data() == "企业44"


def test_paged_model_ignores_pages_of_an_earlier_load(qtbot: QtBot) -> None:
    gate = threading.Event()
    owner = QWidget()
    qtbot.addWidget(owner)

    def slow(offset: int, limit: int) -> Page[Item]:
        gate.wait(5)
        return Page((Item(1, "旧结果", None, 1),), offset, 1)

    model = PagedTableModel(COLUMNS, slow, owner)
    model.reload()
    model.set_fetcher(fake_pages(3))
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=5000)
    gate.set()
    qtbot.wait(200)
    assert [model.index(r, 0).data() for r in range(3)] == ["企业0", "企业1", "企业2"]


def test_paged_model_reports_errors(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)

    def broken(offset: int, limit: int) -> Page[Item]:
        raise NotFound("找不到")

    model = PagedTableModel(COLUMNS, broken, owner)
    with qtbot.waitSignal(model.load_failed, timeout=5000) as blocker:
        model.reload()
    assert isinstance(blocker.args[0], NotFound) and not model.loading


@pytest.mark.db
def test_paged_model_on_real_services(qtbot: QtBot, qtmodeltester, db: Database, admin: Actor) -> None:  # type: ignore[no-untyped-def]
    seed_workflow(db)
    owner = QWidget()
    qtbot.addWidget(owner)
    service = WorkflowQueries(db, admin)
    model = PagedTableModel(
        [Column("企业", lambda r: r.enterprise_name), Column("状态", lambda r: r.status_label)],
        lambda o, n: service.inspections_page(o, n),
        owner,
        page_size=2,
    )
    view = make_table_view(model)
    qtbot.addWidget(view)
    model.reload()
    qtbot.waitUntil(lambda: model.total == 5 and not model.loading, timeout=5000)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)
    assert model.rowCount() == 5
    qtmodeltester.check(model)
    audit = AuditLogService(db, admin)
    amodel = PagedTableModel([Column("内容", lambda r: r.summary)], lambda o, n: audit.page(o, n), owner)
    amodel.reload()
    qtbot.waitUntil(lambda: amodel.total == 2, timeout=5000)
    qtmodeltester.check(amodel)


# --------------------------------------------------------------------------- run_op


def test_run_op_returns_the_result_on_the_gui_thread(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    seen: dict[str, object] = {}
    main = threading.get_ident()

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    def done(result: int) -> None:
        seen["result"] = result
        seen["callback"] = threading.get_ident()

    run_op(owner, work, on_success=done)
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42 and seen["callback"] == main and seen["worker"] != main


def test_run_op_passes_errors_to_on_error(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    errors: list[BaseException] = []

    def work() -> None:
        raise NotFound("记录不存在。")

    run_op(owner, work, on_success=lambda r: errors.append(AssertionError("no")), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], NotFound) and errors[0].message == "记录不存在。"


def test_run_op_cancel_stops_the_work(qtbot: QtBot) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    errors: list[BaseException] = []
    progress: list[int] = []

    def work(task) -> str:  # type: ignore[no-untyped-def]
        for i in range(500):
            task.report(i, 500, "处理中")
            progress.append(i)
            task.check()
            time.sleep(0.005)
        return "done"

    state = run_op(owner, work, on_success=lambda r: errors.append(AssertionError(r)), on_error=errors.append)
    qtbot.waitUntil(lambda: len(progress) > 3, timeout=5000)
    state.cancel()
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], CancelledError) and len(progress) < 500
    assert state.snapshot()[1] == 500


def test_task_state_calls_cancel_callbacks_once_until_removed() -> None:
    state = TaskState()
    calls: list[str] = []
    remove_a = state.on_cancel(lambda: calls.append("a"))
    state.on_cancel(lambda: calls.append("b"))
    remove_a()
    state.cancel()
    state.cancel()  # a second press calls nobody again
    assert calls == ["b"]
    state.on_cancel(lambda: calls.append("late"))  # registered after Cancel: called at once
    assert calls == ["b", "late"]


def test_run_op_drops_callbacks_when_the_owner_is_gone(qtbot: QtBot) -> None:
    owner = QWidget()
    results: list[int] = []
    gate = threading.Event()

    def work() -> int:
        gate.wait(5)
        return 1

    run_op(owner, work, on_success=results.append)
    owner.deleteLater()
    qtbot.wait(50)
    gate.set()
    qtbot.wait(300)
    assert results == []
