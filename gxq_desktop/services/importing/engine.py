"""One pass over a file: read, parse, validate against the database and — when writing — store.

The same pass serves the preview (``write=False``, in a read-only session) and the import itself
(``write=True``, inside the caller's single transaction, so a cancel or any failure rolls everything
back). Rows flow in chunks: each chunk costs one lookup query per table (existing enterprises, existing
records) and one executemany per kind of write, never a query per row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from gxq_desktop.db import models as m
from gxq_desktop.db.base import utcnow
from gxq_desktop.domain.enums import ImportRecordType, SubjectCategory
from gxq_desktop.domain.uscc import normalize_code

from . import fast
from .bulk import BackgroundWriter, BulkInserter
from .fields import Kind, RecordSpec, header_unit, table_of
from .headers import SCAN_ROWS, HeaderInfo, MergeFiller, detect_header, is_repeated_header, resolve_mapping
from .readers import SourceInfo, TableReader
from .rejects import RejectedRowsWriter, temp_rejects_path
from .search_sync import BulkIndexer
from .values import (
    _SPECIAL_RE,
    _STRIP,
    Cell,
    ValueProblem,
    cell_text,
    clean_docno,
    clean_name,
    clean_text,
    display,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
    parse_year,
    split_list,
    to_json,
)

CHUNK = 2000
PREVIEW_ROWS = 100
PROBLEM_LIMIT = 10_000

ERROR, WARNING, NOTICE = "error", "warning", "notice"
INSERT, UPDATE, UNCHANGED, REJECTED = "insert", "update", "unchanged", "rejected"
ACTION_LABELS = {INSERT: "新增", UPDATE: "更新", UNCHANGED: "无变化", REJECTED: "拒绝"}


class Progress(Protocol):
    """What the import reports to (gui.workers.TaskState has this shape)."""

    def check(self) -> None: ...

    def report(self, done: int, total: int = 0, text: str = "") -> None: ...


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


@dataclass
class Outcome:
    source: SourceInfo
    header: HeaderInfo
    mapping: dict[int, str]
    missing_required: list[str]
    total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warning_rows: int = 0  # rows with an acceptable warning (imported only when accepted)
    accepted_warning_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    preview_rows: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    preview_fields: tuple[str, ...] = ()
    rejected_file: Path | None = None
    notices: list[str] = field(default_factory=list)
    wrote: bool = False


class JobCancelled(Exception):
    pass


# --------------------------------------------------------------------------- converters


def _memo(conv: Callable[[Cell], Any], size: int = 50_000) -> Callable[[Cell], Any]:
    """Remember conversions of text cells: dates and enumerations repeat down a column."""
    cache: dict[str, Any] = {}

    def convert(v: Cell) -> Any:
        if type(v) is not str:
            return conv(v)
        try:
            return cache[v]
        except KeyError:
            pass
        result = conv(v)  # a ValueProblem is raised each time: problems are never cached
        if len(cache) < size:
            cache[v] = result
        return result

    return convert


_EXCEL_TEXT_RE = re.compile(r'^="(.*)"$')


def _strip_excel_text(value: Cell) -> Cell:
    """CSV files from Excel sometimes hold ="0123" to keep leading zeros."""
    if isinstance(value, str) and value.startswith('="'):
        mt = _EXCEL_TEXT_RE.match(value.strip())
        if mt:
            return mt.group(1)
    return value


def make_converter(
    kind: Kind,
    label: str,
    *,
    max_length: int | None,
    unit: str | None,
    column_unit: str | None,
    choices: Mapping[str, str],
    allowed: str,
    departments: Mapping[str, int],
) -> Callable[[Cell], Any]:
    limit = max_length if max_length is not None else 1 << 62

    def too_long(s: str) -> ValueProblem:
        return ValueProblem(f"{label}过长（{len(s)} 字，最多 {max_length} 字）。")

    special = _SPECIAL_RE.search
    if kind is Kind.TEXT:

        def text(v: Cell) -> Any:
            # Inlined clean_text() for the common case: a str without full-width or control characters.
            if type(v) is str:
                s = v.strip(_STRIP)
                if special(s):
                    s = clean_text(s) or ""
            else:
                s = clean_text(v) or ""
            if not s:
                return None
            if len(s) > limit:
                raise too_long(s)
            return s

        return text
    if kind is Kind.NAME:

        def name(v: Cell) -> Any:
            s = clean_name(v)
            if s is not None and len(s) > limit:
                raise too_long(s)
            return s

        return name
    if kind is Kind.DOCNO:

        def docno(v: Cell) -> Any:
            if type(v) is str and not v.startswith('="'):
                s: str | None = v.strip(_STRIP)
                if s and special(s):
                    s = clean_docno(s)
            else:
                s = clean_docno(_strip_excel_text(v))
            if not s:
                return None
            if len(s) > limit:
                raise too_long(s)
            return s

        return docno
    if kind in (Kind.USCC, Kind.REG_NO, Kind.ORG_CODE):
        return _strip_excel_text  # checked per row (a 15-digit "USCC" is a 注册号)
    if kind is Kind.DATE:
        return _memo(parse_date)
    if kind is Kind.AMOUNT:
        target = unit or "元"
        return lambda v: parse_amount(v, target, column_unit)
    if kind is Kind.INT:
        return parse_int
    if kind is Kind.YEAR:
        return parse_year
    if kind is Kind.BOOL:
        return parse_bool
    if kind is Kind.LIST:
        return split_list
    if kind is Kind.ENUM:
        from .fields import normalize_header

        def enum(v: Cell) -> Any:
            s = clean_text(v)
            if s is None:
                return None
            hit = choices.get(normalize_header(s))
            if hit is None:
                raise ValueProblem(f"{label}“{s[:40]}”无法识别，可用的值：{allowed}。")
            return hit

        return _memo(enum)
    if kind is Kind.DEPARTMENT:
        from .fields import normalize_header

        def department(v: Cell) -> Any:
            s = clean_text(v)
            if s is None:
                return None
            hit = departments.get(normalize_header(s))
            if hit is None:
                raise ValueProblem(f"部门“{s[:40]}”不在部门列表中，请写部门全称或简称。")
            return hit

        return department
    raise AssertionError(kind)  # pragma: no cover


# --------------------------------------------------------------------------- codes


_SCI_RE = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
_REGNO_RE = re.compile(r"^\d{13}$|^\d{15}$")
_FAST_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def _number_lost(raw: Cell, label: str) -> str | None:
    if isinstance(raw, float) and abs(raw) >= 1e15:
        return (
            f"{label}在 Excel 中被存成了数字（{cell_text(raw)}），后几位已经丢失。"
            "请把该列设置为“文本”格式后重新录入。"
        )
    if isinstance(raw, str) and _SCI_RE.match(raw.strip()):
        return (
            f"{label}被显示成了科学计数法（{raw.strip()}），后几位已经丢失。"
            "请把该列设置为“文本”格式后重新录入。"
        )
    return None


def check_codes(row: Row, labels: Mapping[str, str], raw_uscc: Cell, raw_reg: Cell) -> None:
    """USCC and 注册号 of a row: normalised into row.values; problems as errors or (check digit) warnings."""
    v = row.values
    uscc_label = labels.get("uscc", "统一社会信用代码")
    reg_label = labels.get("reg_no", "注册号")
    if type(raw_uscc) is str and fast.uscc_is_valid(raw_uscc):  # the common case: a clean, valid code
        v["uscc"] = raw_uscc
    elif raw_uscc not in (None, ""):
        lost = _number_lost(raw_uscc, "统一社会信用代码")
        if lost:
            row.error(uscc_label, lost)
        else:
            text = cell_text(raw_uscc)
            code = text if _FAST_USCC_RE.fullmatch(text) else normalize_code(text)
            if _REGNO_RE.match(code) and "reg_no" not in v:
                v["reg_no"] = code  # "统一社会信用代码/注册号" columns hold either
            elif code:
                result = fast.check(code)
                if result.ok:
                    v["uscc"] = result.normalized
                elif result.only_check_digit_wrong:
                    v["uscc"] = result.normalized
                    row.add(
                        Problem(
                            row.row_no,
                            uscc_label,
                            result.message + "（可能是真实的旧代码，须由科室负责人确认后导入）",
                            WARNING,
                        )
                    )
                else:
                    row.error(uscc_label, result.message)
    if raw_reg not in (None, "") and "reg_no" not in v:
        lost = _number_lost(raw_reg, "注册号")
        code = normalize_code(cell_text(raw_reg))
        if lost:
            row.error(reg_label, lost)
        elif not _REGNO_RE.match(code):
            row.error(reg_label, f"注册号“{code[:30]}”应为 15 位数字（旧版为 13 位）。")
        else:
            v["reg_no"] = code
    if "uscc" not in v and "reg_no" not in v and not row.has_error:
        row.error(uscc_label, "统一社会信用代码和注册号都为空，无法确定是哪个市场主体。")


# --------------------------------------------------------------------------- the pass


def _chunks(it: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(it)
    while batch := list(itertools.islice(it, size)):
        yield batch


@dataclass
class JobContext:
    session: Session
    write: bool
    batch_id: int | None
    actor_id: int | None
    department_id: int | None
    accept_warnings: bool
    now: dt.datetime = field(default_factory=utcnow)
    for_update: bool = False


class ImportJob:
    def __init__(
        self,
        reader: TableReader,
        spec: RecordSpec,
        ctx: JobContext,
        *,
        template: Mapping[str, str | None] | None = None,
        overrides: Mapping[str, str | None] | None = None,
        all_or_nothing: bool = False,
        progress: Progress | None = None,
        rejected_path: Path | None = None,
        keep_rejected: bool = True,
        rejected_limit: int | None = None,
    ) -> None:
        self.reader = reader
        self.spec = spec
        self.ctx = ctx
        self.template = template
        self.overrides = overrides
        self.all_or_nothing = all_or_nothing
        self.progress = progress
        self.rejected_path = rejected_path
        self.keep_rejected = keep_rejected
        self.rejected_limit = rejected_limit
        self._rejects: RejectedRowsWriter | None = None
        self.departments = _department_index(ctx.session)
        self.writer = BackgroundWriter()

    # ---- reading

    def _raw_rows(self) -> tuple[HeaderInfo, Iterator[tuple[int, list[Cell]]]]:
        rows = self.reader.rows()
        head: list[tuple[int, list[Cell], str | None]] = list(itertools.islice(rows, SCAN_ROWS))
        filler = MergeFiller(self.reader.merged)
        scanned = [(n, filler.fill(n - 1, list(c), header=True) if filler else c) for n, c, _ in head]
        header = detect_header(scanned, self.spec, merged_info=bool(self.reader.merged))
        # Data rows are re-filled as data (vertical runs only): restart the filler on the raw rows.
        filler = MergeFiller(self.reader.merged)
        self._notes: dict[int, str] = {}

        def stream() -> Iterator[tuple[int, list[Cell]]]:
            for i, (n, cells, note) in enumerate(itertools.chain(head, rows)):
                is_header = i < header.consumed
                if filler:
                    cells = filler.fill(n - 1, cells, header=is_header)
                if is_header:
                    continue
                if note:
                    self._notes[n] = note
                yield n, cells

        return header, stream()

    # ---- main

    def run(self) -> Outcome:
        header, raw = self._raw_rows()
        mapping = resolve_mapping(header, self.spec, template=self.template, overrides=self.overrides)
        mapped_fields = set(mapping.values())
        out = Outcome(
            self.reader.info,
            header,
            mapping,
            self.spec.required_missing(mapped_fields),
            notices=list(self.reader.info.notices),
        )
        if not header.labels:
            out.notices.append("文件中没有任何内容。")
            return out
        if not header.recognized:
            out.notices.append("未能自动识别表头，已把第一行当作表头。请在“列对应”中指定每列的含义。")
        for col, fname in header.duplicates:
            out.notices.append(
                f"“{header.labels[col]}”列与另一列都像是“{self.spec.field(fname).label}”，已使用前一列。"
            )
        labels = {f: header.labels[c] for c, f in mapping.items()}
        out.preview_fields = tuple(f.name for f in self.spec.fields if f.name in mapped_fields)
        handler = make_handler(self, labels)
        parse = self._row_parser(mapping, header, labels)
        rows = self._data_rows(raw, header, mapping)
        if self.spec.groups_rows:
            rows = self._grouped(rows, mapping)
        if out.missing_required:
            # Nothing can be imported until the mapping is corrected: show the first rows, not every
            # row failing for the same reason.
            rows = itertools.islice(rows, PREVIEW_ROWS)
            out.notices.append("缺少必需的列，只检查了前 100 行。请先在“列对应”中指定这些列。")
        can_write = self.ctx.write and not out.missing_required
        total_units = 1000
        try:
            for chunk in _chunks((parse(n, cells) for n, cells in rows), CHUNK):
                if self.progress is not None:
                    self.progress.check()
                handler.resolve(chunk)
                accepted: list[Row] = []
                for row in chunk:
                    self._account(row, out, handler)
                    if row.action in (INSERT, UPDATE):
                        accepted.append(row)
                if can_write and accepted and not (self.all_or_nothing and out.rejected):
                    handler.write(accepted)
                    out.wrote = True
                if self.progress is not None:
                    self.progress.report(
                        int(self.reader.fraction() * total_units),
                        total_units,
                        f"已处理 {out.total:,} 行（新增 {out.inserted:,}，更新 {out.updated:,}，拒绝 {out.rejected:,}）",
                    )
            self.writer.drain()
            if out.wrote:
                handler.finish()
        except BaseException:
            self.writer.close()  # the worker must be idle before the transaction rolls back
            if self._rejects is not None:
                self._rejects.discard()
                self._rejects = None
            raise
        finally:
            self.writer.close()
            self.reader.close()
        if out.total == 0:
            out.notices.append("文件只有表头，没有数据行。")
        if self._rejects is not None:
            out.rejected_file = self._rejects.save()
        if out.rejected and self.reader.info.format == "xlsx" and _has_formulas_without_values(out):
            out.notices.append(
                "工作簿含有公式，但文件中没有保存计算结果（常见于程序生成的表格），这些单元格读出来是空的。"
                "请在 Excel 中打开、保存后再导入，或把公式列复制为数值。"
            )
        return out

    def _account(self, row: Row, out: Outcome, handler: Handler) -> None:
        out.total += 1
        note = self._notes.pop(row.row_no, None) if self._notes else None
        if note:
            row.add(Problem(row.row_no, "", note, NOTICE))
        if row.has_error:
            row.action = REJECTED
        elif row.has_warning:
            out.warning_rows += 1
            if self.ctx.accept_warnings:
                out.accepted_warning_rows += 1
            else:
                row.action = REJECTED
                row.add(Problem(row.row_no, "", "本行有警告，未获确认，不导入。", ERROR))
        if row.action == REJECTED:
            out.rejected += 1
            self._reject(row, out)
        elif row.action == INSERT:
            out.inserted += 1
        elif row.action == UPDATE:
            out.updated += 1
        else:
            out.unchanged += 1
        for p in row.problems:
            out.problem_count += 1
            if len(out.problems) < PROBLEM_LIMIT:
                out.problems.append(p)
        if len(out.preview_rows) < PREVIEW_ROWS:
            shown = handler.display_values(row)
            out.preview_rows.append(
                (
                    row.row_no,
                    ACTION_LABELS.get(row.action, row.action),
                    tuple(display(shown.get(f)) for f in out.preview_fields),
                )
            )

    def _reject(self, row: Row, out: Outcome) -> None:
        if not self.keep_rejected:
            return
        if self.rejected_limit is not None and out.rejected > self.rejected_limit:
            if out.rejected == self.rejected_limit + 1:
                out.notices.append(
                    f"被拒绝的行超过 {self.rejected_limit:,} 行，错误行文件只保存了前 {self.rejected_limit:,} 行。"
                )
            return
        if self._rejects is None:
            self._rejects = RejectedRowsWriter(self.rejected_path or temp_rejects_path(), out.header.labels)
        reason = "；".join(
            (f"{p.column}：{p.message}" if p.column else p.message)
            for p in row.problems
            if p.severity != NOTICE
        )
        self._rejects.add(row.cells, reason)

    # ---- rows

    def _data_rows(
        self, raw: Iterator[tuple[int, list[Cell]]], header: HeaderInfo, mapping: Mapping[int, str]
    ) -> Iterator[tuple[int, list[Cell]]]:
        width = len(header.labels)
        texts = header.last_row_texts
        probe = next((i for i, t in enumerate(texts) if t), None)
        fill_cols = [c for c, f in mapping.items() if self.spec.field(f).fill_down]
        last: dict[int, Cell] = {}
        rows: Iterator[tuple[int, list[Cell]]] = raw
        for n, cells in rows:
            if len(cells) > width and all(c == "" or c is None for c in cells[width:]):
                cells = cells[:width]  # trailing empty columns
            if all(c == "" or c is None for c in cells):
                continue
            if (
                probe is not None
                and probe < len(cells)
                and cells[probe] == texts[probe]
                and is_repeated_header(cells, header)
            ):
                continue
            if fill_cols:
                for c in fill_cols:
                    v = cells[c] if c < len(cells) else ""
                    if v == "" or v is None:
                        if c in last:
                            while len(cells) <= c:
                                cells.append("")
                            cells[c] = last[c]
                    else:
                        last[c] = v
            yield n, cells
        return

    def _grouped(
        self, rows: Iterator[tuple[int, list[Cell]]], mapping: Mapping[int, str]
    ) -> Iterator[tuple[int, list[Cell]]]:
        """Item lists: a row with no 序号 and no 抽查事项 continues the item above; rows repeating the
        same 序号 and 抽查事项 (vertically merged cells) are one item with several 检查依据 lines."""
        by_field = {f: c for c, f in mapping.items()}
        ident = [by_field[f] for f in ("seq", "name") if f in by_field]
        pending: tuple[int, list[Cell]] | None = None

        def key(cells: list[Cell]) -> tuple[str, ...]:
            return tuple(cell_text(cells[c]).strip() if c < len(cells) else "" for c in ident)

        for n, cells in rows:
            if pending is not None and ident:
                k = key(cells)
                if all(not x for x in k) or k == key(pending[1]):
                    merged = pending[1]
                    for c, v in enumerate(cells):
                        text = cell_text(v).strip()
                        if not text:
                            continue
                        while len(merged) <= c:
                            merged.append("")
                        prev = cell_text(merged[c]).strip()
                        if not prev:
                            merged[c] = v
                        elif text not in prev.split("；"):
                            merged[c] = f"{prev}；{text}"
                    continue
            if pending is not None:
                yield pending
            pending = (n, list(cells))
        if pending is not None:
            yield pending

    def _row_parser(
        self, mapping: Mapping[int, str], header: HeaderInfo, labels: Mapping[str, str]
    ) -> Callable[[int, list[Cell]], Row]:
        spec = self.spec
        compiled: list[tuple[int, str, str, Callable[[Cell], Any]]] = []
        code_cols: dict[str, int] = {}
        for col, fname in sorted(mapping.items()):
            f = spec.field(fname)
            if f.kind in (Kind.USCC, Kind.REG_NO):
                code_cols[fname] = col
                continue
            conv = make_converter(
                f.kind,
                f.label,
                max_length=f.max_length,
                unit=f.unit,
                column_unit=header_unit(header.labels[col]),
                choices=f.choice_map,
                allowed=f.allowed_text,
                departments=self.departments,
            )
            compiled.append((col, fname, header.labels[col], conv))
        required = [(f.name, f.label) for f in spec.fields if f.required and f.name in set(mapping.values())]
        uscc_col = code_cols.get("uscc")
        reg_col = code_cols.get("reg_no")
        needs_codes = spec.links_enterprise or spec.record_type is ImportRecordType.ENTERPRISE
        post = make_handler_post(self)

        def parse(n: int, cells: list[Cell]) -> Row:
            row = Row(n, cells)
            values = row.values
            ncells = len(cells)
            for col, fname, label, conv in compiled:
                raw = cells[col] if col < ncells else ""
                if raw == "" or raw is None:
                    continue
                try:
                    value = conv(raw)
                except ValueProblem as exc:
                    row.error(label, exc.message)
                    continue
                if value is not None and value != []:
                    values[fname] = value
            for fname, flabel in required:
                if fname not in values and not any(p.column == labels.get(fname) for p in row.problems):
                    row.error(labels.get(fname, flabel), f"{flabel}为必填项，不能为空。")
            if needs_codes:
                raw_u = cells[uscc_col] if uscc_col is not None and uscc_col < ncells else None
                raw_r = cells[reg_col] if reg_col is not None and reg_col < ncells else None
                check_codes(row, labels, raw_u, raw_r)
            if post is not None:
                post(row)
            return row

        return parse


def _has_formulas_without_values(out: Outcome) -> bool:
    """Whether the sheet has formula cells with no cached value (read as empty)."""
    import zipfile

    try:
        with zipfile.ZipFile(out.source.path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with z.open(name) as f:
                        tail = b""
                        while chunk := f.read(1 << 20):
                            data = tail + chunk
                            if re.search(rb"</f>\s*(?:<v>\s*</v>|<v\s*/>)?\s*</c>|<f[^>]*/>\s*</c>", data):
                                return True
                            tail = data[-200:]
    except (OSError, zipfile.BadZipFile):
        return False
    return False


def _department_index(session: Session) -> dict[str, int]:
    from .fields import normalize_header

    index: dict[str, int] = {}
    for d in session.execute(
        select(m.Department.id, m.Department.name, m.Department.short_name, m.Department.code)
    ):
        for text in (d.code, d.short_name, d.name):
            if text:
                index.setdefault(normalize_header(text), d.id)
    return index


# --------------------------------------------------------------------------- handlers


class Handler:
    """Resolves a chunk of parsed rows against the database, and writes the accepted ones."""

    entity_type = ""

    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        self.job = job
        self.ctx = job.ctx
        self.spec = job.spec
        self.labels = labels
        self.seen: dict[Any, int] = {}
        self.table: Table = table_of(self.spec.model)

    def resolve(self, rows: list[Row]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def write(self, rows: list[Row]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def display_values(self, row: Row) -> dict[str, Any]:
        return row.values

    def finish(self) -> None:
        """After the last chunk was written (same transaction; the writer thread is idle)."""

    # ---- shared helpers

    def label(self, fname: str) -> str:
        return self.labels.get(fname) or self.spec.field(fname).label

    def _maybe_lock(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self.ctx.for_update else stmt

    def _audit_cols(self, version: int = 1) -> dict[str, Any]:
        return {
            "created_at": self.ctx.now,
            "updated_at": self.ctx.now,
            "version": version,
            "created_by_id": self.ctx.actor_id,
            "updated_by_id": self.ctx.actor_id,
            "import_batch_id": self.ctx.batch_id,
        }

    def _diff(self, row: Row, existing: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for f in fields:
            if f not in row.values:
                continue
            new = row.values[f]
            old = existing.get(f)
            if isinstance(new, Decimal) and old is not None:
                if Decimal(old) == new:
                    continue
            elif new == old:
                continue
            changes[f] = new
        return changes

    def _prepare_update(self, row: Row, existing: Mapping[str, Any], changes: dict[str, Any]) -> None:
        row.action = UPDATE
        row.target_id = existing["id"]
        old = {k: to_json(existing.get(k)) for k in changes}
        for k in ("version", "updated_at", "updated_by_id", "import_batch_id"):
            old[k] = to_json(existing.get(k))
        row.changes = changes
        row.old = old

    def _write_updates(
        self, rows: list[Row], table: Table | None = None, entity_type: str | None = None
    ) -> None:
        table = table if table is not None else self.table
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            if row.action != UPDATE or row.changes is None or row.old is None:
                continue
            changes = dict(row.changes)
            changes.update(
                version=int(row.old["version"] or 0) + 1,
                updated_at=self.ctx.now,
                updated_by_id=self.ctx.actor_id,
                import_batch_id=self.ctx.batch_id,
            )
            keys = tuple(sorted(changes))
            params = {f"p_{k}": v for k, v in changes.items()}
            params["p__id"] = row.target_id
            groups.setdefault(keys, []).append(params)
        for keys, group in groups.items():
            stmt = (
                update(table)
                .where(table.c.id == bindparam("p__id"))
                .values({k: bindparam(f"p_{k}") for k in keys})
            )
            self.ctx.session.execute(stmt, group)
        changes_rows = [
            {
                "batch_id": self.ctx.batch_id,
                "entity_type": entity_type or self.spec.model.__name__,
                "entity_id": row.target_id,
                "action": "update",
                "old_values": row.old,
            }
            for row in rows
            if row.action == UPDATE
        ]
        if changes_rows:
            self.ctx.session.execute(insert(table_of(m.ImportChange)), changes_rows)

    def _check_dup(self, row: Row, key: Any, what: str) -> bool:
        first = self.seen.get(key)
        if first is not None:
            row.error(what, f"与第 {first} 行重复（{self._dup_text(key)}），本行不导入。")
            return True
        self.seen[key] = row.row_no
        return False

    def _dup_text(self, key: Any) -> str:
        return "相同的记录"


class EnterpriseLookup:
    """Enterprise ids for a chunk's USCCs and 注册号s: two queries per chunk."""

    COLS = ("id", "uscc", "reg_no", "name", "former_names")

    def __init__(self, handler: Handler, extra: Sequence[str] = ()) -> None:
        self.h = handler
        self.cols = tuple(dict.fromkeys((*self.COLS, *extra)))

    def fetch(self, rows: Sequence[Row]) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        t = table_of(m.Enterprise)
        usccs = {r.values["uscc"] for r in rows if "uscc" in r.values and not r.has_error}
        regs = {r.values["reg_no"] for r in rows if "reg_no" in r.values and not r.has_error}
        by_uscc: dict[str, dict[str, Any]] = {}
        by_reg: dict[str, list[dict[str, Any]]] = {}
        cols = [t.c[c] for c in self.cols]
        s = self.h.ctx.session
        if usccs:
            for rec in s.execute(self.h._maybe_lock(select(*cols).where(t.c.uscc.in_(usccs)))).mappings():
                by_uscc[rec["uscc"]] = dict(rec)
        if regs:
            for rec in s.execute(self.h._maybe_lock(select(*cols).where(t.c.reg_no.in_(regs)))).mappings():
                by_reg.setdefault(rec["reg_no"], []).append(dict(rec))
        return by_uscc, by_reg

    def match(
        self,
        row: Row,
        by_uscc: Mapping[str, dict[str, Any]],
        by_reg: Mapping[str, list[dict[str, Any]]],
        *,
        for_new: bool = False,
    ) -> dict[str, Any] | None:
        """The existing enterprise a row means, or None; a row error when 注册号 is ambiguous."""
        uscc = row.values.get("uscc")
        reg = row.values.get("reg_no")
        if uscc and uscc in by_uscc:
            return by_uscc[uscc]
        if reg:
            cands = by_reg.get(reg, [])
            if uscc:  # an enterprise known only by its 注册号 that has since received a USCC
                others = [c for c in cands if c["uscc"] is not None]
                cands = [c for c in cands if c["uscc"] is None]
                if others and not cands:
                    row.error(
                        self.h.label("reg_no"),
                        f"注册号 {reg} 在库中属于统一社会信用代码为 {others[0]['uscc']} 的市场主体，"
                        f"与本行的代码 {uscc} 不一致。",
                    )
                    return None
            if len(cands) > 1:
                row.error(
                    self.h.label("reg_no"),
                    f"注册号 {reg} 在库中对应 {len(cands)} 家市场主体，无法确定是哪一家。",
                )
                return None
            if cands:
                return cands[0]
        return None


def _name_notice(row: Row, ent: Mapping[str, Any], label: str) -> None:
    name = row.values.get("enterprise_name")
    if name and name != ent["name"]:
        former = (ent.get("former_names") or "").split("；")
        if name not in former:
            row.add(
                Problem(
                    row.row_no,
                    label,
                    f"企业名称与库中不一致（库中为“{ent['name']}”），已按代码关联，请核对。",
                    NOTICE,
                )
            )


class EnterpriseHandler(Handler):
    entity_type = "Enterprise"

    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        super().__init__(job, labels)
        self.fields = [f.name for f in self.spec.fields]
        cols = [c for c in self.fields if c in self.table.c]
        self.lookup = EnterpriseLookup(
            self,
            [
                *cols,
                "version",
                "updated_at",
                "updated_by_id",
                "import_batch_id",
                "name_pinyin",
                "name_initials",
            ],
        )
        skip = ("id", "risk_class", "supervising_department_id")
        self.insert_cols = [c.key for c in self.table.c if c.key not in skip]
        self.touched: dict[int, int] = {}
        self._bulk: BulkInserter | None = None
        self._audit = self._audit_cols()
        self._indexer = BulkIndexer(self.ctx.session)
        self._index_sql: list[str] = []
        self._pos = {c: i for i, c in enumerate(self.insert_cols)}
        constant = {**self._audit, "status": "存续", "is_small_micro": False}
        self._template_row: list[Any] = [constant.get(c) for c in self.insert_cols]

    def resolve(self, rows: list[Row]) -> None:
        by_uscc, by_reg = self.lookup.fetch(rows)
        for row in rows:
            if row.has_error:
                continue
            v = row.values
            # Plain strings as keys: a million of them must fit in memory (a USCC never contains ":").
            key = v["uscc"] if "uscc" in v else "R:" + v["reg_no"]
            what = self.label("uscc") if "uscc" in v else self.label("reg_no")
            if self._check_dup(row, key, what):
                continue
            if (
                "uscc" in v
                and "reg_no" in v
                and self._check_dup(row, "R:" + v["reg_no"], self.label("reg_no"))
            ):
                continue
            ex = self.lookup.match(row, by_uscc, by_reg)
            if row.has_error:
                continue
            if ex is None:
                if "name" not in v:
                    row.error(self.label("name"), "新市场主体缺少企业名称。")
                    continue
                row.action = INSERT
                continue
            first = self.touched.get(ex["id"])
            if first is not None:
                row.error(what, f"与第 {first} 行是同一市场主体，本行不导入。")
                continue
            self.touched[ex["id"]] = row.row_no
            changes = self._diff(row, ex, [f for f in self.fields if f not in ("former_names",)])
            if "former_names" in v:
                merged = _merge_names(
                    ex.get("former_names"), v["former_names"].replace(";", "；").split("；")
                )
                if merged != ex.get("former_names"):
                    changes["former_names"] = merged
            if "name" in changes:
                old_name = ex["name"]
                base = changes.get("former_names", ex.get("former_names"))
                changes["former_names"] = _merge_names(base, [old_name], exclude=changes["name"])
                changes["name_pinyin"], changes["name_initials"] = fast.pinyin(changes["name"])
                row.add(
                    Problem(
                        row.row_no,
                        self.label("name"),
                        f"企业名称由“{old_name}”变更，原名称记入曾用名。",
                        NOTICE,
                    )
                )
            if "uscc" in changes and ex.get("uscc"):
                changes.pop("uscc")  # matched by USCC: never rewritten
            if not changes:
                row.action = UNCHANGED
                row.target_id = ex["id"]
                continue
            self._prepare_update(row, ex, changes)

    def write(self, rows: list[Row]) -> None:
        inserts = [self._insert_values(r) for r in rows if r.action == INSERT]
        if inserts:
            if self._bulk is None:
                self._indexer.begin()
                self._bulk = BulkInserter(self.ctx.session, self.table, self.insert_cols)
                self._index_sql = self._indexer.index_statements()
            if self._bulk.threaded:
                self.job.writer.submit(self._insert_chunk, inserts)
            else:
                self._insert_chunk(inserts)
        self._write_updates(rows)

    def _insert_chunk(self, inserts: list[list[Any]]) -> None:
        """Runs on the writer thread: DBAPI calls only."""
        bulk = self._bulk
        assert bulk is not None
        if not self._index_sql:
            bulk.insert(inserts)
            return
        lo = int(bulk.execute_raw("SELECT coalesce(max(id), 0) FROM enterprises")[0])
        bulk.insert(inserts)
        hi = int(bulk.execute_raw("SELECT coalesce(max(id), 0) FROM enterprises")[0])
        for sql in self._index_sql:
            bulk.execute_raw(sql, (lo, hi, self.ctx.batch_id))

    def finish(self) -> None:
        self._indexer.finish()

    def _insert_values(self, row: Row) -> list[Any]:
        # A copy of the constant row (audit columns, defaults), then only the values this row has.
        v = row.values
        out = self._template_row[:]
        pos = self._pos
        for k, val in v.items():
            i = pos.get(k)
            if i is not None:
                out[i] = val
        if "subject_category" not in v:
            out[pos["subject_category"]] = _category(v)
        if "is_small_micro" in v:
            out[pos["is_small_micro"]] = bool(v["is_small_micro"])
        if v.get("former_names"):
            out[pos["former_names"]] = _merge_names(
                None, v["former_names"].replace(";", "；").split("；"), exclude=v["name"]
            )
        out[pos["name_pinyin"]], out[pos["name_initials"]] = fast.pinyin(v["name"])
        if "industry_code" in v and "industry_section" not in v:
            out[pos["industry_section"]] = _section_for(v["industry_code"])
        return out

    def _dup_text(self, key: Any) -> str:
        return f"注册号 {key[2:]}" if key.startswith("R:") else f"统一社会信用代码 {key}"

    def display_values(self, row: Row) -> dict[str, Any]:
        if row.action == INSERT:
            shown = dict(row.values)
            shown.setdefault("subject_category", _category(row.values))
            shown.setdefault("status", "存续")
            return shown
        return row.values


def _merge_names(existing: str | None, add: Iterable[str], *, exclude: str | None = None) -> str | None:
    names = [n for n in (existing or "").split("；") if n]
    for n in add:
        n = n.strip()
        if n and n != exclude and n not in names:
            names.append(n)
    return "；".join(names) or None


_CATEGORY_BY_CODE = {"2": SubjectCategory.INDIVIDUAL.value, "3": SubjectCategory.COOPERATIVE.value}


def _category(values: Mapping[str, Any]) -> str:
    t = values.get("subject_type")
    if not t:
        uscc = values.get("uscc")
        if uscc and uscc[0] == "9":
            return _CATEGORY_BY_CODE.get(uscc[1], SubjectCategory.ENTERPRISE.value)
        return SubjectCategory.ENTERPRISE.value
    if "个体" in t:
        return SubjectCategory.INDIVIDUAL.value
    if "合作社" in t:
        return SubjectCategory.COOPERATIVE.value
    if "代表机构" in t:
        return SubjectCategory.FOREIGN_REP.value
    uscc = values.get("uscc")
    if uscc and uscc[0] == "9":
        return _CATEGORY_BY_CODE.get(uscc[1], SubjectCategory.ENTERPRISE.value)
    return SubjectCategory.ENTERPRISE.value


_SECTIONS: dict[str, str] | None = None
_SECTION_OF: dict[str, str | None] = {}


def _section_for(code: str) -> str | None:
    """GB/T 4754 门类 letter for an industry code (its first two digits are the 大类)."""
    hit = _SECTION_OF.get(code, "?")
    if hit != "?":
        return hit
    global _SECTIONS
    if _SECTIONS is None:
        import csv

        from gxq_desktop import paths

        table: dict[str, str] = {}
        try:
            with paths.reference_file("gbt4754_2017_sections_divisions.csv").open(encoding="utf-8-sig") as f:
                for rec in csv.DictReader(f):
                    div = (rec.get("code") or "").strip()
                    sec = (rec.get("section") or "").strip()
                    if div.isdigit() and sec:
                        table[div.zfill(2)] = sec
        except OSError:
            pass
        _SECTIONS = table
    digits = "".join(ch for ch in code if ch.isdigit())
    result = _SECTIONS.get(digits[:2]) if len(digits) >= 2 else None
    if len(_SECTION_OF) < 100_000:
        _SECTION_OF[code] = result
    return result


class RecordHandler(Handler):
    """Records about an enterprise (经营异常名录, 行政处罚 …), matched by their natural key."""

    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        super().__init__(job, labels)
        self.lookup = EnterpriseLookup(self)
        self.defaults = dict(self.spec.defaults)
        self.fields = [
            f.name
            for f in self.spec.fields
            if not f.lookup and f.name in self.table.c and f.name not in ("uscc", "reg_no")
        ]
        self.insert_cols = [c.key for c in self.table.c if c.key != "id"]
        self.key_fields = self.spec.key
        self._bulk: BulkInserter | None = None
        # Core executemany does not apply column defaults to keys given as None: apply them here.
        self.scalar_defaults = {
            c.key: getattr(c.default, "arg", None)
            for c in self.table.c
            if not c.nullable and c.default is not None and getattr(c.default, "is_scalar", False)
        }

    def _key(self, ent_id: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return (ent_id, *(values.get(k, self.defaults.get(k)) for k in self.key_fields))

    def _dup_text(self, key: Any) -> str:
        shown = [display(k) for k in key[1:] if k is not None and k not in (self.defaults.get("kind"),)]
        return "同一企业、" + "、".join(shown) if shown else "同一企业的相同记录"

    def resolve(self, rows: list[Row]) -> None:
        by_uscc, by_reg = self.lookup.fetch(rows)
        ents: dict[int, int] = {}
        for row in rows:
            if row.has_error:
                continue
            ent = self.lookup.match(row, by_uscc, by_reg)
            if row.has_error:
                continue
            if ent is None:
                code = row.values.get("uscc") or row.values.get("reg_no")
                what = self.label("uscc") if "uscc" in row.values else self.label("reg_no")
                row.error(what, f"市场主体库中没有代码为 {code} 的企业，请先导入该企业的登记信息。")
                continue
            _name_notice(row, ent, self.label("enterprise_name"))
            row.target_id = ent["id"]
            ents[row.row_no] = ent["id"]
        existing = self._existing({e for e in ents.values()})
        for row in rows:
            if row.has_error or row.row_no not in ents:
                continue
            ent_id = ents[row.row_no]
            key = self._key(ent_id, row.values)
            if self._check_dup(row, key, ""):
                continue
            ex = existing.get(key)
            if ex is None:
                row.action = INSERT
                row.target_id = ent_id
                continue
            changes = self._diff(row, ex, self.fields)
            if not changes:
                row.action = UNCHANGED
                row.target_id = ex["id"]
                continue
            self._prepare_update(row, ex, changes)

    def _existing(self, ent_ids: set[int]) -> dict[tuple[Any, ...], dict[str, Any]]:
        if not ent_ids:
            return {}
        t = self.table
        stmt = select(t).where(t.c.enterprise_id.in_(ent_ids))
        if "kind" in self.defaults:
            stmt = stmt.where(t.c.kind == self.defaults["kind"])
        found: dict[tuple[Any, ...], dict[str, Any]] = {}
        for rec in self.ctx.session.execute(self._maybe_lock(stmt)).mappings():
            d = dict(rec)
            found.setdefault(self._key(d["enterprise_id"], d), d)
        return found

    def write(self, rows: list[Row]) -> None:
        inserts = []
        audit = self._audit_cols()
        for row in rows:
            if row.action != INSERT:
                continue
            d = {**self.scalar_defaults, **self.defaults}
            d.update((k, v) for k, v in row.values.items() if v is not None)
            d["enterprise_id"] = row.target_id
            d["department_id"] = self.ctx.department_id
            d.update(audit)
            inserts.append([d.get(c) for c in self.insert_cols])
        if inserts:
            if self._bulk is None:
                self._bulk = BulkInserter(self.ctx.session, self.table, self.insert_cols)
            if self._bulk.threaded:
                self.job.writer.submit(self._bulk.insert, inserts)
            else:
                self._bulk.insert(inserts)
        self._write_updates(rows)

    def display_values(self, row: Row) -> dict[str, Any]:
        if row.action == INSERT:
            return {**{k: v for k, v in self.defaults.items() if k != "kind"}, **row.values}
        return row.values


class SmallMicroHandler(Handler):
    """小微企业名录: marks existing enterprises (never creates them)."""

    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        super().__init__(job, labels)
        self.lookup = EnterpriseLookup(
            self, ["is_small_micro", "version", "updated_at", "updated_by_id", "import_batch_id"]
        )

    def resolve(self, rows: list[Row]) -> None:
        by_uscc, by_reg = self.lookup.fetch(rows)
        for row in rows:
            if row.has_error:
                continue
            ent = self.lookup.match(row, by_uscc, by_reg)
            if row.has_error:
                continue
            if ent is None:
                code = row.values.get("uscc") or row.values.get("reg_no")
                what = self.label("uscc") if "uscc" in row.values else self.label("reg_no")
                row.error(what, f"市场主体库中没有代码为 {code} 的企业，请先导入该企业的登记信息。")
                continue
            if self._check_dup(row, ent["id"], ""):
                continue
            _name_notice(row, ent, self.label("enterprise_name"))
            if ent["is_small_micro"]:
                row.action = UNCHANGED
                row.target_id = ent["id"]
                continue
            self._prepare_update(row, ent, {"is_small_micro": True})

    def _dup_text(self, key: Any) -> str:
        return "同一企业"

    def write(self, rows: list[Row]) -> None:
        self._write_updates(rows)

    def display_values(self, row: Row) -> dict[str, Any]:
        return {**row.values, "is_small_micro": True}


class InspectorHandler(Handler):
    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        super().__init__(job, labels)
        self.fields = [f.name for f in self.spec.fields if f.name in self.table.c]
        self.q = table_of(m.InspectorQualification)

    def resolve(self, rows: list[Row]) -> None:
        t = self.table
        certs = {r.values["certificate_no"] for r in rows if not r.has_error and "certificate_no" in r.values}
        existing: dict[str, dict[str, Any]] = {}
        quals: dict[int, list[list[Any]]] = {}
        if certs:
            for rec in self.ctx.session.execute(
                self._maybe_lock(select(t).where(t.c.certificate_no.in_(certs)))
            ).mappings():
                existing[rec["certificate_no"]] = dict(rec)
            ids = [e["id"] for e in existing.values()]
            if ids:
                for q in self.ctx.session.execute(
                    select(self.q.c.inspector_id, self.q.c.qualification, self.q.c.valid_until).where(
                        self.q.c.inspector_id.in_(ids)
                    )
                ):
                    quals.setdefault(q.inspector_id, []).append([q.qualification, to_json(q.valid_until)])
        for row in rows:
            if row.has_error:
                continue
            v = row.values
            if self._check_dup(row, v["certificate_no"], self.label("certificate_no")):
                continue
            ex = existing.get(v["certificate_no"])
            if ex is None:
                if "department_id" not in v:
                    if self.ctx.department_id is None:
                        row.error(
                            self.label("department_id"),
                            "未指定所属部门：请在文件中给出“所属部门”列，或导入时选择部门。",
                        )
                        continue
                    v["department_id"] = self.ctx.department_id
                row.action = INSERT
                continue
            changes = self._diff(row, ex, self.fields)
            have = quals.get(ex["id"], [])
            new_quals = [q for q in v.get("qualifications", []) if q not in {h[0] for h in have}]
            if not changes and not new_quals:
                row.action = UNCHANGED
                row.target_id = ex["id"]
                continue
            self._prepare_update(row, ex, changes)
            assert row.old is not None
            row.old["__qualifications"] = have
            row.values["__new_quals"] = new_quals

    def _dup_text(self, key: Any) -> str:
        return f"执法证号 {key}"

    def write(self, rows: list[Row]) -> None:
        t = self.table
        inserts = []
        for row in rows:
            if row.action == INSERT:
                d = {c: row.values.get(c) for c in self.fields}
                d["status"] = d.get("status") or "在岗"
                d.update(self._audit_cols())
                inserts.append(d)
        qual_rows: list[dict[str, Any]] = []
        if inserts:
            ids = {
                r.certificate_no: r.id
                for r in self.ctx.session.execute(insert(t).returning(t.c.id, t.c.certificate_no), inserts)
            }
            for row in rows:
                if row.action == INSERT:
                    qual_rows += [
                        {
                            "inspector_id": ids[row.values["certificate_no"]],
                            "qualification": q[:64],
                            "valid_until": None,
                        }
                        for q in row.values.get("qualifications", [])
                    ]
        for row in rows:
            if row.action == UPDATE:
                qual_rows += [
                    {"inspector_id": row.target_id, "qualification": q[:64], "valid_until": None}
                    for q in row.values.get("__new_quals", [])
                ]
        self._write_updates(rows)
        if qual_rows:
            self.ctx.session.execute(insert(self.q), qual_rows)

    def display_values(self, row: Row) -> dict[str, Any]:
        shown = dict(row.values)
        dep = shown.get("department_id")
        if dep is not None:
            names = {v: k for k, v in self.job.departments.items()}
            shown["department_id"] = names.get(dep, dep)
        return shown


class ItemHandler(Handler):
    """随机抽查事项清单 rows, keyed by 抽查类别 + 抽查事项; 检查依据 becomes LegalReference rows."""

    def __init__(self, job: ImportJob, labels: Mapping[str, str]) -> None:
        super().__init__(job, labels)
        self.fields = [f.name for f in self.spec.fields if f.name in self.table.c]
        self.refs = table_of(m.LegalReference)

    def resolve(self, rows: list[Row]) -> None:
        t = self.table
        names = {r.values["name"] for r in rows if not r.has_error and "name" in r.values}
        existing: dict[tuple[str, str], dict[str, Any]] = {}
        if names:
            for rec in self.ctx.session.execute(
                self._maybe_lock(select(t).where(t.c.name.in_(names)))
            ).mappings():
                existing.setdefault((rec["category"], rec["name"]), dict(rec))
        for row in rows:
            if row.has_error:
                continue
            key = (row.values["category"], row.values["name"])
            if self._check_dup(row, key, self.label("name")):
                continue
            ex = existing.get(key)
            if ex is None:
                row.action = INSERT
                continue
            changes = self._diff(row, ex, self.fields)
            if not changes:
                row.action = UNCHANGED
                row.target_id = ex["id"]
                continue
            self._prepare_update(row, ex, changes)
            if "legal_basis" in changes:
                assert row.old is not None
                row.old["__references"] = [
                    {k: to_json(v) for k, v in r._mapping.items() if k != "id"}
                    for r in self.ctx.session.execute(
                        select(self.refs).where(self.refs.c.item_id == ex["id"])
                    )
                ]

    def _dup_text(self, key: Any) -> str:
        return f"抽查类别“{key[0]}”、抽查事项“{key[1]}”"

    def write(self, rows: list[Row]) -> None:
        t = self.table
        inserts = []
        for row in rows:
            if row.action == INSERT:
                d = {c: row.values.get(c) for c in self.fields}
                d["item_kind"] = d.get("item_kind") or "一般检查事项"
                d["department_id"] = self.ctx.department_id
                if d.get("required_qualification") is None:
                    d["required_qualification"] = _required_qualification(d)
                d["is_active"] = True
                d.update(self._audit_cols())
                inserts.append(d)
        ref_rows: list[dict[str, Any]] = []
        basis: list[tuple[int, str | None]] = []
        if inserts:
            ids = {
                (r.category, r.name): r.id
                for r in self.ctx.session.execute(
                    insert(t).returning(t.c.id, t.c.category, t.c.name), inserts
                )
            }
            basis += [
                (ids[(r.values["category"], r.values["name"])], r.values.get("legal_basis"))
                for r in rows
                if r.action == INSERT
            ]
        updated = [r for r in rows if r.action == UPDATE and r.changes and "legal_basis" in r.changes]
        self._write_updates(rows)
        if updated:
            self.ctx.session.execute(
                delete(self.refs).where(self.refs.c.item_id.in_([r.target_id for r in updated]))
            )
            basis += [(r.target_id, r.values.get("legal_basis")) for r in updated if r.target_id is not None]
        for item_id, text in basis:
            ref_rows += legal_reference_rows(self.ctx.session, item_id, text)
        if ref_rows:
            self.ctx.session.execute(insert(self.refs), ref_rows)


def _required_qualification(values: Mapping[str, Any]) -> str | None:
    """Items on special equipment, drugs … need qualified inspectors (rules kept with the reference data)."""
    try:
        from gxq_desktop.services.reference_data import required_qualification
    except ImportError:  # pragma: no cover - reference data is another module's concern
        return None
    result: str | None = required_qualification(
        values.get("name") or "",
        values.get("category") or "",
        values.get("object_desc"),
        values.get("staff_requirement"),
    )
    return result


def legal_reference_rows(session: Session, item_id: int, text: str | None) -> list[dict[str, Any]]:
    """LegalReference rows for a 检查依据 text: parsed and resolved against the legal library when the
    library's parser is available; otherwise nothing (the text stays on the item)."""
    if not text:
        return []
    try:
        from gxq_desktop.domain.laws import parse_legal_basis
    except ImportError:  # pragma: no cover - the legal library is optional for the import
        return []
    citations = parse_legal_basis(text)
    try:
        from gxq_desktop.services.reference_data import resolve_citations
    except ImportError:  # pragma: no cover
        resolve_citations = None  # type: ignore[assignment]
    if resolve_citations is not None:
        return [
            {
                "item_id": item_id,
                "position": r.position,
                "law_title": r.law_title,
                "article_label": r.article_label,
                "article_number": r.article_number,
                "law_id": r.law_id,
                "resolved": r.resolved,
                "raw_text": r.raw_text,
            }
            for r in resolve_citations(session, citations, dt.date.today())
        ]
    return [
        {
            "item_id": item_id,
            "position": i,
            "law_title": c.law_title[:200],
            "article_label": c.article_label[:60] if c.article_label else None,
            "article_number": c.article_number,
            "law_id": None,
            "resolved": False,
            "raw_text": c.raw_text,
        }
        for i, c in enumerate(citations)
    ]


def make_handler(job: ImportJob, labels: Mapping[str, str]) -> Handler:
    rt = job.spec.record_type
    if rt is ImportRecordType.ENTERPRISE:
        return EnterpriseHandler(job, labels)
    if rt is ImportRecordType.SMALL_MICRO:
        return SmallMicroHandler(job, labels)
    if rt is ImportRecordType.INSPECTOR:
        return InspectorHandler(job, labels)
    if rt is ImportRecordType.INSPECTION_ITEM:
        return ItemHandler(job, labels)
    return RecordHandler(job, labels)


def make_handler_post(job: ImportJob) -> Callable[[Row], None] | None:
    """Per-row checks that need several fields at once."""
    rt = job.spec.record_type
    if rt is ImportRecordType.ENTERPRISE:

        def enterprise(row: Row) -> None:
            v = row.values
            if "industry_section" in v:
                sec = v["industry_section"].strip().upper()[:1]
                if not ("A" <= sec <= "T"):
                    row.error("行业门类", f"行业门类“{v['industry_section'][:20]}”应为 A–T 中的一个字母。")
                else:
                    v["industry_section"] = sec
            if "org_code" in v:
                v["org_code"] = normalize_code(v["org_code"])[:9]

        return enterprise
    if rt is ImportRecordType.LICENSE:

        def license_(row: Row) -> None:
            a, b = row.values.get("valid_from"), row.values.get("valid_until")
            if a and b and b < a:
                row.error("有效期至", f"有效期至（{b}）早于有效期自（{a}）。")

        return license_
    return None
