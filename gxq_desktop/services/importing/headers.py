"""Finding the header in the first rows of a sheet, and matching its columns to fields.

Published lists put a title above the header (often merged across the width), sometimes a second
header row ("有效期" over "自" and "至"), and leave merged group cells blank below their first row.
The header is the row — or pair of rows — whose cells match the most known column names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .fields import RecordSpec, header_variants, normalize_header, synonym_index
from .values import Cell, cell_text

MIN_MATCHES = 2
SCAN_ROWS = 40


class MergeFiller:
    """Gives every cell of a merged range the value of its top-left cell, row by row as they stream.

    Header rows get whole ranges (a parent header spans its children); data rows only vertical runs, in
    the range's first column (a merged group value repeats down; a value is never copied sideways).
    """

    def __init__(self, merged: Sequence[tuple[int, int, int, int]]) -> None:
        self._starts: dict[int, list[tuple[int, int, int, int]]] = {}
        for r1, c1, r2, c2 in merged:
            if r2 > r1 or c2 > c1:
                self._starts.setdefault(r1, []).append((r1, c1, r2, c2))
        self._active: list[tuple[int, int, int, int, Cell]] = []

    def __bool__(self) -> bool:
        return bool(self._starts) or bool(self._active)

    def fill(self, row_index: int, cells: list[Cell], *, header: bool) -> list[Cell]:
        """``row_index`` is the 0-based sheet row. Returns the (possibly extended) cells."""
        for r1, c1, r2, c2 in self._starts.pop(row_index, ()):
            value = cells[c1] if c1 < len(cells) else ""
            self._active.append((r1, c1, r2, c2, value))
        if not self._active:
            return cells
        keep = []
        for r1, c1, r2, c2, value in self._active:
            if row_index > r2:
                continue
            keep.append((r1, c1, r2, c2, value))
            if value == "" or value is None:
                continue
            cols = range(c1, c2 + 1) if header else range(c1, c1 + 1) if r2 > r1 else range(0)
            for c in cols:
                if c >= len(cells):
                    cells.extend([""] * (c + 1 - len(cells)))
                if cells[c] == "" or cells[c] is None:
                    cells[c] = value
        self._active = keep
        return cells


@dataclass(frozen=True)
class HeaderInfo:
    rows: tuple[int, ...]  # sheet row numbers (1-based) that form the header
    labels: tuple[str, ...]  # one per column, as shown to the clerk ("有效期/自")
    keys: tuple[str, ...]  # normalised label: what templates and mapping corrections are keyed by
    auto: Mapping[int, str]  # column index → field, matched automatically
    duplicates: tuple[tuple[int, str], ...]  # columns that matched an already-taken field
    recognized: bool  # False: no row looked like a header; the first row is used as it is
    consumed: int  # how many of the scanned rows belong to the header (or come before it)
    last_row_texts: tuple[str, ...] = ()  # the header's last row as written (to spot repeated headers)


def _is_blank(cells: Sequence[Cell]) -> bool:
    return all(c == "" or c is None for c in cells)


def _texts(cells: Sequence[Cell]) -> list[str]:
    return [cell_text(c).strip() for c in cells]


def _match(candidates: Sequence[str], index: Mapping[str, str]) -> str | None:
    for cand in candidates:
        if not cand:
            continue
        for variant in header_variants(cand):
            hit = index.get(variant)
            if hit is not None:
                return hit
    return None


def _columns(
    parent: Sequence[str] | None, child: Sequence[str], *, fill_parents: bool
) -> tuple[list[str], list[list[str]]]:
    """Labels and matching candidates per column for a one- or two-row header."""
    width = max(len(child), len(parent or ()))
    labels: list[str] = []
    candidates: list[list[str]] = []
    last_parent = ""
    for i in range(width):
        c = child[i] if i < len(child) else ""
        p = (parent[i] if i < len(parent) else "") if parent is not None else ""
        if parent is not None and fill_parents:
            if p:
                last_parent = p
            elif c:
                p = last_parent
        if p and c and p != c:
            labels.append(f"{p}/{c}")
            candidates.append([p + c, c, p])
        else:
            labels.append(c or p)
            candidates.append([c or p])
    return labels, candidates


def _assign(
    candidates: Sequence[Sequence[str]], index: Mapping[str, str]
) -> tuple[dict[int, str], list[tuple[int, str]]]:
    taken: dict[str, int] = {}
    auto: dict[int, str] = {}
    dupes: list[tuple[int, str]] = []
    for col, cands in enumerate(candidates):
        hit = _match(cands, index)
        if hit is None:
            continue
        if hit in taken:
            dupes.append((col, hit))
            continue
        taken[hit] = col
        auto[col] = hit
    return auto, dupes


def detect_header(
    rows: Sequence[tuple[int, list[Cell]]], spec: RecordSpec, *, merged_info: bool
) -> HeaderInfo:
    """Choose the header among the first scanned rows (row number, cells); blank rows are skipped."""
    index = synonym_index(spec)
    texts = [(n, _texts(cells)) for n, cells in rows[:SCAN_ROWS] if not _is_blank(cells)]
    if not texts:
        return HeaderInfo((), (), (), {}, (), False, len(rows))
    best: tuple[int, int, int] | None = None  # (score, -header_rows, position)
    best_parts: tuple[list[str], dict[int, str], list[tuple[int, str]], tuple[int, ...]] | None = None
    for pos, (row_no, child) in enumerate(texts):
        options: list[tuple[Sequence[str] | None, tuple[int, ...]]] = [(None, (row_no,))]
        if pos > 0:
            prev_no, prev = texts[pos - 1]
            if prev_no == row_no - 1 and sum(1 for t in prev if t) >= 2:
                options.append((prev, (prev_no, row_no)))
        for parent, header_rows in options:
            labels, cands = _columns(parent, child, fill_parents=not merged_info)
            auto, dupes = _assign(cands, index)
            score = (len(auto), -len(header_rows), -pos)
            if best is None or score > best:
                best = score
                best_parts = (labels, auto, dupes, header_rows)
    assert best is not None and best_parts is not None
    labels, auto, dupes, header_rows = best_parts
    last_texts = next(t for n, t in texts if n == header_rows[-1])
    if best[0] < MIN_MATCHES:
        # Nothing looks like a header: use the first non-blank row and let the clerk map columns.
        first_no, first = texts[0]
        labels, cands = _columns(None, first, fill_parents=False)
        auto, dupes = _assign(cands, index)
        header_rows = (first_no,)
        last_texts = first
        recognized = False
    else:
        recognized = True
    # Trailing columns without a header are dropped; inner blank headers get a name the clerk can see.
    while labels and not labels[-1]:
        labels.pop()
    labels = [lab or f"（第{i + 1}列）" for i, lab in enumerate(labels)]
    last_header_row = header_rows[-1]
    consumed = sum(1 for n, _ in rows if n <= last_header_row)
    return HeaderInfo(
        tuple(header_rows),
        tuple(labels),
        tuple(normalize_header(lab) for lab in labels),
        {c: f for c, f in auto.items() if c < len(labels)},
        tuple(d for d in dupes if d[0] < len(labels)),
        recognized,
        consumed,
        tuple(last_texts),
    )


def resolve_mapping(
    header: HeaderInfo,
    spec: RecordSpec,
    *,
    template: Mapping[str, str | None] | None = None,
    overrides: Mapping[str, str | None] | None = None,
) -> dict[int, str]:
    """Column → field: automatic matches, then the saved template, then the clerk's corrections.

    Template and corrections are keyed by the normalised header text, so they apply to next month's
    file with the same headers in another order. ``None`` means "ignore this column".
    """
    valid = set(spec.field_names)
    mapping = dict(header.auto)
    for layer in (template or {}, overrides or {}):
        for col, key in enumerate(header.keys):
            if key in layer:
                target = layer[key]
                if target is None or target == "":
                    mapping.pop(col, None)
                elif target in valid:
                    # A field maps from one column only: the corrected column takes it over.
                    for other, f in list(mapping.items()):
                        if f == target and other != col:
                            del mapping[other]
                    mapping[col] = target
    return mapping


def is_repeated_header(cells: Sequence[Cell], header: HeaderInfo) -> bool:
    """Printed lists repeat the header on every page; such rows are skipped."""
    texts = header.last_row_texts
    hits = sum(1 for i, t in enumerate(texts) if t and i < len(cells) and cells[i] == t)
    return hits >= max(2, len([t for t in texts if t]) // 2)
