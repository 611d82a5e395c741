"""Table models every pane shares (Vorta's archive_table_model shape, Anki's lazy browser table).

- :class:`Column` says what a column shows for one row (a frozen dataclass from a service).
- :class:`RowTableModel` holds a small list (replace it whole; sort with a QSortFilterProxyModel on
  ``SortRole``).
- :class:`PagedTableModel` holds a long list that lives in the database: it asks the service for
  one page at a time off the GUI thread, and Qt's ``canFetchMore``/``fetchMore`` append the next page
  when the view scrolls near the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from gxq_desktop.services.paging import DEFAULT_PAGE_SIZE, Page

from ..workers import run_op

RowRole = Qt.ItemDataRole.UserRole + 1  # the row object itself
SortRole = Qt.ItemDataRole.UserRole + 2  # a value that sorts correctly (numbers, dates)

AnyIndex = QModelIndex | QPersistentModelIndex
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

TOOLTIP_MIN_CHARS = 12

WARNING_COLOR = QColor("#b26a00")
DANGER_COLOR = QColor("#c62828")
MUTED_COLOR = QColor("#6b7785")


def local_time(value: dt.datetime) -> dt.datetime:
    """Stored times are UTC; show them in the workstation's time zone."""
    return value.astimezone() if value.tzinfo is not None else value


def display_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column: its header and how to read a row. ``value`` gives the raw value (sorted by it and
    formatted by :func:`display_text` unless ``text`` is given)."""

    title: str
    value: Callable[[Any], Any]
    text: Callable[[Any], str] | None = None
    align: Qt.AlignmentFlag | None = None
    tooltip: Callable[[Any], str | None] | None = None
    foreground: Callable[[Any], QColor | None] | None = None
    bold: Callable[[Any], bool] | None = None
    width: int | None = None  # initial width in pixels (None: fit contents)


class RowTableModel(QAbstractTableModel):
    """A list of frozen rows shown through :class:`Column` definitions."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._bold = QFont()
        self._bold.setBold(True)

    # ---- contents

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # ---- Qt interface

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row) if col.text is not None else display_text(col.value(row))
        if role == RowRole:
            return row
        if role == SortRole:
            value = col.value(row)
            if isinstance(value, dt.date | dt.datetime):
                return value.isoformat()
            if isinstance(value, Decimal):
                return float(value)
            return value if value is not None else ""
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.align is not None:
                return int(col.align.value)
            value = col.value(row)
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                return int(ALIGN_RIGHT.value)
            return int(ALIGN_LEFT.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tooltip is not None:
                return col.tooltip(row)
            # Long texts are elided in the cell: show them whole on hover.
            text = col.text(row) if col.text is not None else display_text(col.value(row))
            return text if len(text) > TOOLTIP_MIN_CHARS else None
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            color = col.foreground(row)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.FontRole and col.bold is not None and col.bold(row):
            return self._bold
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title if 0 <= section < len(self.columns) else None
        return str(section + 1)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


PageFetcher = Callable[[int, int], Page[Any]]


class PagedTableModel(RowTableModel):
    """Rows that live in the database, loaded a page at a time off the GUI thread.

    ``fetch(offset, limit)`` is a service call returning a :class:`Page`. :meth:`reload` starts over
    (after a filter change or an app-wide signal); pages from an earlier load that arrive late are
    ignored.
    """

    loading_changed = Signal(bool)
    total_changed = Signal(int, bool)  # rows matching, and whether that number is a lower bound
    load_failed = Signal(object)  # the exception (a GxqError for known problems)

    def __init__(
        self,
        columns: Sequence[Column],
        fetch: PageFetcher | None = None,
        parent: QObject | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        super().__init__(columns, parent)
        self._fetch = fetch
        self.page_size = page_size
        self._generation = 0
        self._loading = False
        self._has_more = False
        self.total: int | None = None
        self.total_capped = False

    def set_fetcher(self, fetch: PageFetcher) -> None:
        self._fetch = fetch

    @property
    def loading(self) -> bool:
        return self._loading

    def reload(self) -> None:
        """Forget the rows and load the first page again."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._has_more = False
        self.endResetModel()
        self.total = None
        if self._fetch is not None:
            self._request(0)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and self._has_more and not self._loading

    def fetchMore(self, parent: AnyIndex) -> None:
        if self.canFetchMore(parent):
            self._request(len(self._rows))

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _request(self, offset: int) -> None:
        fetch = self._fetch
        assert fetch is not None
        generation = self._generation
        size = self.page_size
        self._set_loading(True)
        run_op(
            self,  # type: ignore[arg-type]  # any QObject works as the owner
            lambda: fetch(offset, size),
            on_success=lambda page: self._received(generation, page),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _received(self, generation: int, page: Page[Any]) -> None:
        if generation != self._generation:
            return  # a reload started meanwhile
        self._set_loading(False)
        rows = list(page.rows)
        if page.offset != len(self._rows):
            return  # out of step (should not happen): keep what we have
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        if page.total is not None:
            self.total, self.total_capped = page.total, page.total_capped
            self.total_changed.emit(page.total, page.total_capped)
        if self.total is not None and not self.total_capped:
            self._has_more = len(self._rows) < self.total and len(rows) > 0
        else:
            self._has_more = len(rows) >= self.page_size

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._has_more = False
        self.load_failed.emit(exc)

    def fetch_all_loaded(self) -> bool:
        """True when every matching row is in the model (tests, exports of what is shown)."""
        return not self._has_more and not self._loading
