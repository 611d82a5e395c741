"""Per record type: find a chunk's rows in the database (insert, update or unchanged) and write them.

Each handler gets a chunk of parsed rows, resolves them with one lookup query per table (existing
enterprises by USCC and 注册号, existing records by their natural key), marks duplicates within the file,
and writes the accepted rows: inserts in bulk (on the writer thread where the driver allows), updates
grouped by the set of changed columns, and one ImportChange per update with the old values for undo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, delete, insert, select, update

from gxq_desktop.db import models as m
from gxq_desktop.db import search_index
from gxq_desktop.domain.enums import ImportRecordType, SubjectCategory
from gxq_desktop.domain.uscc import normalize_code

from . import fast
from .bulk import BulkInserter, DeferredIndexes, PreparedRows, sqlite_insert_many
from .fields import table_of
from .rows import INSERT, NOTICE, UNCHANGED, UPDATE, Problem, Row
from .search_sync import CHAR_COLUMNS, BulkIndexer, spaced
from .values import display, to_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .engine import ImportJob


class Handler:
    """Resolves a chunk of parsed rows against the database, and writes the accepted ones."""

    entity_type = ""
    # resolve() reads only through ctx.reads and write() drains the writer before its Session work:
    # the engine may then resolve a chunk while the writer thread still inserts the previous one.
    concurrent_resolve = False
    # How many chunks' inserts may wait for the writer thread (see BackgroundWriter).
    writer_depth = 1

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
        s = self.h.ctx.reads
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

    def require(
        self,
        row: Row,
        by_uscc: Mapping[str, dict[str, Any]],
        by_reg: Mapping[str, list[dict[str, Any]]],
    ) -> dict[str, Any] | None:
        """The existing enterprise a record row refers to; None (with a row error) when there is none."""
        ent = self.match(row, by_uscc, by_reg)
        if ent is None and not row.has_error:
            code = row.values.get("uscc") or row.values.get("reg_no")
            what = self.h.label("uscc") if "uscc" in row.values else self.h.label("reg_no")
            row.error(what, f"市场主体库中没有代码为 {code} 的企业，请先导入该企业的登记信息。")
        return ent


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


INDEX_EVERY = 20_000  # enterprises inserted between two fills of the search tables


# Indexes of ``enterprises`` a bulk load keeps current instead of building them again afterwards:
# - 注册号: the load's own lookups need it (the USCC's index is unique, so it stays anyway);
# - those led by the id, and those on a column of a handful of values (a batch, a status, a GB/T 4754
#   section, a subject category, a risk class, the small/micro flag): a new row's entry goes to the end
#   of one of a few runs, so keeping them costs the writer thread little, while each rebuild reads the
#   whole table once more after the last insert, when nothing runs alongside. 1,000,000 CSV rows on
#   SQLite, alternating runs: 75-89 s dropping them, 67-78 s keeping them (the rebuilds after the load
#   12-16 s → 6-8 s). Names, legal representatives, codes and dates are in random order: those are
#   still built afterwards, one sort each.
_KEPT_DURING_LOAD = (
    "ix_enterprises_reg_no",
    search_index.SORT_INDEX,  # (id, name, established_on)
    "ix_enterprises_search_id_established",
    "ix_enterprises_import_batch_id",
    "ix_enterprises_status",
    "ix_enterprises_industry_section",
    "ix_enterprises_subject_category",
    "ix_enterprises_risk_class",
    "ix_enterprises_small_micro",
)


class EnterpriseHandler(Handler):
    concurrent_resolve = True
    # Every INDEX_EVERY rows the writer thread fills the search tables, which takes about as long as
    # parsing six chunks: with room for eight chunks in its queue, parsing goes on meanwhile instead of
    # waiting (a chunk of 2,000 prepared rows holds ~3 MB).
    writer_depth = 8
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
        self._deferred = DeferredIndexes(self.ctx.session, "enterprises", keep=_KEPT_DURING_LOAD)
        self._deferred_keys = DeferredIndexes(self.ctx.session, search_index.FILTER_KEYS)
        self._index_sql: list[str] = []
        self._unindexed: tuple[int, int] | None = None  # ids (lo, hi] inserted but not yet indexed
        self._max_id: int | None = None  # largest enterprise id after the last chunk (writer thread)
        self._pos = {c: i for i, c in enumerate(self.insert_cols)}
        self._i_category = self._pos["subject_category"]
        self._i_pinyin = self._pos["name_pinyin"]
        self._i_initials = self._pos["name_initials"]
        self._i_section = self._pos["industry_section"]
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
        # Pure Python first (it overlaps the writer thread's work on earlier chunks). Session work (the
        # updates, and the set-up before the first insert) waits until the writer is idle. The inserts
        # join the writer's queue; the writer is the only user of the connection until it is drained.
        inserts = [self._insert_values(r) for r in rows if r.action == INSERT]
        ready = self._prepare(inserts) if inserts and self._bulk is not None else None
        if self._bulk is None or any(r.action == UPDATE for r in rows):
            self.job.writer.drain()  # Session work follows: the writer must be idle
            self._write_updates(rows)
        if inserts:
            if self._bulk is None:
                self._indexer.begin()
                expected = self._expected_rows(len(inserts))
                self._deferred.defer_if_worth_it(expected)
                if self._indexer.fills_filter_keys:  # its index too (PostgreSQL: for a first load only)
                    self._deferred_keys.defer_if_worth_it(expected)
                self._bulk = BulkInserter(self.ctx.session, self.table, self.insert_cols)
                self._index_sql = self._indexer.index_statements()
            prepared, chars = ready or self._prepare(inserts)
            if self._bulk.threaded:
                self.job.writer.submit(self._insert_chunk, prepared, chars)
            else:
                self._insert_chunk(prepared, chars)

    def _prepare(self, inserts: list[list[Any]]) -> tuple[PreparedRows, list[tuple[str | None, ...]] | None]:
        """The chunk's rows as DBAPI values and, when the indexer leaves that table to us, the texts
        of the one-character search table (all the Python work, done on the parsing thread)."""
        assert self._bulk is not None
        chars: list[tuple[str | None, ...]] | None = None
        if self._indexer.char_rows:
            n, f, r = (self._pos[c] for c in CHAR_COLUMNS)
            chars = [(spaced(v[n]), spaced(v[f]), spaced(v[r])) for v in inserts]
        return self._bulk.prepare(inserts), chars

    def _insert_chunk(self, inserts: PreparedRows, chars: list[tuple[str | None, ...]] | None) -> None:
        """Runs on the writer thread: DBAPI calls only. ``inserts`` are prepared rows; ``chars`` the
        one-character index texts of each (when the indexer leaves that table to us)."""
        bulk = self._bulk
        assert bulk is not None
        if not self._index_sql and chars is None:
            bulk.insert(inserts)
            return
        # Only this thread inserts this import's enterprises: the largest id before the chunk is the last
        # one after the previous chunk (asked for once, before the first). (PostgreSQL: another writer's
        # rows may fall in between, but the batch id in the fill's condition leaves them out; its ids
        # come from the sequence, so all of this chunk's are above any id seen before it.)
        if self._max_id is None:
            self._max_id = int(bulk.execute_raw("SELECT coalesce(max(id), 0) FROM enterprises")[0])
        lo = self._max_id
        # One writer, multi-row inserts in order: the new rows get the ids lo+1 … hi, in order.
        consecutive = bulk.insert(inserts) == (lo + 1, lo + len(inserts))
        if consecutive:
            hi = lo + len(inserts)
        else:  # PostgreSQL (COPY does not say which ids it gave); SQLite numbers its rows consecutively
            hi = int(bulk.execute_raw("SELECT coalesce(max(id), 0) FROM enterprises")[0])
        self._max_id = hi
        params = (lo, hi, self.ctx.batch_id)
        if chars is not None:  # (staged before the fill below, which moves them into the index)
            if consecutive:
                table, cols = self._indexer.char_table()
                rows = [(lo + k, *texts) for k, texts in enumerate(chars, start=1)]
                sqlite_insert_many(bulk.raw, table, cols, 1 + len(CHAR_COLUMNS), rows)
            else:  # pragma: no cover - ids not contiguous (cannot happen with SQLite's rowid allocation)
                fallback = self._indexer.char_fallback()
                if fallback is not None:
                    bulk.execute_raw(fallback, params)
        # The other search tables are filled from the stored rows, several chunks at a time: FTS5 writes
        # a new segment per statement, and fewer, larger segments mean less merging.
        if self._unindexed is None:
            self._unindexed = (lo, hi)
        else:
            self._unindexed = (self._unindexed[0], hi)
        if hi - self._unindexed[0] >= INDEX_EVERY:
            self._index_pending()

    def _index_pending(self) -> None:
        """Index the rows inserted since the last call (writer thread, or main thread once it is idle)."""
        if self._unindexed is None or self._bulk is None:
            return
        params = (*self._unindexed, self.ctx.batch_id)
        for sql in self._index_sql:
            self._bulk.execute_raw(sql, params)
        for sql in self._indexer.char_fill():
            self._bulk.execute_raw(sql)
        self._unindexed = None

    def finish(self) -> None:
        self._index_pending()
        self._indexer.finish()
        # A large first load rebuilds its indexes now: seconds on SQLite, minutes on PostgreSQL for a
        # million enterprises. Say how far it is, and let a Cancel in between stop it.
        count = len(self._deferred.dropped) + len(self._deferred_keys.dropped)
        progress = self.job.progress
        built = 0

        def step() -> None:
            nonlocal built
            built += 1
            if progress is not None:
                progress.check()
                progress.report(1, 1, f"文件已读完，正在重建索引（第 {built} / {count} 个），请稍候……")

        self._deferred.restore(step)
        self._deferred_keys.restore(step)

    def _expected_rows(self, first_chunk: int) -> int:
        """How many rows the file will insert, judged from its first chunk and how far the reader got."""
        fraction = self.job.reader.fraction()
        return int(first_chunk / fraction) if fraction > 0 else 0

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
            out[self._i_category] = _category(v)
        if "is_small_micro" in v:
            out[pos["is_small_micro"]] = bool(v["is_small_micro"])
        if v.get("former_names"):
            out[pos["former_names"]] = _merge_names(
                None, v["former_names"].replace(";", "；").split("；"), exclude=v["name"]
            )
        out[self._i_pinyin], out[self._i_initials] = fast.pinyin(v["name"])
        if "industry_code" in v and "industry_section" not in v:
            out[self._i_section] = _section_for(v["industry_code"])
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


# Enum .value is a Python-level descriptor: read each once, not once per row.
_ENTERPRISE = SubjectCategory.ENTERPRISE.value
_INDIVIDUAL = SubjectCategory.INDIVIDUAL.value
_COOPERATIVE = SubjectCategory.COOPERATIVE.value
_FOREIGN_REP = SubjectCategory.FOREIGN_REP.value
_CATEGORY_BY_CODE = {"2": _INDIVIDUAL, "3": _COOPERATIVE}


def _category(values: Mapping[str, Any]) -> str:
    t = values.get("subject_type")
    if not t:
        uscc = values.get("uscc")
        if uscc and uscc[0] == "9":
            return _CATEGORY_BY_CODE.get(uscc[1], _ENTERPRISE)
        return _ENTERPRISE
    if "个体" in t:
        return _INDIVIDUAL
    if "合作社" in t:
        return _COOPERATIVE
    if "代表机构" in t:
        return _FOREIGN_REP
    uscc = values.get("uscc")
    if uscc and uscc[0] == "9":
        return _CATEGORY_BY_CODE.get(uscc[1], _ENTERPRISE)
    return _ENTERPRISE


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

    concurrent_resolve = True

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
            ent = self.lookup.require(row, by_uscc, by_reg)
            if ent is None:
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
        for rec in self.ctx.reads.execute(self._maybe_lock(stmt)).mappings():
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
        prepared = self._bulk.prepare(inserts) if inserts and self._bulk is not None else None
        self.job.writer.drain()  # the connection is ours again
        self._write_updates(rows)  # Session work before handing the inserts to the writer thread
        if inserts:
            if self._bulk is None:
                self._bulk = BulkInserter(self.ctx.session, self.table, self.insert_cols)
            if self._bulk.threaded:
                self.job.writer.submit(self._bulk.insert, prepared or self._bulk.prepare(inserts))
            else:
                self._bulk.insert(inserts)

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
            ent = self.lookup.require(row, by_uscc, by_reg)
            if ent is None:
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
