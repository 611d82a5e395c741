"""The search result table: rows arrive a page at a time as the view scrolls, never the whole result.

:class:`EnterpriseTableModel` holds the rows of one search and the service's cursor. ``fetchMore``
asks for the next page off the GUI thread; a new search (``set_page``) discards the old rows and
any page of the old search that arrives late (a *generation* number tells them apart).
Non-active entities are grey; the 标记 column shows red/orange badges (painted by
:class:`BadgeDelegate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from gxq_desktop.services.search import EnterpriseRow, SearchCursor, SearchPage

from ..workers import run_op
from .table import DANGER_COLOR, MUTED_COLOR, WARNING_COLOR, Column, RowRole, RowTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
BadgesRole = Qt.ItemDataRole.UserRole + 3  # [(text, QColor)] for the 标记 column
GOOD_COLOR = QColor("#2e7d32")

PageFetcher = Callable[[SearchCursor], SearchPage]


def badge_colors(row: EnterpriseRow) -> list[tuple[str, QColor]]:
    out: list[tuple[str, QColor]] = []
    if row.abnormal:
        out.append(("异常", DANGER_COLOR))
    if row.serious_violation:
        out.append(("严违", DANGER_COLOR))
    if row.blacklist:
        out.append(("黑名单", DANGER_COLOR))
    if row.judgment_debtor:
        out.append(("失信", WARNING_COLOR))
    if row.redlist:
        out.append(("红名单", GOOD_COLOR))
    return out


def _grey(row: EnterpriseRow) -> QColor | None:
    return None if row.is_active else MUTED_COLOR


def enterprise_columns(tr: Callable[[str], str]) -> list[Column]:
    return [
        Column(tr("企业名称"), lambda r: r.name, foreground=_grey, width=300, tooltip=lambda r: r.name),
        Column(tr("统一社会信用代码/注册号"), lambda r: r.code, foreground=_grey, width=170),
        Column(tr("法定代表人"), lambda r: r.legal_rep, foreground=_grey, width=90),
        Column(tr("登记状态"), lambda r: r.status, foreground=_grey, width=70),
        Column(tr("标记"), lambda r: " ".join(r.badges), width=150),
        Column(tr("主体类型"), lambda r: r.subject_type or r.subject_category, foreground=_grey, width=110),
        Column(tr("成立日期"), lambda r: r.established_on, foreground=_grey, width=90),
        Column(tr("匹配"), lambda r: r.matched, foreground=_grey, width=80),
        Column(tr("住所"), lambda r: r.address, foreground=_grey, width=320, tooltip=lambda r: r.address),
    ]


BADGE_COLUMN = 4


class EnterpriseTableModel(RowTableModel):
    """Rows of one search; see the module docstring."""

    loading_changed = Signal(bool)
    load_failed = Signal(object)
    page_loaded = Signal(int)  # rows now in the model

    def __init__(self, fetch_more: PageFetcher, parent: QObject | None = None) -> None:
        super().__init__(enterprise_columns(self.tr), parent)
        self._fetch_more = fetch_more
        self._cursor: SearchCursor | None = None
        self._generation = 0
        self._loading = False
        self.page_size = 200
        self.total = 0
        self.total_capped = False

    # ---- contents

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def loading(self) -> bool:
        return self._loading

    def clear(self) -> None:
        """Forget the rows (a new search starts); late pages of the old one are dropped."""
        self._generation += 1
        self._cursor = None
        self._set_loading(False)
        self.total, self.total_capped = 0, False
        self.set_rows([])

    def set_page(self, page: SearchPage) -> None:
        """Show the first page of a new search."""
        self._generation += 1
        self._set_loading(False)
        self.total, self.total_capped = page.total, page.total_capped
        self._cursor = page.cursor
        self.set_rows(page.rows)
        self.page_loaded.emit(len(self._rows))

    def row_at(self, row: int) -> EnterpriseRow | None:
        r = super().row_at(row)
        return r if isinstance(r, EnterpriseRow) else None

    # ---- Qt interface

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == BadgesRole:
            row = self.row_at(index.row()) if index.isValid() else None
            return badge_colors(row) if row is not None else []
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.column() == BADGE_COLUMN:
            row = self.row_at(index.row())
            colors = badge_colors(row) if row is not None else []
            return QBrush(colors[0][1]) if colors else None
        return super().data(index, role)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._cursor is not None and not self._loading

    def fetchMore(self, parent: AnyIndex) -> None:
        if not self.canFetchMore(parent):
            return
        cursor = self._cursor
        assert cursor is not None
        generation = self._generation
        fetch = self._fetch_more
        self._set_loading(True)
        run_op(
            self,  # type: ignore[arg-type]  # any QObject works as the owner
            lambda: fetch(cursor),
            on_success=lambda page: self._received(generation, page),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _received(self, generation: int, page: SearchPage) -> None:
        if generation != self._generation:
            return  # a newer search replaced this one meanwhile
        # The cursor moves on before the rows go in: a view may ask for more while they are inserted.
        self._cursor = page.cursor
        self._set_loading(False)
        rows = list(page.rows)
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.page_loaded.emit(len(self._rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._cursor = None
        self.load_failed.emit(exc)

    def has_more(self) -> bool:
        return self._cursor is not None


class BadgeDelegate(QStyledItemDelegate):
    """Paints the 标记 column as small coloured pills (红: 异常/严违/黑名单, 橙: 失信, 绿: 红名单)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        badges = index.data(BadgesRole) or []
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not badges:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(opt.font)
        x = opt.rect.x() + 4
        h = fm.height() + 2
        y = opt.rect.y() + (opt.rect.height() - h) // 2
        for text, color in badges:
            w = fm.horizontalAdvance(text) + 10
            if x + w > opt.rect.right():
                break
            rect = QRect(x, y, w, h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
            x += w + 4
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        badges = index.data(BadgesRole) or []
        fm = QFontMetrics(option.font)
        width = sum(fm.horizontalAdvance(t) + 14 for t, _ in badges) + 8
        return QSize(max(size.width(), width), size.height())


def attach_badges(view: QWidget, column: int = BADGE_COLUMN) -> BadgeDelegate:
    delegate = BadgeDelegate(view)
    view.setItemDelegateForColumn(column, delegate)  # type: ignore[attr-defined]
    return delegate


__all__ = [
    "BADGE_COLUMN",
    "BadgeDelegate",
    "BadgesRole",
    "EnterpriseTableModel",
    "RowRole",
    "attach_badges",
    "badge_colors",
    "enterprise_columns",
]
