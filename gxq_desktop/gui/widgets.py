"""Small widgets the panes share: number cards, a message bar, configured table views."""

from __future__ import annotations

import traceback

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.services.errors import GxqError

from .models.table import RowTableModel

CARD_STYLE = """
QFrame#card { background: #ffffff; border: 1px solid #d9e1ea; border-radius: 8px; }
QLabel#cardTitle { color: #4a5a6c; }
QLabel#cardValue { color: #1d2b3a; }
QLabel#cardNote { color: #6b7785; }
"""

LEVEL_COLORS = {"normal": "#1d2b3a", "good": "#2e7d32", "warning": "#b26a00", "danger": "#c62828"}


class Card(QFrame):
    """A number with its title and a one-line note (工作台)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setStyleSheet(CARD_STYLE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(4)
        self.title_label = QLabel(title)
        self.title_label.setObjectName("cardTitle")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("cardValue")
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.value_label.setFont(font)
        self.note_label = QLabel(" ")
        self.note_label.setObjectName("cardNote")
        for w in (self.title_label, self.value_label, self.note_label):
            layout.addWidget(w)

    def set_value(self, value: int | str, note: str = "", level: str = "normal") -> None:
        self.value_label.setText(f"{value:,}" if isinstance(value, int) else value)
        self.value_label.setStyleSheet(f"color: {LEVEL_COLORS.get(level, LEVEL_COLORS['normal'])};")
        self.note_label.setText(note or " ")
        self.note_label.setStyleSheet(
            f"color: {LEVEL_COLORS['danger']};" if level == "danger" and note else ""
        )


class MessageBar(QLabel):
    """An inline message above a table: a problem loading, or what is shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setStyleSheet(
            "QLabel { background: #fdecea; color: #8a1c1c; border: 1px solid #f5c2c0;"
            " border-radius: 4px; padding: 6px 10px; }"
        )
        self.setText(text)
        self.show()

    def show_info(self, text: str) -> None:
        self.setStyleSheet(
            "QLabel { background: #eef4fb; color: #1d3b5c; border: 1px solid #cfe0f3;"
            " border-radius: 4px; padding: 6px 10px; }"
        )
        self.setText(text)
        self.show()

    def clear_message(self) -> None:
        self.clear()
        self.hide()


def report_error(parent: QWidget, exc: BaseException, bar: MessageBar | None = None) -> None:
    """A known problem goes to the message bar (or a message box); a bug to the crash dialog."""
    if isinstance(exc, GxqError):
        if bar is not None:
            bar.show_error(exc.message)
        else:
            from .dialogs.errors import show_error

            show_error(parent, exc)
        return
    from .dialogs.errors import show_bug

    show_bug(parent, exc, "".join(traceback.format_exception(exc)))


def make_table_view(model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    source = model
    while hasattr(source, "sourceModel"):
        source = source.sourceModel()  # type: ignore[attr-defined]
    if isinstance(source, RowTableModel):
        char = view.fontMetrics().horizontalAdvance("中")
        for i, col in enumerate(source.columns):
            width = col.width or max(char * (len(col.title) + 2), 64)
            header.resizeSection(i, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def section_title(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label
