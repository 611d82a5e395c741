"""One pass over a file: read, parse, validate against the database and — when writing — store.

The same pass serves the preview (``write=False``, in a read-only session) and the import itself
(``write=True``, inside the caller's single transaction, so a cancel or any failure rolls everything
back). Rows flow in chunks: each chunk costs one lookup query per table (existing enterprises, existing
records) and one executemany per kind of write, never a query per row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from gxq_desktop.db import models as m
from gxq_desktop.db.base import utcnow
from gxq_desktop.domain.enums import ImportRecordType
from gxq_desktop.domain.uscc import normalize_code

from . import fast
from .bulk import BackgroundWriter
from .fields import Kind, RecordSpec, header_unit
from .handlers import Handler, make_handler, make_handler_post
from .headers import SCAN_ROWS, HeaderInfo, MergeFiller, detect_header, is_repeated_header, resolve_mapping
from .readers import SourceInfo, TableReader
from .rejects import RejectedRowsWriter, temp_rejects_path
from .rows import ACTION_LABELS, ERROR, INSERT, NOTICE, REJECTED, UPDATE, WARNING, Problem, Row
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
)

CHUNK = 2000
PREVIEW_ROWS = 100
PROBLEM_LIMIT = 10_000


SWITCH_INTERVAL = 0.001  # seconds (Python's default: 0.005)

_settings_lock = threading.Lock()
_settings_users = 0
_saved_threshold: tuple[int, int, int] = (700, 10, 10)
_saved_switch = 0.005


@contextlib.contextmanager
def pass_settings() -> Iterator[None]:
    """The interpreter, set up for a pass over a big file; the old settings come back after it.

    - Python's cycle collector stays out of the way. A pass allocates millions of short-lived objects;
      with the default thresholds the collector runs thousands of times and each older-generation run
      walks every object the program holds — about 40 % of a 1,000,000-row import. The objects that
      exist before the pass are frozen (never scanned until thawed) and the first threshold raised; the
      pass itself creates no reference cycles worth chasing early.
    - Threads take turns sooner. The writer thread needs the GIL again after each statement, and while
      the parsing thread runs Python it gets it only when the parsing thread is made to let go, by
      default after 5 ms: 1,000,000 enterprises waited ~12 s of that in total, on the thread that
      decides how long the import takes. With 1 ms, ~3 s (alternating runs: 80–85 s → 74–77 s).

    Nested or concurrent passes share one setting; the last one out restores the old ones.
    """
    global _settings_users, _saved_threshold, _saved_switch
    with _settings_lock:
        _settings_users += 1
        if _settings_users == 1:
            _saved_threshold = gc.get_threshold()
            _saved_switch = sys.getswitchinterval()
            gc.freeze()
            gc.set_threshold(100_000, 50, 100)
            sys.setswitchinterval(min(_saved_switch, SWITCH_INTERVAL))
    try:
        yield
    finally:
        with _settings_lock:
            _settings_users -= 1
            if _settings_users == 0:
                gc.set_threshold(*_saved_threshold)
                gc.unfreeze()
                sys.setswitchinterval(_saved_switch)


class Progress(Protocol):
    """What the import reports to (gui.workers.TaskState has this shape)."""

    def check(self) -> None: ...

    def report(self, done: int, total: int = 0, text: str = "") -> None: ...


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
            # Inlined clean_name() for the common case: a str needing no replacements at all.
            if type(v) is str:
                s: str | None = v.strip(_STRIP)
                if not s:
                    return None
                if special(s) or "  " in s or "(" in s or ")" in s:
                    s = clean_name(s)
            else:
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
        # Amounts repeat down a column ("50", "1,000", "300万元"); a Decimal is immutable, so share it.
        return _memo(lambda v: parse_amount(v, target, column_unit))
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
    # SQLite import: a second connection for the chunk lookups, so that they run while the writer
    # thread inserts the previous chunk. It sees the database as it was when the import began (the
    # import holds the write lock, so nobody else commits meanwhile); rows this import added or
    # changed earlier are recognised by the handlers' own duplicate tracking, never by a lookup.
    lookup_session: Session | None = None

    @property
    def reads(self) -> Session:
        """The session for lookups that may run while the writer thread works."""
        return self.lookup_session if self.lookup_session is not None else self.session


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
            if not filler and header.consumed <= len(head):
                # The common case, without per-row bookkeeping: no merged cells, header in the scan.
                for n, cells, note in itertools.chain(head[header.consumed :], rows):
                    if note:
                        self._notes[n] = note
                    yield n, cells
                return
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
        with pass_settings():
            return self._run()

    def _run(self) -> Outcome:
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
        self.writer.depth = handler.writer_depth
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
                # The writer thread may still be inserting the previous chunk (overlapping the parsing
                # of this one); the connection is used by one thread at a time, so wait for it here —
                # unless the handler's lookups go through the separate lookup connection (they then
                # overlap the insert too, and the handler waits before its own writes).
                if not (handler.concurrent_resolve and self.ctx.lookup_session is not None):
                    self.writer.drain()
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
            if out.wrote and self.progress is not None:
                # The writer's queue, the last index fill and (for a large load) the rebuilt indexes may
                # take a while yet (a million enterprises: ~15 s) with the file fully read.
                self.progress.report(
                    total_units, total_units, f"已读完 {out.total:,} 行，正在完成写入并更新索引，请稍候……"
                )
            self.writer.drain()
            if self.progress is not None:
                self.progress.check()
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
            for c in cells:  # skip blank rows (a plain loop: no generator per row)
                if c != "" and c is not None:
                    break
            else:
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
        # (column, field, label, converter, plain mode, length limit): see _compile_fill.
        compiled: list[tuple[int, str, str, Callable[[Cell], Any], int, int]] = []
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
            mode = (
                _PLAIN_TEXT
                if f.kind in (Kind.TEXT, Kind.DOCNO)
                else _PLAIN_NAME
                if f.kind is Kind.NAME
                else 0
            )
            limit = f.max_length if f.max_length is not None else 1 << 62
            compiled.append((col, fname, header.labels[col], conv, mode, limit))
        required = [(f.name, f.label) for f in spec.fields if f.required and f.name in set(mapping.values())]
        uscc_col = code_cols.get("uscc")
        reg_col = code_cols.get("reg_no")
        needs_codes = spec.links_enterprise or spec.record_type is ImportRecordType.ENTERPRISE
        post = make_handler_post(self)

        fill = _compile_fill(compiled)
        uscc_is_valid = fast.uscc_is_valid

        def parse(n: int, cells: list[Cell]) -> Row:
            row = Row(n, cells)
            values = row.values
            ncells = len(cells)
            fill(cells, values, row)
            for fname, flabel in required:
                if fname not in values and not any(p.column == labels.get(fname) for p in row.problems):
                    row.error(labels.get(fname, flabel), f"{flabel}为必填项，不能为空。")
            if needs_codes:
                raw_u = cells[uscc_col] if uscc_col is not None and uscc_col < ncells else None
                raw_r = cells[reg_col] if reg_col is not None and reg_col < ncells else None
                if type(raw_u) is str and (raw_r is None or raw_r == "") and uscc_is_valid(raw_u):
                    values["uscc"] = raw_u  # the common case, as check_codes() would decide it
                else:
                    check_codes(row, labels, raw_u, raw_r)
            if post is not None:
                post(row)
            return row

        return parse


_PLAIN_TEXT, _PLAIN_NAME = 1, 2


def _compile_fill(
    compiled: list[tuple[int, str, str, Callable[[Cell], Any], int, int]],
) -> Callable[[list[Cell], dict[str, Any], Row], None]:
    """The per-row column loop, unrolled once per file into one function (no per-cell tuple unpacking,
    bounds checks or loop overhead): each mapped column, in column order, stores its converted value or
    records the converter's problem. TEXT/DOCNO columns store an ordinary str cell (no special
    characters, not too long, not ="…") as their converter would, without calling it; NAME columns
    likewise when the name also has no parentheses and no double spaces (nothing to rewrite). Only
    column numbers and lengths appear in the generated source; names, labels and converters are
    globals of it."""
    env: dict[str, Any] = {"_STRIP": _STRIP, "_special": _SPECIAL_RE.search, "_ValueProblem": ValueProblem}
    width = max((col for col, *_rest in compiled), default=-1) + 1
    lines = ["def fill(cells, values, row):"]
    if width:
        lines += [f"    if len(cells) < {width}:", f'        cells = cells + [""] * ({width} - len(cells))']
    for k, (col, fname, label, conv, plain, limit) in enumerate(compiled):
        env[f"_f{k}"], env[f"_l{k}"], env[f"_c{k}"] = fname, label, conv
        slow = [
            "try:",
            f"    value = _c{k}(raw)",
            "except _ValueProblem as exc:",
            f"    row.error(_l{k}, exc.message)",
            "else:",
            "    if value is not None and value != []:",
            f"        values[_f{k}] = value",
        ]
        lines += [f"    raw = cells[{int(col)}]", '    if not (raw == "" or raw is None):']
        if plain:
            lines += [
                "        if (",
                "            type(raw) is str",
                *(["            and not raw.startswith('=\"')"] if plain == _PLAIN_TEXT else []),
                "            and (s := raw.strip(_STRIP))",
                f"            and len(s) <= {int(limit)}",
                "            and not _special(s)",
                *(
                    ['            and "  " not in s and "(" not in s and ")" not in s']
                    if plain == _PLAIN_NAME
                    else []
                ),
                "        ):",
                f"            values[_f{k}] = s",
                "        else:",
                *("            " + x for x in slow),
            ]
        else:
            lines += ["        " + x for x in slow]
    lines.append("    return None")
    exec(compile("\n".join(lines), "<import row parser>", "exec"), env)
    fill: Callable[[list[Cell], dict[str, Any], Row], None] = env["fill"]
    return fill


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
