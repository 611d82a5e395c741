"""数据归集: choose a file, check it, correct the column mapping, import it; the batch history with undo.

The pane only arranges widgets and calls :class:`ImportService` through ``run_op`` (reading, checking,
importing and undoing all run off the GUI thread, with progress and Cancel after ~0.6 s). After an
import or an undo it emits ``data_imported`` so that other panes refresh themselves.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain.roles import Permission
from gxq_desktop.services.importing import (
    BatchInfo,
    CommitMode,
    ImportOptions,
    ImportPreview,
    ImportResult,
    ImportService,
    PreviewRow,
    Problem,
    ReimportNotConfirmed,
    UndoCheck,
    UndoResult,
    save_rejected_rows,
)

from ..models.table import DANGER_COLOR, MUTED_COLOR, WARNING_COLOR, Column, RowTableModel
from ..widgets import MessageBar, make_table_view, report_error, section_title
from ..workers import TaskState, run_op
from .base import Pane, PaneContext

FILE_FILTER = "表格文件 (*.xlsx *.xlsm *.xls *.csv *.txt);;所有文件 (*)"
NO_FIELD = ""

SEVERITY_COLORS = {"error": DANGER_COLOR, "warning": WARNING_COLOR, "notice": MUTED_COLOR}
ACTION_COLORS = {"拒绝": DANGER_COLOR, "无变化": MUTED_COLOR}


def problem_columns(tr: Callable[[str], str]) -> list[Column]:
    return [
        Column(tr("行号"), lambda p: p.row, width=70),
        Column(tr("列"), lambda p: p.column or tr("（整行）"), width=160),
        Column(
            tr("级别"),
            lambda p: p.severity_label,
            foreground=lambda p: SEVERITY_COLORS.get(p.severity),
            width=60,
        ),
        Column(tr("原因"), lambda p: p.message),
    ]


def history_columns(tr: Callable[[str], str]) -> list[Column]:
    return [
        Column(tr("批次"), lambda b: b.id, text=lambda b: f"#{b.id}", width=60),
        Column(tr("导入时间"), lambda b: b.started_at, width=140),
        Column(
            tr("状态"),
            lambda b: b.status_label,
            foreground=lambda b: MUTED_COLOR if b.status == "undone" else None,
            width=70,
        ),
        Column(tr("数据类型"), lambda b: b.record_type_label, width=130),
        Column(tr("报送部门"), lambda b: b.department_name, width=160),
        Column(tr("操作人"), lambda b: b.user_name, width=90),
        Column(tr("总行数"), lambda b: b.total_rows, width=70),
        Column(tr("新增"), lambda b: b.inserted_rows, width=60),
        Column(tr("更新"), lambda b: b.updated_rows, width=60),
        Column(
            tr("拒绝"),
            lambda b: b.rejected_rows,
            foreground=lambda b: DANGER_COLOR if b.rejected_rows else None,
            width=60,
        ),
        Column(tr("文件"), lambda b: b.file_name),
    ]


def _preview_width(title: str) -> int | None:
    """Codes are shown whole; names and addresses get room."""
    if "代码" in title or "注册号" in title or "文号" in title or "编号" in title:
        return 175
    if "名称" in title or "住所" in title or "原因" in title or "事项" in title:
        return 240
    return None


class ImportTab(QWidget):
    """Choose → check → (correct mapping) → import."""

    def __init__(self, pane: ImportPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.service = pane.service
        self.preview: ImportPreview | None = None
        self.overrides: dict[str, str | None] = {}
        self.rejected_file: str | None = None
        self.task: TaskState | None = None
        tr = self.tr

        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.file_edit = QLineEdit()
        self.file_edit.setReadOnly(True)
        self.file_edit.setPlaceholderText(tr("选择部门报送的 .xlsx、.xls 或 .csv 文件"))
        self.browse_button = QPushButton(tr("选择文件…"))
        self.browse_button.clicked.connect(self.browse)
        self.type_combo = QComboBox()
        for info in self.service.record_types():
            self.type_combo.addItem(info.label, info.value)
        self.department_combo = QComboBox()
        self.department_combo.addItem(tr("（不指定）"), None)
        self.sheet_combo = QComboBox()
        self.sheet_label = QLabel(tr("工作表："))
        self.sheet_combo.setVisible(False)
        self.sheet_label.setVisible(False)
        self.check_button = QPushButton(tr("读取并检查"))
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        grid.addWidget(QLabel(tr("文件：")), 0, 0)
        grid.addWidget(self.file_edit, 0, 1, 1, 3)
        grid.addWidget(self.browse_button, 0, 4)
        grid.addWidget(QLabel(tr("数据类型：")), 1, 0)
        grid.addWidget(self.type_combo, 1, 1)
        grid.addWidget(QLabel(tr("报送部门：")), 1, 2)
        grid.addWidget(self.department_combo, 1, 3)
        grid.addWidget(self.check_button, 1, 4)
        grid.addWidget(self.sheet_label, 2, 0)
        grid.addWidget(self.sheet_combo, 2, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)
        for combo in (self.type_combo, self.department_combo, self.sheet_combo):
            combo.currentIndexChanged.connect(self._inputs_changed)

        self.message = MessageBar()
        layout.addWidget(self.message)
        self.summary = QLabel(tr("请选择文件、数据类型和报送部门，然后点“读取并检查”。"))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.preview_model = RowTableModel([], self)
        self.preview_view = make_table_view(self.preview_model)
        self.problem_model = RowTableModel(problem_columns(tr), self)
        self.problem_view = make_table_view(self.problem_model)
        self.tabs.addTab(self.preview_view, tr("预览（按入库后的样子）"))
        self.tabs.addTab(self.problem_view, tr("问题"))
        self.tabs.addTab(self._mapping_widget(), tr("列对应"))
        layout.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.mode_valid = QRadioButton(tr("导入全部有效行"))
        self.mode_all = QRadioButton(tr("有错误则全部不导入"))
        self.mode_valid.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.mode_valid)
        group.addButton(self.mode_all)
        self.accept_box = QCheckBox(tr("接受仅校验位不符的统一社会信用代码"))
        can_accept = pane.ctx.actor.can(Permission.ACCEPT_USCC_WARNING)
        self.accept_box.setEnabled(can_accept)
        self.accept_box.setToolTip(
            tr("有些真实的旧代码校验位不符（FACTS.md §5），科室负责人核实后可以接受。")
            if can_accept
            else tr("只有科室负责人可以接受校验位不符的代码。")
        )
        self.accept_box.toggled.connect(self._inputs_changed)
        self.save_errors_button = QPushButton(tr("保存错误行…"))
        self.save_errors_button.setEnabled(False)
        self.save_errors_button.clicked.connect(self.save_errors)
        self.import_button = QPushButton(tr("开始导入"))
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        bottom.addWidget(self.mode_valid)
        bottom.addWidget(self.mode_all)
        bottom.addSpacing(16)
        bottom.addWidget(self.accept_box)
        bottom.addStretch(1)
        bottom.addWidget(self.save_errors_button)
        bottom.addWidget(self.import_button)
        layout.addLayout(bottom)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setVisible(False)
        layout.addWidget(self.result_label)

    def _mapping_widget(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 6, 0, 0)
        hint = QLabel(
            self.tr(
                "每一列对应到哪个字段。改正后点“按此对应重新检查”；“保存为模板”后，"
                "同一部门同一数据类型的文件以后会自动按此对应。"
            )
        )
        hint.setWordWrap(True)
        v.addWidget(hint)
        self.mapping_table = QTableWidget(0, 2)
        self.mapping_table.setHorizontalHeaderLabels([self.tr("文件中的列"), self.tr("对应字段")])
        self.mapping_table.verticalHeader().setVisible(False)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.mapping_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        v.addWidget(self.mapping_table, 1)
        buttons = QHBoxLayout()
        self.recheck_button = QPushButton(self.tr("按此对应重新检查"))
        self.recheck_button.clicked.connect(self.check)
        self.template_button = QPushButton(self.tr("保存为模板"))
        self.template_button.clicked.connect(self.save_template)
        self.recheck_button.setEnabled(False)
        self.template_button.setEnabled(False)
        buttons.addStretch(1)
        buttons.addWidget(self.recheck_button)
        buttons.addWidget(self.template_button)
        v.addLayout(buttons)
        return w

    # ---- inputs

    def set_departments(self, departments: list[Any]) -> None:
        current = self.department_combo.currentData()
        self.department_combo.blockSignals(True)
        self.department_combo.clear()
        self.department_combo.addItem(self.tr("（不指定）"), None)
        for d in departments:
            self.department_combo.addItem(d.name, d.id)
        own = self.pane.ctx.actor.department_id
        wanted = current if current is not None else own
        idx = self.department_combo.findData(wanted) if wanted is not None else 0
        self.department_combo.setCurrentIndex(max(idx, 0))
        self.department_combo.blockSignals(False)

    def browse(self) -> None:
        start = str(Path(self.file_edit.text()).parent) if self.file_edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择要导入的文件"), start, self.tr(FILE_FILTER))
        if path:
            self.set_file(path)

    def set_file(self, path: str) -> None:
        self.file_edit.setText(path)
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.blockSignals(False)
        self.sheet_combo.setVisible(False)
        self.sheet_label.setVisible(False)
        self._inputs_changed()

    def set_record_type(self, value: str) -> None:
        self.type_combo.setCurrentIndex(self.type_combo.findData(value))

    def set_department(self, department_id: int | None) -> None:
        self.department_combo.setCurrentIndex(max(self.department_combo.findData(department_id), 0))

    def _inputs_changed(self, *_args: object) -> None:
        """A different file, type, department or sheet invalidates the last check."""
        if self.sender() in (self.type_combo, self.department_combo):
            self.overrides = {}
        self._clear_preview()

    def _clear_preview(self) -> None:
        self.preview = None
        self.import_button.setEnabled(False)
        self.recheck_button.setEnabled(False)
        self.template_button.setEnabled(False)

    # ---- check

    def _request(self) -> tuple[str, str, int | None, str | None] | None:
        path = self.file_edit.text().strip()
        if not path:
            self.message.show_error(self.tr("请先选择要导入的文件。"))
            return None
        sheet = self.sheet_combo.currentText() if self.sheet_combo.isVisible() else None
        return path, str(self.type_combo.currentData()), self.department_combo.currentData(), sheet or None

    def check(self) -> None:
        request = self._request()
        if request is None:
            return
        path, record_type, dep, sheet = request
        self.message.clear_message()
        self.result_label.setVisible(False)
        svc = self.service
        overrides = dict(self.overrides)
        accept = self.accept_box.isChecked()

        def work(task: TaskState) -> ImportPreview:
            return svc.preview(
                path,
                record_type,
                dep,
                mapping=overrides or None,
                sheet=sheet,
                accept_check_digit=accept,
                task=task,
            )

        self.check_button.setEnabled(False)
        self.task = run_op(
            self,
            work,
            on_success=self.show_preview,
            on_error=self._check_failed,
            progress_label=self.tr("正在读取并检查文件…"),
        )

    def _check_failed(self, exc: BaseException) -> None:
        self.check_button.setEnabled(True)
        self._clear_preview()
        report_error(self, exc, self.message)

    def show_preview(self, pv: ImportPreview) -> None:
        self.check_button.setEnabled(True)
        self.preview = pv
        self._replace_rejected(pv.rejected_file)
        tr = self.tr
        self.preview_model.columns = [
            Column(tr("行号"), lambda r: r.row, width=60),
            Column(
                tr("处理"), lambda r: r.action, foreground=lambda r: ACTION_COLORS.get(r.action), width=60
            ),
            *(
                Column(title, (lambda r, i=i: r.values[i]), width=_preview_width(title))
                for i, title in enumerate(pv.preview_headers[2:])
            ),
        ]
        self.preview_model.set_rows(pv.preview_rows)
        self.problem_model.set_rows(pv.problems)
        more = f"（只列出前 {len(pv.problems)} 条）" if pv.problem_count > len(pv.problems) else ""
        self.tabs.setTabText(1, tr("问题（{n}）").format(n=pv.problem_count) + more)
        self._fill_mapping(pv)
        if len(pv.sheet_names) > 1 and not self.sheet_combo.isVisible():
            self.sheet_combo.blockSignals(True)
            self.sheet_combo.addItems(list(pv.sheet_names))
            self.sheet_combo.setCurrentText(pv.sheet_name or "")
            self.sheet_combo.blockSignals(False)
            self.sheet_combo.setVisible(True)
            self.sheet_label.setVisible(True)
        lines = [
            tr("{file}：{fmt}{enc}，表头在第 {rows} 行{tpl}。").format(
                file=pv.file_name,
                fmt=pv.format_label,
                enc=f"（{pv.encoding}）" if pv.encoding else "",
                rows="、".join(str(r) for r in pv.header_rows) or "—",
                tpl=tr("，已按保存的模板对应列") if pv.template_used else "",
            ),
            tr("共 {total} 行：可新增 {ins}，可更新 {upd}，无变化 {same}，拒绝 {err}{warn}。").format(
                total=pv.total_rows,
                ins=pv.insert_rows,
                upd=pv.update_rows,
                same=pv.unchanged_rows,
                err=pv.error_rows,
                warn=tr("（其中 {w} 行仅校验位不符）").format(w=pv.warning_rows) if pv.warning_rows else "",
            ),
        ]
        lines += [tr("提示：") + n for n in pv.notices]
        for b in pv.previous_batches:
            lines.append(
                tr("注意：同一文件已于 {when} 由 {who} 导入过（批次 #{id}）。").format(
                    when=b.started_at.astimezone().strftime("%Y-%m-%d %H:%M"), who=b.user_name, id=b.id
                )
            )
        if pv.missing_required:
            self.message.show_error(
                tr("缺少必需的列：{cols}。请在“列对应”中指定。").format(cols="、".join(pv.missing_required))
            )
            self.tabs.setCurrentIndex(2)
        elif pv.problem_count:
            self.tabs.setCurrentIndex(1 if pv.error_rows else 0)
        else:
            self.tabs.setCurrentIndex(0)
        self.summary.setText("\n".join(lines))
        self.import_button.setEnabled(pv.can_import)
        self.save_errors_button.setEnabled(bool(self.rejected_file))
        self.recheck_button.setEnabled(False)
        self.template_button.setEnabled(True)

    def _fill_mapping(self, pv: ImportPreview) -> None:
        table = self.mapping_table
        table.setRowCount(len(pv.columns))
        for row, col in enumerate(pv.columns):
            item = QTableWidgetItem(col.header)
            item.setData(Qt.ItemDataRole.UserRole, col.key)
            table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), NO_FIELD)
            for f in pv.fields:
                combo.addItem(f.label + (" *" if f.required else ""), f.name)
            combo.setCurrentIndex(max(combo.findData(col.field or NO_FIELD), 0))
            combo.currentIndexChanged.connect(lambda _i, key=col.key, c=combo: self._mapping_changed(key, c))
            table.setCellWidget(row, 1, combo)

    def _mapping_changed(self, key: str, combo: QComboBox) -> None:
        value = combo.currentData()
        self.overrides[key] = value or None
        self.import_button.setEnabled(False)  # the preview no longer matches the mapping
        self.recheck_button.setEnabled(True)

    def current_mapping(self) -> dict[str, str | None]:
        mapping: dict[str, str | None] = {}
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 1)
            if item is not None and isinstance(combo, QComboBox):
                mapping[str(item.data(Qt.ItemDataRole.UserRole))] = combo.currentData() or None
        return mapping

    def set_column_field(self, header: str, field: str | None) -> None:
        """Choose the field for a column (as the clerk does with the combo box)."""
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, 0)
            combo = self.mapping_table.cellWidget(row, 1)
            if item is not None and item.text() == header and isinstance(combo, QComboBox):
                combo.setCurrentIndex(combo.findData(field or NO_FIELD))
                return
        raise KeyError(header)

    def save_template(self) -> None:
        if self.preview is None:
            return
        mapping = self.current_mapping()
        svc = self.service
        dep = self.department_combo.currentData()
        record_type = str(self.type_combo.currentData())
        run_op(
            self,
            lambda: svc.save_template(dep, record_type, mapping),
            on_success=lambda _r: self.message.show_info(
                self.tr("已保存“{dep}”的“{type}”导入模板。").format(
                    dep=self.department_combo.currentText(), type=self.type_combo.currentText()
                )
            ),
            on_error=lambda exc: report_error(self, exc, self.message),
        )

    # ---- rejected rows

    def _replace_rejected(self, path: str | None) -> None:
        if self.rejected_file and self.rejected_file != path:
            with contextlib.suppress(OSError):
                os.unlink(self.rejected_file)
        self.rejected_file = path

    def discard_rejected(self) -> None:
        """Delete the temporary rejected-rows workbook, if there is one."""
        self._replace_rejected(None)

    def save_errors(self) -> None:
        if not self.rejected_file or self.preview is None:
            return
        suggested = str(
            Path(self.preview.file_path).with_name(Path(self.preview.file_name).stem + "_错误行.xlsx")
        )
        dest, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存错误行"), suggested, self.tr("Excel 工作簿 (*.xlsx)")
        )
        if dest:
            self.save_errors_to(dest)

    def save_errors_to(self, dest: str) -> None:
        src = self.rejected_file
        if not src:
            return
        run_op(
            self,
            lambda: save_rejected_rows(src, dest),
            on_success=lambda p: self.message.show_info(self.tr("错误行已保存到：{p}").format(p=p)),
            on_error=lambda exc: report_error(self, exc, self.message),
        )

    # ---- import

    def ask(self, title: str, text: str) -> bool:
        """A yes/no question (tests replace this)."""
        answer = QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        )
        return answer == QMessageBox.StandardButton.Yes

    def start_import(self) -> None:
        pv = self.preview
        request = self._request()
        if pv is None or request is None:
            return
        tr = self.tr
        mode = CommitMode.ALL_OR_NOTHING if self.mode_all.isChecked() else CommitMode.VALID_ROWS
        text = tr(
            "导入《{file}》（{type}）到数据库？\n\n检查结果：可新增 {ins}，可更新 {upd}，拒绝 {err}。"
        ).format(
            file=pv.file_name,
            type=pv.record_type_label,
            ins=pv.insert_rows,
            upd=pv.update_rows,
            err=pv.error_rows,
        )
        if pv.error_rows:
            text += "\n" + (
                tr("按“有错误则全部不导入”，有错误时将不导入任何数据。")
                if mode is CommitMode.ALL_OR_NOTHING
                else tr("有错误的行不导入，可先“保存错误行”交报送部门修改。")
            )
        reimport = bool(pv.previous_batches)
        if reimport:
            text += "\n\n" + tr("注意：这个文件以前已经导入过（批次 {ids}），确定再次导入吗？").format(
                ids="、".join(f"#{b.id}" for b in pv.previous_batches)
            )
        if not self.ask(tr("确认导入"), text):
            return
        self._run_import(request, mode, reimport)

    def _run_import(
        self, request: tuple[str, str, int | None, str | None], mode: CommitMode, reimport: bool
    ) -> None:
        path, record_type, dep, sheet = request
        options = ImportOptions(
            mode=mode,
            accept_check_digit=self.accept_box.isChecked(),
            confirm_reimport=reimport,
            mapping=dict(self.overrides) or None,
            sheet=sheet,
        )
        svc = self.service

        def work(task: TaskState) -> ImportResult:
            return svc.run(path, record_type, dep, options, task=task)

        def failed(exc: BaseException) -> None:
            self.import_button.setEnabled(True)
            if isinstance(exc, ReimportNotConfirmed) and not reimport:
                if self.ask(self.tr("重复导入"), exc.message + self.tr("\n\n仍要再次导入吗？")):
                    self._run_import(request, mode, True)
                return
            report_error(self, exc, self.message)

        self.import_button.setEnabled(False)
        self.task = run_op(
            self, work, on_success=self.show_result, on_error=failed, progress_label=self.tr("正在导入…")
        )

    def show_result(self, result: ImportResult) -> None:
        self._replace_rejected(result.rejected_file)
        self.save_errors_button.setEnabled(bool(self.rejected_file))
        self.result_label.setText(result.message + self.tr("（用时 {s:.1f} 秒）").format(s=result.seconds))
        self.result_label.setStyleSheet("color: #2e7d32;" if result.committed else "color: #c62828;")
        self.result_label.setVisible(True)
        self.problem_model.set_rows(result.problems)
        if result.committed:
            self.preview = None
            self.import_button.setEnabled(False)
            if result.batch_id is not None:
                self.pane.ctx.signals.data_imported.emit(result.batch_id)
        else:
            self.import_button.setEnabled(True)


class HistoryTab(QWidget):
    def __init__(self, pane: ImportPane) -> None:
        super().__init__(pane)
        self.pane = pane
        self.service = pane.service
        layout = QVBoxLayout(self)
        layout.addWidget(section_title(self.tr("导入批次")))
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.model = RowTableModel(history_columns(self.tr), self)
        self.view = make_table_view(self.model)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        self.undo_button = QPushButton(self.tr("撤销所选批次…"))
        self.undo_button.setEnabled(False)
        self.undo_button.setVisible(pane.ctx.actor.can(Permission.UNDO_IMPORT))
        self.undo_button.clicked.connect(self.undo_selected)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        layout.addLayout(buttons)
        self.loaded = False

    def refresh(self) -> None:
        svc = self.service
        run_op(
            self,
            lambda: svc.history(),
            on_success=self._show,
            on_error=lambda e: report_error(self, e, self.message),
        )

    def _show(self, batches: list[BatchInfo]) -> None:
        self.model.set_rows(batches)
        self.loaded = True
        self._selection_changed()

    def selected(self) -> BatchInfo | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        batch: BatchInfo | None = self.model.row_at(rows[0].row())
        return batch

    def select_batch(self, batch_id: int) -> None:
        for i, b in enumerate(self.model.rows()):
            if b.id == batch_id:
                self.view.selectRow(i)
                return

    def _selection_changed(self, *_args: object) -> None:
        b = self.selected()
        self.undo_button.setEnabled(b is not None and b.status == "done")

    def undo_selected(self) -> None:
        batch = self.selected()
        if batch is None:
            return
        svc = self.service
        run_op(
            self,
            lambda: svc.undo_check(batch.id),
            on_success=self._confirm_undo,
            on_error=lambda e: report_error(self, e, self.message),
        )

    def ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        )
        return answer == QMessageBox.StandardButton.Yes

    def _confirm_undo(self, check: UndoCheck) -> None:
        if check.blocking:
            self.message.show_error(self.tr("无法撤销：") + "".join(check.blocking))
            return
        text = check.summary
        if check.warnings:
            text += "\n\n" + self.tr("警告：") + "\n".join(check.warnings)
        text += "\n\n" + self.tr("撤销后不能恢复，确定撤销吗？")
        if not self.ask(self.tr("确认撤销导入"), text):
            return
        svc = self.service
        batch_id = check.batch.id
        run_op(
            self,
            lambda: svc.undo(batch_id, confirm_warnings=True),
            on_success=self._undone,
            on_error=lambda e: report_error(self, e, self.message),
            progress_label=self.tr("正在撤销…"),
            cancellable=False,
        )

    def _undone(self, result: UndoResult) -> None:
        self.message.show_info(result.message)
        self.pane.ctx.signals.data_imported.emit(result.batch_id)
        self.refresh()


class ImportPane(Pane):
    """数据归集 (needs Permission.IMPORT_DATA; undo needs UNDO_IMPORT)."""

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.service = ImportService(ctx.db, ctx.actor)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.import_tab = ImportTab(self)
        self.history_tab = HistoryTab(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.import_tab)
        self.tabs.addTab(splitter, self.tr("导入文件"))
        self.tabs.addTab(self.history_tab, self.tr("导入历史"))
        layout.addWidget(self.tabs)
        ctx.signals.data_imported.connect(lambda _id: self.history_tab.refresh())
        self._departments_loaded = False

    def refresh(self) -> None:
        if not self._departments_loaded:
            svc = self.service
            run_op(self, svc.departments, on_success=self._set_departments, on_error=lambda e: None)
        self.history_tab.refresh()

    def _set_departments(self, departments: list[Any]) -> None:
        self._departments_loaded = True
        self.import_tab.set_departments(departments)

    def release(self) -> None:
        """The rejected-rows workbook of the last check or import is a temporary file (the clerk saves
        a copy with 保存错误行): it goes when the window closes."""
        self.import_tab.discard_rejected()


__all__ = ["HistoryTab", "ImportPane", "ImportTab", "PreviewRow", "Problem"]
