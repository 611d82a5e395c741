"""企业查询: one search box, filters, a result table that loads as it scrolls, the enterprise profile.

Typing is debounced (250 ms) and every search runs off the GUI thread. A newer search cancels the
older one (its SQLite statement is interrupted) and, should its answer still arrive, discards it: a
generation number says which search a result belongs to. Keyboard: type, ↓ into the list, Enter opens
the profile, Esc back to the search box; Ctrl+F focuses the box, Ctrl+E exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain import reference
from gxq_desktop.domain.enums import RISK_CLASS_LABELS, EnterpriseStatus, RiskClass, SubjectCategory
from gxq_desktop.domain.roles import Permission
from gxq_desktop.services.errors import CancelledError
from gxq_desktop.services.export import EXPORT_LIMIT, ExportResult, ExportService
from gxq_desktop.services.search import (
    FLAG_LABELS,
    SORT_LABELS,
    SearchCursor,
    SearchFilters,
    SearchPage,
    SearchQuery,
    SearchService,
    SortOrder,
)

from ..models.enterprise_table import EnterpriseTableModel, attach_badges
from ..widgets import MessageBar, make_table_view, report_error
from ..workers import TaskState, run_op
from .base import Pane, PaneContext

DEBOUNCE_MS = 250
PLACEHOLDER = "企业名称、统一社会信用代码（可只输后4位）、注册号、拼音首字母、法定代表人、地址、经营范围…"


class _Keys(QObject):
    """Keyboard between the search box and the list."""

    def __init__(self, pane: SearchPane) -> None:
        super().__init__(pane)
        self.pane = pane

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        pane = self.pane
        if watched is pane.box:
            if key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and pane.model.rowCount() > 0:
                pane.focus_results()
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                pane.search_now()
                return True
        elif watched is pane.view:
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                pane.open_current()
                return True
            if key == Qt.Key.Key_Escape:
                pane.box.setFocus()
                pane.box.selectAll()
                return True
        return False


class SearchPane(Pane):
    search_finished = Signal(object)  # the SearchPage shown (tests, status)
    export_finished = Signal(object)  # ExportResult

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.service = SearchService(ctx.db, ctx.actor)
        self.generation = 0
        self.running: TaskState | None = None
        self.last_page: SearchPage | None = None
        self.dialogs: list[QWidget] = []

        self.box = QLineEdit()
        self.box.setPlaceholderText(self.tr(PLACEHOLDER))
        self.box.setClearButtonEnabled(True)
        self.box.setMaxLength(400)
        self.sort = QComboBox()
        for order in SortOrder:
            self.sort.addItem(self.tr("按{label}排序").format(label=SORT_LABELS[order]), order.value)
        self.filter_toggle = QPushButton(self.tr("筛选"))
        self.filter_toggle.setCheckable(True)
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.setVisible(ctx.actor.can(Permission.EXPORT_REPORTS))
        self.export_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.box, 1)
        top.addWidget(self.sort)
        top.addWidget(self.filter_toggle)
        top.addWidget(self.export_button)

        self.filters_box = self._build_filters()
        self.filters_box.setVisible(False)

        self.count_label = QLabel(" ")
        font = self.count_label.font()
        font.setBold(True)
        self.count_label.setFont(font)
        self.kind_label = QLabel(" ")
        self.kind_label.setStyleSheet("color: #6b7785;")
        status = QHBoxLayout()
        status.addWidget(self.count_label)
        status.addWidget(self.kind_label, 1)
        self.message = MessageBar()

        self.model = EnterpriseTableModel(lambda cursor: self._fetch_more(cursor), self)
        self.view: QTableView = make_table_view(self.model)
        attach_badges(self.view)
        self.view.doubleClicked.connect(lambda index: self.open_row(index.row()))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(top)
        layout.addWidget(self.filters_box)
        layout.addLayout(status)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.search_now)
        self.box.textChanged.connect(lambda _t: self.timer.start())
        self.sort.currentIndexChanged.connect(lambda _i: self.search_now())
        self.filter_toggle.toggled.connect(self.filters_box.setVisible)
        self.export_button.clicked.connect(self.export)
        self.model.load_failed.connect(lambda exc: report_error(self, exc, self.message))
        keys = _Keys(self)
        self.box.installEventFilter(keys)
        self.view.installEventFilter(keys)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_box)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.export)
        ctx.signals.enterprises_changed.connect(self.refresh)
        ctx.signals.data_imported.connect(lambda _batch: self.refresh())
        self.setFocusProxy(self.box)
        # The main window calls refresh() once the pane exists: the first (filter-only) list loads then.

    # ---- filters

    def _build_filters(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("filters")
        frame.setStyleSheet(
            "QFrame#filters { background: #f4f7fa; border: 1px solid #d9e1ea; border-radius: 6px; }"
        )
        grid = QGridLayout(frame)
        grid.setContentsMargins(10, 8, 10, 8)
        self.category = QComboBox()
        self.category.addItem(self.tr("全部主体类别"), None)
        for c in SubjectCategory:
            self.category.addItem(c.value, c.value)
        self.section = QComboBox()
        self.section.addItem(self.tr("全部行业门类"), None)
        for e in reference.industry_sections():
            self.section.addItem(f"{e.section} {e.name}", e.section)
        self.status = QComboBox()
        self.status.addItem(self.tr("全部登记状态"), ())
        for s in EnterpriseStatus:
            self.status.addItem(s.value, (s.value,))
        inactive = tuple(s.value for s in EnterpriseStatus if s is not EnterpriseStatus.ACTIVE)
        self.status.addItem(self.tr("非存续（吊销、注销、迁出、撤销）"), inactive)
        self.risk = QComboBox()
        self.risk.addItem(self.tr("全部信用风险分类"), ())
        for r in RiskClass:
            self.risk.addItem(f"{r.value} {RISK_CLASS_LABELS[r]}", (r.value,))
        self.date_on = QCheckBox(self.tr("成立日期"))
        self.date_from = QDateEdit(QDate(2000, 1, 1))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        self.date_on.toggled.connect(self.date_from.setEnabled)
        self.date_on.toggled.connect(self.date_to.setEnabled)
        grid.addWidget(self.category, 0, 0)
        grid.addWidget(self.section, 0, 1)
        grid.addWidget(self.status, 0, 2)
        grid.addWidget(self.risk, 0, 3)
        dates = QHBoxLayout()
        dates.addWidget(self.date_on)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel(self.tr("至")))
        dates.addWidget(self.date_to)
        dates.addStretch(1)
        grid.addLayout(dates, 0, 4, 1, 2)
        self.flags: dict[str, QCheckBox] = {}
        for i, (key, label) in enumerate(FLAG_LABELS.items()):
            box = QCheckBox(self.tr(label))
            self.flags[key] = box
            grid.addWidget(box, 1 + i // 5, i % 5)
        clear = QPushButton(self.tr("清除条件"))
        clear.clicked.connect(self.clear_filters)
        grid.addWidget(clear, 2, 5)
        for combo in (self.category, self.section, self.status, self.risk):
            combo.currentIndexChanged.connect(lambda _i: self.timer.start())
        for box in (*self.flags.values(), self.date_on):
            box.toggled.connect(lambda _c: self.timer.start())
        for d in (self.date_from, self.date_to):
            d.dateChanged.connect(lambda _d: self.timer.start())
        return frame

    def clear_filters(self) -> None:
        for combo in (self.category, self.section, self.status, self.risk):
            combo.setCurrentIndex(0)
        for box in (*self.flags.values(), self.date_on):
            box.setChecked(False)

    def filters(self) -> SearchFilters:
        f = SearchFilters(
            subject_category=self.category.currentData(),
            industry_section=self.section.currentData(),
            statuses=tuple(self.status.currentData() or ()),
            risk_classes=tuple(self.risk.currentData() or ()),
        )
        if self.date_on.isChecked():
            f = replace(
                f,
                established_from=self.date_from.date().toPython(),  # type: ignore[arg-type]
                established_to=self.date_to.date().toPython(),  # type: ignore[arg-type]
            )
        flags = {key: True for key, box in self.flags.items() if box.isChecked()}
        return replace(f, **flags) if flags else f

    def query(self) -> SearchQuery:
        return SearchQuery(self.box.text(), self.filters(), SortOrder(self.sort.currentData()))

    # ---- searching

    def refresh(self) -> None:
        self.search_now()

    def search_now(self) -> None:
        """Start a search for what the box and filters say now; older searches are cancelled."""
        self.timer.stop()
        if self.running is not None:
            self.running.cancel()
        self.generation += 1
        generation = self.generation
        query = self.query()
        service = self.service
        self.count_label.setText(self.tr("正在查询…"))

        def work(task: TaskState) -> SearchPage:
            return service.search(query, cancel=lambda: task.cancelled)

        self.running = run_op(
            self,
            work,
            on_success=lambda page: self._show(generation, page),
            on_error=lambda exc: self._search_failed(generation, exc),
        )

    def _fetch_more(self, cursor: SearchCursor) -> SearchPage:
        return self.service.fetch_more(cursor, page_size=self.model.page_size)

    def _show(self, generation: int, page: SearchPage) -> None:
        if generation != self.generation:
            return  # an older search finished after a newer one started: not wanted
        self.running = None
        self.last_page = page
        self.model.set_page(page)
        if page.total_capped:
            self.count_label.setText(self.tr("超过 {n} 家").format(n=f"{page.total:,}"))
        else:
            self.count_label.setText(self.tr("共 {n} 家").format(n=page.count_text))
        kind = (
            "" if not page.parsed.is_text_search else self.tr("按{label}查询").format(label=page.parsed.label)
        )
        self.kind_label.setText(kind)
        if page.message:
            self.message.show_info(page.message)
        else:
            self.message.clear_message()
        self.export_button.setEnabled(page.total > 0)
        if self.view.model().rowCount() and not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))
        self.search_finished.emit(page)

    def _search_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self.running = None
        if isinstance(exc, CancelledError):
            return
        self.count_label.setText(self.tr("查询失败"))
        self.model.clear()
        report_error(self, exc, self.message)

    # ---- keyboard and profile

    def focus_box(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

    def focus_results(self) -> None:
        self.view.setFocus()
        if not self.view.currentIndex().isValid() and self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.open_row(index.row())

    def open_row(self, row: int) -> QWidget | None:
        ent = self.model.row_at(row)
        if ent is None:
            return None
        from ..dialogs.profile import ProfileDialog

        dialog = ProfileDialog(self.ctx, ent.id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self.view.setFocus())
        dialog.destroyed.connect(
            lambda _o=None, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None
        )
        self.dialogs.append(dialog)
        dialog.open()
        return dialog

    # ---- export

    def export(self) -> None:
        if (
            not self.ctx.actor.can(Permission.EXPORT_REPORTS)
            or self.last_page is None
            or not self.last_page.total
        ):
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = f"企业查询结果-{dt.datetime.now():%Y%m%d-%H%M}.xlsx"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出查询结果"), str(Path(folder) / name), self.tr("Excel 工作簿 (*.xlsx)")
        )
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        query = self.query()
        service = ExportService(self.ctx.db, self.ctx.actor)

        def work(task: TaskState) -> ExportResult:
            return service.export_search(query, path, progress=task.report, cancel=lambda: task.cancelled)

        run_op(
            self,
            work,
            on_success=self._exported,
            on_error=lambda exc: (
                None if isinstance(exc, CancelledError) else report_error(self, exc, self.message)
            ),
            progress_label=self.tr("正在导出查询结果…"),
        )

    def _exported(self, result: ExportResult) -> None:
        text = self.tr("已导出 {n} 家到 {path}").format(n=f"{result.rows:,}", path=result.path)
        if result.truncated:
            text += self.tr("（结果超过 {limit} 家，只导出前 {limit} 家）").format(limit=f"{EXPORT_LIMIT:,}")
        self.message.show_info(text)
        self.export_finished.emit(result)
