"""The rejected-rows workbook: the original columns as the clerk sent them, plus 错误原因.

Written while the file is read (openpyxl's write-only mode keeps memory flat), so a million bad rows
cost disk, not RAM. Every cell is written as a value: text that starts with "=" stays text and never
becomes a formula in the clerk's Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from .values import _ILLEGAL_RE, Cell

REASON_HEADER = "错误原因"
EXCEL_CELL_LIMIT = 32767


def temp_rejects_path() -> Path:
    fd, name = tempfile.mkstemp(prefix="gxq-rejected-", suffix=".xlsx")
    os.close(fd)
    return Path(name)


class RejectedRowsWriter:
    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path = path
        self.count = 0
        self._wb = Workbook(write_only=True)
        self._ws: Any = self._wb.create_sheet("错误行")
        self._width = len(headers)
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="FCE4D6")
        row = []
        for h in [*headers, REASON_HEADER]:
            c = WriteOnlyCell(self._ws, value=h)
            c.font = bold
            row.append(c)
        row[-1].fill = fill
        self._ws.append(row)
        self._ws.freeze_panes = "A2"

    def _cell(self, value: Cell) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            text = _ILLEGAL_RE.sub("", value)[:EXCEL_CELL_LIMIT]
            c = WriteOnlyCell(self._ws, value=text)
            c.data_type = "s"  # never a formula, whatever the text starts with
            return c
        if isinstance(value, bool | int | float | dt.date | dt.datetime):
            return value
        return str(value)

    def add(self, cells: Sequence[Cell], reason: str) -> None:
        values = list(cells[: self._width])
        values += [""] * (self._width - len(values))
        self._ws.append([*(self._cell(v) for v in values), self._cell(reason)])
        self.count += 1

    def save(self) -> Path:
        self._wb.save(self.path)
        return self.path

    def discard(self) -> None:
        try:
            self._wb.close()
        finally:
            self.path.unlink(missing_ok=True)
