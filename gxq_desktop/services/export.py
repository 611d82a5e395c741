"""Export the current search result to an Excel workbook (.xlsx), up to 100,000 rows.

The workbook is written with openpyxl's write-only mode (rows stream to disk, memory stays flat) into
a temporary file beside the target, which is renamed only when everything is written: cancelling or
any error leaves no file behind, and an existing file of that name is untouched until the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gxq_desktop.domain.roles import Permission

from .base import Service
from .errors import CancelledError, GxqError
from .search import FLAG_LABELS, SORT_LABELS, EnterpriseRow, SearchQuery, SearchService

EXPORT_LIMIT = 100_000
BATCH = 2_000

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

# (header, width, value) — the risk class is internal and never leaves the program in a file.
COLUMNS: tuple[tuple[str, int, Callable[[EnterpriseRow], object]], ...] = (
    ("企业名称", 40, lambda r: r.name),
    ("统一社会信用代码/注册号", 22, lambda r: r.code),
    ("法定代表人", 12, lambda r: r.legal_rep),
    ("主体类别", 12, lambda r: r.subject_category),
    ("主体类型", 14, lambda r: r.subject_type),
    ("登记状态", 9, lambda r: r.status),
    ("成立日期", 12, lambda r: r.established_on),
    ("行业门类", 9, lambda r: r.industry_section),
    ("住所/经营场所", 45, lambda r: r.address),
    ("小微企业", 9, lambda r: "是" if r.is_small_micro else ""),
    ("经营异常", 9, lambda r: "在列" if r.abnormal else ""),
    ("严重违法失信", 12, lambda r: "在列" if r.serious_violation else ""),
    ("黑名单", 8, lambda r: "在列" if r.blacklist else ""),
    ("红名单", 8, lambda r: "在列" if r.redlist else ""),
    ("失信被执行人", 12, lambda r: "在列" if r.judgment_debtor else ""),
    ("匹配字段", 12, lambda r: r.matched),
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    rows: int
    truncated: bool  # more rows matched than were exported (EXPORT_LIMIT)


def describe_query(query: SearchQuery) -> list[tuple[str, str]]:
    """The search as (label, value) lines, for the workbook's 查询条件 sheet and the audit log."""
    f = query.filters
    lines = [("查询内容", query.text.strip() or "（无，按筛选条件）"), ("排序", SORT_LABELS[query.sort])]
    if f.subject_category:
        lines.append(("主体类别", f.subject_category))
    if f.subject_type:
        lines.append(("主体类型", f.subject_type))
    if f.industry_section:
        lines.append(("行业门类", f.industry_section))
    if f.statuses:
        lines.append(("登记状态", "、".join(f.statuses)))
    if f.established_from or f.established_to:
        lines.append(("成立日期", f"{f.established_from or ''} 至 {f.established_to or ''}"))
    if f.risk_classes:
        lines.append(("信用风险分类", "、".join(f.risk_classes)))
    flags = [label for key, label in FLAG_LABELS.items() if getattr(f, key)]
    if flags:
        lines.append(("条件", "、".join(flags)))
    return lines


class ExportService(Service):
    """Exports need Permission.EXPORT_REPORTS (and VIEW_DATA to search)."""

    def export_search(
        self,
        query: SearchQuery,
        path: str | Path,
        *,
        limit: int = EXPORT_LIMIT,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ExportResult:
        self.require(Permission.EXPORT_REPORTS)
        self.require(Permission.VIEW_DATA)
        target = Path(path)
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        limit = max(1, min(int(limit), EXPORT_LIMIT))
        if not target.parent.is_dir():
            raise GxqError(f"保存位置“{target.parent}”不存在，请重新选择文件夹。")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        wb: Workbook | None = None
        written = 0
        truncated = False
        try:
            wb = Workbook(write_only=True)
            ws: WriteOnlyWorksheet = wb.create_sheet("企业名单")
            ws.column_dimensions["A"].width = 8
            for i, (_, width, _) in enumerate(COLUMNS):
                ws.column_dimensions[_col(i + 2)].width = width
            ws.freeze_panes = "A2"
            bold = Font(bold=True)
            fill = PatternFill("solid", fgColor="DDE6F0")
            header = []
            for title in ("序号", *(c[0] for c in COLUMNS)):
                cell = WriteOnlyCell(ws, value=title)
                cell.font = bold
                cell.fill = fill
                cell.alignment = Alignment(horizontal="center")
                header.append(cell)
            ws.append(header)
            total = 0
            first_total, first_capped = 0, False
            svc = SearchService(self.db, self.actor)
            for first, rows in svc.iter_rows(query, limit=limit, batch=BATCH, cancel=cancel):
                first_total, first_capped = first.total, first.total_capped
                total = min(first_total, limit) if not first_capped else 0
                for row in rows:
                    written += 1
                    ws.append([written, *(_cell_value(ws, fn(row)) for _, _, fn in COLUMNS)])
                if progress is not None:
                    progress(written, total, f"已导出 {written:,} 行")
                if cancel is not None and cancel():
                    raise CancelledError("导出已取消，没有生成文件。")
            truncated = written >= limit and (first_capped or first_total > written)
            meta = wb.create_sheet("查询条件")
            meta.column_dimensions["A"].width = 16
            meta.column_dimensions["B"].width = 60
            for label, value in describe_query(query):
                meta.append([label, value])
            meta.append(["导出行数", written])
            if truncated:
                meta.append(["说明", f"符合条件的企业超过 {limit:,} 家，只导出了前 {limit:,} 家。"])
            meta.append(["导出时间", dt.datetime.now().strftime("%Y-%m-%d %H:%M")])
            meta.append(["导出人", self.actor.display_name])
            if cancel is not None and cancel():
                raise CancelledError("导出已取消，没有生成文件。")
            wb.save(tmp)
            wb = None
            os.replace(tmp, target)
        except CancelledError:
            _discard(wb)
            _remove(tmp)
            raise
        except OSError as exc:
            _discard(wb)
            _remove(tmp)
            raise GxqError(
                f"无法写入文件“{target}”：{exc.strerror or exc}。请检查文件是否已在 Excel 中打开、磁盘空间和写入权限。"
            ) from exc
        except BaseException:
            _discard(wb)
            _remove(tmp)
            raise
        with self.tx() as s:
            self.audit(
                s,
                "export_enterprises",
                f"导出企业名单 {written:,} 行到 {target.name}",
                details={"rows": written, "file": target.name, "query": dict(describe_query(query))},
            )
        return ExportResult(target, written, truncated)


def _cell_value(ws: WriteOnlyWorksheet, value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # a name or address is text, never a formula
        return cell
    return value


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _discard(wb: Workbook | None) -> None:
    """Finish and delete the sheets' temporary files of an abandoned write-only workbook."""
    if wb is None:
        return
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
