"""The 数据归集 pane driven like a clerk: check a file, correct a column, import, then undo."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from gxq_desktop.db import models as m
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.gui.panes.base import PaneContext
from gxq_desktop.gui.panes.data_import import ImportPane
from gxq_desktop.gui.signals import AppSignals

from .conftest import make_user
from .import_files import bad_check_digit, code, make_departments, write_xlsx


@pytest.fixture(autouse=True)
def _temporary_files_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejected-rows workbooks are temporary files: keep the tests' ones out of the system temp dir."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


pytestmark = pytest.mark.gui


def _count(db: Database) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(m.Enterprise)) or 0)


def test_check_correct_import_and_undo(
    qtbot: QtBot, qtmodeltester, sqlite_db: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    deps = make_departments(sqlite_db)
    head = make_user(sqlite_db, Role.SECTION_HEAD, "kezhang")
    signals = AppSignals()
    pane = ImportPane(PaneContext(sqlite_db, head, signals))
    qtbot.addWidget(pane)
    pane.resize(1100, 760)
    pane.show()
    pane.refresh()
    tab = pane.import_tab
    qtbot.waitUntil(lambda: tab.department_combo.count() == 3 and pane.history_tab.loaded, timeout=10_000)

    f = write_xlsx(
        tmp_path / "登记.xlsx",
        [
            ["高新区市场主体名录"],
            ["统一社会信用代码", "企业名称", "负责同志", "成立日期"],
            [code(1), "西安秦岭科技有限公司", "张三", "2023/1/5"],
            [code(2), "长安商贸有限公司", "李四", "2023年1月5日"],
            [bad_check_digit(3), "雁塔老字号有限公司", "王五", "20230105"],
            [code(1), "重复行", "", ""],
        ],
        merges=["A1:D1"],
    )
    tab.set_file(str(f))
    tab.set_record_type("enterprise")
    tab.set_department(deps["SJJ"])
    qtbot.mouseClick(tab.check_button, qtbot_left())
    qtbot.waitUntil(lambda: tab.preview is not None, timeout=10_000)
    pv = tab.preview
    assert pv is not None and pv.total_rows == 4
    assert tab.preview_model.rowCount() == 4 and tab.problem_model.rowCount() == 3
    qtmodeltester.check(tab.preview_model)
    qtmodeltester.check(tab.problem_model)
    assert tab.preview_model.index(0, 3).data() == "西安秦岭科技有限公司"
    assert "问题（3）" in tab.tabs.tabText(1)

    # 负责同志 is not a known header: the clerk maps it to 法定代表人 and checks again.
    tab.set_column_field("负责同志", "legal_rep")
    assert not tab.import_button.isEnabled() and tab.recheck_button.isEnabled()
    qtbot.mouseClick(tab.recheck_button, qtbot_left())
    qtbot.waitUntil(
        lambda: tab.preview is not None and "legal_rep" in tab.preview.mapping.values(), timeout=10_000
    )
    qtbot.mouseClick(tab.template_button, qtbot_left())
    qtbot.waitUntil(lambda: "模板" in tab.message.text(), timeout=10_000)

    tab.save_errors_to(str(tmp_path / "错误行.xlsx"))
    qtbot.waitUntil(lambda: (tmp_path / "错误行.xlsx").exists(), timeout=10_000)
    ws = openpyxl.load_workbook(tmp_path / "错误行.xlsx").active
    assert [c.value for c in next(ws.iter_rows())] == [
        "统一社会信用代码",
        "企业名称",
        "负责同志",
        "成立日期",
        "错误原因",
    ]  # type: ignore[union-attr]

    pane.grab().save(str(tmp_path / "import-pane.png"))
    asked: list[str] = []
    tab.ask = lambda title, text: asked.append(text) or True  # type: ignore[method-assign]
    tab.accept_box.setChecked(True)  # a section head accepts the old code …
    qtbot.mouseClick(tab.check_button, qtbot_left())  # … which needs a fresh check
    qtbot.waitUntil(lambda: tab.preview is not None and tab.import_button.isEnabled(), timeout=10_000)
    with qtbot.waitSignal(signals.data_imported, timeout=20_000) as sig:
        qtbot.mouseClick(tab.import_button, qtbot_left())
    assert asked and "可新增 3" in asked[0]
    assert _count(sqlite_db) == 3
    assert "新增 3" in tab.result_label.text()
    with sqlite_db.session() as s:
        legal_reps = set(s.scalars(select(m.Enterprise.legal_rep)))
    assert legal_reps == {"张三", "李四", "王五"}

    history = pane.history_tab
    pane.tabs.setCurrentWidget(history)
    qtbot.waitUntil(lambda: history.model.rowCount() == 1, timeout=10_000)
    qtmodeltester.check(history.model)
    history.select_batch(sig.args[0])
    assert history.undo_button.isEnabled()
    history.ask = lambda title, text: "删除本批次新增的 3 条记录" in text  # type: ignore[method-assign]
    with qtbot.waitSignal(signals.data_imported, timeout=20_000):
        qtbot.mouseClick(history.undo_button, qtbot_left())
    assert _count(sqlite_db) == 0
    qtbot.waitUntil(
        lambda: history.model.rowCount() == 1 and history.model.row_at(0).status == "undone", timeout=10_000
    )


def test_clerk_cannot_accept_check_digits_or_undo(qtbot: QtBot, sqlite_db: Database) -> None:
    clerk = make_user(sqlite_db, Role.CLERK, "luru")
    pane = ImportPane(PaneContext(sqlite_db, clerk, AppSignals()))
    qtbot.addWidget(pane)
    assert not pane.import_tab.accept_box.isEnabled()
    assert not pane.history_tab.undo_button.isVisibleTo(pane)


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_cancelling_a_check_shows_a_message_and_changes_nothing(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    from .import_files import write_csv

    clerk = make_user(sqlite_db, Role.CLERK, "luru")
    pane = ImportPane(PaneContext(sqlite_db, clerk, AppSignals()))
    qtbot.addWidget(pane)
    pane.show()
    tab = pane.import_tab
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"企业{i}"] for i in range(1, 6000)]
    tab.set_file(str(write_csv(tmp_path / "big.csv", rows)))
    tab.set_record_type("enterprise")
    tab.check()
    assert tab.task is not None
    tab.task.cancel()
    qtbot.waitUntil(lambda: "取消" in tab.message.text(), timeout=20_000)
    assert tab.preview is None and not tab.import_button.isEnabled() and tab.check_button.isEnabled()
    assert _count(sqlite_db) == 0


def test_closing_the_window_removes_the_rejected_rows_workbook(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    """The workbook of rejected rows is a temporary file (保存错误行 copies it): it goes with the window."""
    from gxq_desktop.gui.main_window import MainWindow

    make_departments(sqlite_db)
    head = make_user(sqlite_db, Role.SECTION_HEAD, "kezhang")
    window = MainWindow(sqlite_db, head)
    qtbot.addWidget(window)
    window.show()
    pane = window.show_pane("import")
    assert isinstance(pane, ImportPane)
    tab = pane.import_tab
    f = write_xlsx(tmp_path / "登记.xlsx", [["统一社会信用代码", "企业名称"], ["not-a-code", "某某公司"]])
    tab.set_file(str(f))
    tab.set_record_type("enterprise")
    tab.check()
    qtbot.waitUntil(lambda: tab.preview is not None, timeout=10_000)
    rejected = tab.rejected_file
    assert rejected is not None and Path(rejected).exists()
    window.close()
    assert not Path(rejected).exists()
