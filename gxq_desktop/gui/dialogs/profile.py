"""企业档案 dialog: basic information, badges, one tab per record type, the inspection history; a PDF of
the ticked sections with an optional 内部资料 watermark, previewed in the program and printable.

The profile is loaded off the GUI thread (``run_op``); Esc closes the dialog and returns to the list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain.roles import Permission
from gxq_desktop.reports.fonts import ReportFontError
from gxq_desktop.services.errors import GxqError
from gxq_desktop.services.profile import SECTION_TITLES, EnterpriseProfile, ProfileSection, ProfileService

from ..panes.base import PaneContext
from ..widgets import MessageBar, report_error
from ..workers import run_op

LEVEL_COLORS = {
    "danger": "#c62828",
    "warning": "#b26a00",
    "good": "#2e7d32",
    "info": "#1565c0",
    "muted": "#6b7785",
}


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], levels: Sequence[str] = ()) -> QTableWidget:
    t = QTableWidget(len(rows), len(columns))
    t.setHorizontalHeaderLabels(list(columns))
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.verticalHeader().setVisible(False)
    t.setWordWrap(True)
    for r, row in enumerate(rows):
        color = LEVEL_COLORS.get(levels[r]) if r < len(levels) and levels[r] else None
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            item.setToolTip(value if len(value) > 20 else "")
            if color:
                item.setForeground(QColor(color))
            t.setItem(r, c, item)
    header = t.horizontalHeader()
    header.setStretchLastSection(True)
    t.resizeColumnsToContents()
    for c in range(len(columns)):
        t.setColumnWidth(c, min(max(t.columnWidth(c), 70), 260))
    t.resizeRowsToContents()
    return t


class PdfOptionsDialog(QDialog):
    """Which sections go into the PDF, and whether to add the watermark."""

    def __init__(self, profile: EnterpriseProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印企业信用档案"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("选择要打印的内容：")))
        grid = QGridLayout()
        self.boxes: dict[str, QCheckBox] = {}
        counts = {s.key: s.count for s in profile.sections}
        for i, (key, title) in enumerate(SECTION_TITLES.items()):
            label = title if key == "basic" else f"{title}（{counts.get(key, 0)}）"
            box = QCheckBox(label)
            box.setChecked(key == "basic" or counts.get(key, 0) > 0)
            self.boxes[key] = box
            grid.addWidget(box, i // 2, i % 2)
        layout.addLayout(grid)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        self.watermark = QCheckBox(self.tr("加水印“内部资料”"))
        self.watermark.setChecked(True)
        layout.addWidget(self.watermark)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("生成预览"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected(self) -> list[str]:
        return [k for k, b in self.boxes.items() if b.isChecked()]


class ProfileDialog(QDialog):
    loaded = Signal(object)  # the EnterpriseProfile, once shown

    def __init__(self, ctx: PaneContext, enterprise_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.enterprise_id = enterprise_id
        self.profile: EnterpriseProfile | None = None
        self.service = ProfileService(ctx.db, ctx.actor)
        self.setWindowTitle(self.tr("企业档案"))
        self.resize(1100, 720)

        self.title = QLabel(self.tr("正在加载…"))
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code = QLabel("")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badges = QHBoxLayout()
        self.badges.setSpacing(6)
        self.message = MessageBar()
        self.tabs = QTabWidget()
        self.pdf_button = QPushButton(self.tr("打印 / PDF…"))
        self.pdf_button.setEnabled(False)
        self.pdf_button.setVisible(ctx.actor.can(Permission.EXPORT_REPORTS))
        self.pdf_button.clicked.connect(self.print_pdf)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.reject)

        head = QVBoxLayout()
        head.addWidget(self.title)
        head.addWidget(self.code)
        badge_row = QHBoxLayout()
        badge_row.addLayout(self.badges)
        badge_row.addStretch(1)
        head.addLayout(badge_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.pdf_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_pdf)
        QShortcut(QKeySequence("Ctrl+Tab"), self, activated=lambda: self._step_tab(1))
        QShortcut(QKeySequence("Ctrl+Shift+Tab"), self, activated=lambda: self._step_tab(-1))
        self._load()

    # ---- loading

    def _load(self) -> None:
        service, eid = self.service, self.enterprise_id
        run_op(self, lambda: service.profile(eid), on_success=self.show_profile, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.title.setText(self.tr("无法显示企业档案"))
        report_error(self, exc, self.message)

    def show_profile(self, profile: EnterpriseProfile) -> None:
        self.profile = profile
        self.setWindowTitle(self.tr("企业档案 — {name}").format(name=profile.name))
        self.title.setText(profile.name)
        self.title.setStyleSheet("" if profile.is_active else f"color: {LEVEL_COLORS['muted']};")
        self.code.setText(self.tr("统一社会信用代码：{code}").format(code=profile.uscc or self.tr("（无）")))
        while self.badges.count():
            item = self.badges.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        for b in profile.badges:
            label = QLabel(b.text)
            color = LEVEL_COLORS.get(b.level, LEVEL_COLORS["info"])
            label.setStyleSheet(
                f"QLabel {{ background: {color}; color: white; border-radius: 4px; padding: 2px 8px; }}"
            )
            self.badges.addWidget(label)
        self.tabs.clear()
        basic = _table((self.tr("项目"), self.tr("内容")), profile.basic)
        basic.setColumnWidth(0, 150)
        self.tabs.addTab(basic, self.tr("基本信息"))
        for sec in profile.sections:
            self.tabs.addTab(self._section_widget(sec), f"{sec.title}（{sec.count}）")
        if profile.id_masked:
            self.message.show_info(self.tr("身份证号已部分隐藏：查看完整号码需要“查看完整身份证号”的权限。"))
        else:
            self.message.clear_message()
        self.pdf_button.setEnabled(True)
        self.tabs.setFocus()
        self.loaded.emit(profile)

    def _section_widget(self, sec: ProfileSection) -> QWidget:
        if not sec.rows:
            label = QLabel(sec.empty_text)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet(f"color: {LEVEL_COLORS['muted']};")
            return label
        return _table(sec.columns, sec.rows, sec.row_levels)

    def _step_tab(self, step: int) -> None:
        n = self.tabs.count()
        if n:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % n)

    def section_table(self, key: str) -> QTableWidget | None:
        """The table of a section's tab (tests), None when the section is empty."""
        titles = [SECTION_TITLES[key]]
        for i in range(self.tabs.count()):
            if re.sub(r"（\d+）$", "", self.tabs.tabText(i)) in titles:
                w = self.tabs.widget(i)
                return w if isinstance(w, QTableWidget) else None
        return None

    # ---- PDF

    def print_pdf(self) -> None:
        if self.profile is None or not self.ctx.actor.can(Permission.EXPORT_REPORTS):
            return
        options = PdfOptionsDialog(self.profile, self)
        if options.exec() != QDialog.DialogCode.Accepted:
            return
        sections = options.selected()
        if not sections:
            return
        self.render_pdf(sections, options.watermark.isChecked())

    def render_pdf(self, sections: list[str], watermark: bool) -> None:
        service, eid, user = self.service, self.enterprise_id, self.ctx.actor.display_name

        def work() -> bytes:
            from gxq_desktop.reports.enterprise_profile import render_profile_pdf

            profile = service.profile_for_print(eid, sections)
            try:
                return render_profile_pdf(profile, sections, user=user, watermark=watermark)
            except ReportFontError as exc:
                raise GxqError(exc.message) from exc

        run_op(self, work, on_success=self.preview, progress_label=self.tr("正在生成 PDF…"))

    def preview(self, data: bytes) -> None:
        from .pdf_preview import PdfPreviewDialog

        name = self.profile.name if self.profile is not None else "企业"
        dialog = PdfPreviewDialog(
            data,
            title=self.tr("企业信用档案 — 打印预览"),
            suggested_name=f"企业信用档案-{name}.pdf",
            parent=self,
        )
        self._preview = dialog
        dialog.open()
