"""One parsed row and its problems: what the engine, the handlers and the service pass around."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .values import Cell

ERROR, WARNING, NOTICE = "error", "warning", "notice"
INSERT, UPDATE, UNCHANGED, REJECTED = "insert", "update", "unchanged", "rejected"
ACTION_LABELS = {INSERT: "新增", UPDATE: "更新", UNCHANGED: "无变化", REJECTED: "拒绝"}


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # row number in the file as the clerk sees it (Excel row; CSV record number)
    column: str  # header of the column ("" when the problem is about the whole row)
    message: str
    severity: str = ERROR  # error: rejected; warning: imported only when accepted; notice: imported

    @property
    def severity_label(self) -> str:
        return {ERROR: "错误", WARNING: "警告", NOTICE: "提示"}[self.severity]


@dataclass(slots=True)
class Row:
    row_no: int
    cells: list[Cell]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    action: str = ""
    target_id: int | None = None
    changes: dict[str, Any] | None = None
    old: dict[str, Any] | None = None

    errors: int = 0
    warnings: int = 0

    @property
    def has_error(self) -> bool:
        return self.errors > 0

    @property
    def has_warning(self) -> bool:
        return self.warnings > 0

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)
        if problem.severity == ERROR:
            self.errors += 1
        elif problem.severity == WARNING:
            self.warnings += 1

    def error(self, column: str, message: str) -> None:
        self.add(Problem(self.row_no, column, message, ERROR))
