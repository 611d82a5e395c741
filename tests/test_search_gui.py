"""企业查询 pane, its table model (Qt's model tester), the profile dialog, export and PDF preview."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.gui.dialogs.pdf_preview import PdfPreviewDialog
from gxq_desktop.gui.dialogs.profile import ProfileDialog
from gxq_desktop.gui.models.enterprise_table import BADGE_COLUMN, BadgesRole, EnterpriseTableModel
from gxq_desktop.gui.panes.base import PaneContext
from gxq_desktop.gui.panes.search import SearchPane
from gxq_desktop.gui.signals import AppSignals
from gxq_desktop.reports.enterprise_profile import render_profile_pdf
from gxq_desktop.services import search as search_mod
from gxq_desktop.services.context import Actor
from gxq_desktop.services.profile import ProfileService
from gxq_desktop.services.search import SearchPage, SearchQuery, SearchService

from .conftest import make_user
from .search_builders import add_department, add_enterprises, add_records, enterprise_row

pytestmark = pytest.mark.gui


@pytest.fixture
def clerk(sqlite_db: Database) -> Actor:
    return make_user(sqlite_db, Role.CLERK, "luru")


@pytest.fixture
def district(sqlite_db: Database) -> list[int]:
    rows = [enterprise_row(f"西安秦岭{i:03d}科技有限公司") for i in range(230)]
    rows += [enterprise_row("西安唐延商贸有限公司", status="吊销"), enterprise_row("西安雁塔软件有限公司")]
    ids = add_enterprises(sqlite_db, rows)
    dept = add_department(sqlite_db)
    add_records(sqlite_db, ids[0], dept, abnormal=True, serious=True, license=True)
    add_records(sqlite_db, ids[1], dept, debtor=True, red=True)
    return ids


@pytest.fixture
def pane(qtbot: QtBot, sqlite_db: Database, clerk: Actor, district: list[int]) -> SearchPane:
    p = SearchPane(PaneContext(sqlite_db, clerk, AppSignals()))
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    return p


def search(qtbot: QtBot, pane: SearchPane, text: str) -> SearchPage:
    with qtbot.waitSignal(pane.search_finished, timeout=10_000) as blocker:
        if pane.box.text() == text:
            pane.search_now()
        else:
            pane.box.setText(text)
    page = blocker.args[0]
    assert isinstance(page, SearchPage)
    return page


def test_model_passes_qt_model_tester(
    qtmodeltester, qtbot: QtBot, sqlite_db: Database, clerk: Actor, district: list[int]
) -> None:  # type: ignore[no-untyped-def]
    svc = SearchService(sqlite_db, clerk)
    model = EnterpriseTableModel(lambda c: svc.fetch_more(c, page_size=50))
    model.set_page(svc.search(SearchQuery("秦岭"), page_size=50))
    qtmodeltester.check(model, force_py=True)  # the tester itself calls fetchMore
    qtbot.waitUntil(lambda: not model.loading, timeout=10_000)
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=10_000):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 230 and not model.has_more()
    ids = [model.row_at(i).id for i in range(model.rowCount())]  # type: ignore[union-attr]
    assert len(set(ids)) == 230  # no page twice, even when the view asks while rows go in
    first = model.row_at(0)
    assert first is not None and first.abnormal
    assert [t for t, _ in model.index(0, BADGE_COLUMN).data(BadgesRole)] == ["异常", "严违"]
    model.clear()
    assert model.rowCount() == 0 and not model.canFetchMore(QModelIndex())


def test_late_page_of_an_old_search_is_dropped(
    qtbot: QtBot, sqlite_db: Database, clerk: Actor, district: list[int]
) -> None:
    svc = SearchService(sqlite_db, clerk)
    model = EnterpriseTableModel(lambda c: svc.fetch_more(c, page_size=50))
    model.set_page(svc.search(SearchQuery("秦岭"), page_size=50))
    old_generation = model.generation
    model.set_page(svc.search(SearchQuery("唐延"), page_size=50))
    stale = svc.search(SearchQuery("秦岭"), page_size=50)
    model._received(old_generation, stale)
    assert model.rowCount() == 1 and model.row_at(0) is not None


def test_typing_searches_off_the_gui_thread_and_scrolling_loads_pages(qtbot: QtBot, pane: SearchPane) -> None:
    page = search(qtbot, pane, "秦岭")
    assert page.total == 230
    assert pane.count_label.text() == "共 230 家"
    assert pane.model.rowCount() == 50
    pane.view.scrollToBottom()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 230, timeout=10_000)
    ids = [pane.model.row_at(i).id for i in range(pane.model.rowCount())]  # type: ignore[union-attr]
    assert len(set(ids)) == 230
    inactive = search(qtbot, pane, "唐延")
    assert inactive.rows[0].status == "吊销"
    assert pane.model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # grey


def test_a_capped_count_says_more_than_the_cap(
    qtbot: QtBot, pane: SearchPane, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_mod, "COUNT_CAP", 100)
    page = search(qtbot, pane, "秦岭")
    assert page.total_capped and pane.count_label.text() == "超过 100 家"  # not "超过 100+ 家"


def test_newer_search_discards_an_older_one(
    qtbot: QtBot, pane: SearchPane, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pane.service.search
    release = threading.Event()
    started = threading.Event()
    cancelled: list[bool] = []

    def slow(query: SearchQuery, **kw):  # type: ignore[no-untyped-def]
        if query.text == "秦岭":
            started.set()
            cancel = kw.get("cancel")
            deadline = time.monotonic() + 5
            while not release.is_set() and time.monotonic() < deadline:
                if cancel is not None and cancel():
                    cancelled.append(True)
                    break
                time.sleep(0.01)
        return real(query, **kw)

    monkeypatch.setattr(pane.service, "search", slow)
    pane.box.setText("秦岭")
    pane.search_now()
    # The older search must be running (on a busy machine its thread may start late) before the newer one.
    qtbot.waitUntil(started.is_set, timeout=10_000)
    with qtbot.waitSignal(pane.search_finished, timeout=10_000) as blocker:
        pane.box.setText("雁塔")
        pane.search_now()
    assert blocker.args[0].parsed.raw == "雁塔"
    # The old search was told to stop (the newer one can finish before the old one's next look).
    qtbot.waitUntil(lambda: cancelled == [True], timeout=5_000)
    release.set()
    assert pane.model.rowCount() == 1 and pane.model.row_at(0).name == "西安雁塔软件有限公司"  # type: ignore[union-attr]


def test_filters_and_messages(qtbot: QtBot, pane: SearchPane) -> None:
    search(qtbot, pane, "")
    with qtbot.waitSignal(pane.search_finished, timeout=10_000) as blocker:
        pane.flags["serious_violation"].setChecked(True)
    assert blocker.args[0].total == 1
    pane.clear_filters()
    qtbot.waitUntil(lambda: pane.last_page is not None and pane.last_page.total == 232, timeout=10_000)
    bad = search(qtbot, pane, "%%")
    assert bad.total == 0 and pane.message.isVisible() and "符号" in pane.message.text()


def test_keyboard_enter_opens_profile_and_esc_returns(qtbot: QtBot, pane: SearchPane) -> None:
    search(qtbot, pane, "秦岭000")
    pane.box.setFocus()
    qtbot.keyClick(pane.box, Qt.Key.Key_Down)
    assert pane.view.hasFocus() or pane.view.currentIndex().isValid()
    qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    assert pane.dialogs, "Enter should open the profile"
    dialog = pane.dialogs[-1]
    assert isinstance(dialog, ProfileDialog)
    qtbot.waitUntil(lambda: dialog.profile is not None, timeout=10_000)
    table = dialog.section_table("abnormal")
    assert isinstance(table, QTableWidget) and table.rowCount() == 1
    assert table.item(0, 0).text() == "在列"
    assert dialog.section_table("serious") is not None
    lic = dialog.section_table("licenses")
    assert lic is not None and lic.item(0, 1).text() == "食品经营许可证"
    assert dialog.section_table("penalties") is None  # empty: a note instead of a table
    basic = dialog.tabs.widget(0)
    assert isinstance(basic, QTableWidget) and basic.item(0, 1).text() == "西安秦岭000科技有限公司"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)


def test_export_from_the_pane(qtbot: QtBot, pane: SearchPane, tmp_path: Path) -> None:
    search(qtbot, pane, "秦岭")
    target = tmp_path / "结果.xlsx"
    with qtbot.waitSignal(pane.export_finished, timeout=20_000) as blocker:
        pane.export_to(str(target))
    assert blocker.args[0].rows == 230 and target.exists()
    assert "已导出 230 家" in pane.message.text()


def test_pdf_preview_and_print(
    qtbot: QtBot, sqlite_db: Database, clerk: Actor, district: list[int], tmp_path: Path
) -> None:
    profile = ProfileService(sqlite_db, clerk).profile(district[0])
    data = render_profile_pdf(profile, ["basic", "abnormal"], user="张丽", watermark=True)
    dialog = PdfPreviewDialog(data, suggested_name="a.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(300)  # QPdfView paints asynchronously
    assert dialog.document.pageCount() >= 1
    assert dialog.grab().width() > 0
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) == dialog.document.pageCount()
    assert (tmp_path / "printed.pdf").stat().st_size > 1000


def test_profile_dialog_pdf_flow(
    qtbot: QtBot, sqlite_db: Database, clerk: Actor, district: list[int]
) -> None:
    dialog = ProfileDialog(PaneContext(sqlite_db, clerk, AppSignals()), district[0])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.show()
    assert dialog.pdf_button.isEnabled()
    dialog.render_pdf(["basic", "abnormal", "licenses"], watermark=False)
    qtbot.waitUntil(lambda: getattr(dialog, "_preview", None) is not None, timeout=20_000)
    preview = dialog._preview
    assert preview.document.pageCount() >= 1
    preview.close()
