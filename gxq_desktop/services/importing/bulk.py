"""Bulk inserts below the ORM: the part of an import whose speed the clerk notices.

Values go through the same SQLAlchemy bind processors a Core insert would use (so a date, a Decimal or
an aware UTC datetime is stored exactly as everywhere else), but without SQLAlchemy's per-row
bookkeeping: SQLite gets one ``executemany`` per chunk, PostgreSQL a ``COPY … FROM STDIN`` in the same
transaction. Other dialects fall back to a plain Core executemany.

:class:`BackgroundWriter` runs those inserts on one worker thread while the main thread parses and
checks the next chunk in pure Python: SQLite and psycopg release the GIL while the database works, so
both processor cores do useful work. The connection is never used by both threads at once: the main
thread does its Session work (lookups, updates) before submitting a chunk's inserts and drains the
writer before its next lookups. Everything stays in the one transaction.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime as dt
import itertools
import operator
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_CACHEABLE = frozenset({dt.date, bool})
_ROWS_PER_STATEMENT = 1000  # with 30 columns: 30,000 parameters (SQLite's limit is 32,766 since 3.32)


class BackgroundWriter:
    """One worker thread; at most ``depth`` jobs waiting. Errors surface in the main thread."""

    def __init__(self, depth: int = 1) -> None:
        self.depth = depth
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: collections.deque[concurrent.futures.Future[object]] = collections.deque()

    def submit(self, fn: Callable[..., object], *args: Any) -> None:
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="gxq-import-writer"
            )
        while len(self._pending) >= self.depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(fn, *args))

    def drain(self) -> None:
        """Wait for every submitted job; re-raise the first failure."""
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Wait for the worker to be idle (errors ignored: the caller is already failing) and stop it."""
        while self._pending:
            with contextlib.suppress(BaseException):  # the first error is already propagating
                self._pending.popleft().result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def sqlite_insert_many(
    raw: Any,
    table_sql: str,
    cols_sql: str,
    width: int,
    rows: Sequence[Sequence[Any]],
    constants: Sequence[tuple[str, Any]] = (),
) -> tuple[int, int] | None:
    """Insert ``rows`` (each ``width`` plain DBAPI values) with multi-row ``INSERT … VALUES (…), (…)``.

    ``executemany`` steps the statement once per row and re-acquires the GIL after every step, so on the
    writer thread it can only make progress while the parsing thread happens to wait; one statement per
    several hundred rows binds all values in C and then runs the whole insert with the GIL released.
    Rowids are assigned in the order of ``rows``.

    ``constants``: (column, value) pairs that every row shares. Each value is bound once per statement
    (``INSERT … SELECT column1, …, ? FROM (VALUES …)``) instead of once per row: binding is the
    Python-side part of an insert, done with the GIL held, and an import's audit columns and the
    columns its file does not have are the same in every row.

    Returns the rowids of the first and the last row, or None when they are not consecutive (then the
    caller must not number the rows itself). Knowing them from the statements saves asking for
    ``max(rowid)`` around the insert: on the writer thread every extra call waits for the GIL.
    """
    if not rows:
        return None
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(constants)
    per = max(1, min(_ROWS_PER_STATEMENT, limit // max(width, 1)))
    one = "(" + ", ".join("?" * width) + ")"
    if constants:
        shared = [value for _col, value in constants]
        head = (
            f"INSERT INTO {table_sql} ({cols_sql}, {', '.join(col for col, _value in constants)}) "
            f"SELECT {', '.join(f'column{k}' for k in range(1, width + 1))}, "
            f"{', '.join('?' * len(constants))} FROM (VALUES "
        )
        tail = ")"
    else:
        shared = []
        head = f"INSERT INTO {table_sql} ({cols_sql}) VALUES "
        tail = ""
    cur = raw.cursor()
    first = last = 0
    consecutive = True
    try:
        for start in range(0, len(rows), per):
            part = rows[start : start + per]
            params = list(itertools.chain.from_iterable(part))
            if shared:
                params[:0] = shared  # their "?" come first in the statement's text
            cur.execute(f"{head}{', '.join([one] * len(part))}{tail}", params)
            # One statement's rows get max(rowid) + 1, + 2, … in order (assuming, as in this schema, that
            # no trigger inserts into the same table); the next statement must continue that run.
            end = int(cur.lastrowid or 0)
            if start == 0:
                first = end - len(part) + 1
            elif end - len(part) != last:
                consecutive = False
            last = end
    finally:
        cur.close()
    return (first, last) if consecutive and last - first + 1 == len(rows) else None


class PreparedRows:
    """Rows ready for :meth:`BulkInserter.insert`: ``rows`` hold the values of the columns at
    ``columns`` (positions in the inserter's columns; empty: all of them, in order), and ``constants``
    the (position, value) of the columns every row shares."""

    __slots__ = ("columns", "constants", "rows")

    def __init__(
        self,
        rows: Sequence[Sequence[Any]],
        columns: tuple[int, ...] = (),
        constants: tuple[tuple[int, Any], ...] = (),
    ) -> None:
        self.rows = rows
        self.columns = columns
        self.constants = constants

    def __len__(self) -> int:
        return len(self.rows)


class BulkInserter:
    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        self.session = session
        self.table = table
        self.columns = list(columns)
        conn = session.connection()
        self.dialect = conn.dialect
        self.kind = self.dialect.name
        procs: list[tuple[int, Callable[[Any], Any]]] = []
        for i, name in enumerate(self.columns):
            proc = table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if proc is not None:
                procs.append((i, proc))
        self.processors = procs
        self._caches: dict[int, dict[Any, Any]] = {}
        quote = self.dialect.identifier_preparer.quote
        self.cols_sql = ", ".join(quote(c) for c in self.columns)
        # The DBAPI connection, fetched once in the main thread (the Session is not for other threads).
        self.raw = conn.connection
        self.dbapi_error: type[Exception] = self.dialect.loaded_dbapi.Error
        self.table_sql = self.dialect.identifier_preparer.format_table(table)
        self._copy = self.kind == "postgresql" and self.dialect.driver == "psycopg"

    def _processed(self, rows: Sequence[Sequence[Any]]) -> Sequence[Sequence[Any]]:
        if not self.processors:
            return list(rows)
        out = [list(row) for row in rows]
        cacheable = _CACHEABLE
        # Column by column (the loop per cell stays small). The audit columns hold the same object in
        # every row of an import: convert it once. Dates and booleans repeat down a column: their (pure
        # Python) conversions are remembered per column, keyed by exact type so that equal values of
        # different types never share a result.
        for i, proc in self.processors:
            cache = self._caches.setdefault(i, {})
            last_in: Any = None
            last_out: Any = None
            for values in out:
                v = values[i]
                if v is None:
                    continue
                if v is last_in:
                    values[i] = last_out
                elif type(v) in cacheable:
                    try:
                        values[i] = cache[v]
                    except KeyError:
                        values[i] = result = proc(v)
                        if len(cache) < 100_000:
                            cache[v] = result
                else:
                    values[i] = last_out = proc(v)
                    last_in = v
        return out

    def prepare(self, rows: Sequence[Sequence[Any]]) -> PreparedRows:
        """The rows as DBAPI values (the columns' bind processors applied).

        Pure Python: the import calls it on its parsing thread, so that the writer thread holds the GIL
        as little as possible (its inserts then overlap the parsing of the next chunk). For SQLite the
        columns that hold the very same value in every row (the audit columns, the columns the file does
        not have) are set apart, to be bound once per statement (see :func:`sqlite_insert_many`).
        """
        if self.kind == "sqlite":
            return self._factored(self._processed(rows))
        if self._copy:
            return PreparedRows(self._processed(rows))
        return PreparedRows(rows)  # the Session fallback converts values itself

    def _factored(self, rows: Sequence[Sequence[Any]]) -> PreparedRows:
        if len(rows) < 2:
            return PreparedRows(rows)
        first = rows[0]
        # The same object in every row (checked by identity: equal values of different types, 1 and
        # True, must not be merged). A column that varies fails at once, usually at the second row.
        same = [i for i, v in enumerate(first) if all(r[i] is v for r in rows)]
        if not same:
            return PreparedRows(rows)
        if len(same) == len(first):
            same = same[1:]  # VALUES needs at least one column
        shared = set(same)
        varying = [i for i in range(len(first)) if i not in shared]
        pick = operator.itemgetter(*varying)
        narrow = [(r[varying[0]],) for r in rows] if len(varying) == 1 else list(map(pick, rows))
        return PreparedRows(narrow, tuple(varying), tuple((i, first[i]) for i in same))

    def insert(self, rows: Sequence[Sequence[Any]] | PreparedRows) -> tuple[int, int] | None:
        """Insert rows (safe to call from the writer thread): :class:`PreparedRows` from :meth:`prepare`,
        or plain sequences in ``columns`` order. SQLite: returns the first and last new rowid when the
        rows got consecutive ones (see :func:`sqlite_insert_many`); otherwise None."""
        if not rows:
            return None
        ready = rows if isinstance(rows, PreparedRows) else self.prepare(rows)
        try:
            return self._insert(ready)
        except self.dbapi_error as exc:
            raise DBAPIError.instance(f"INSERT INTO {self.table_sql}", None, exc, self.dbapi_error) from exc

    def _insert(self, ready: PreparedRows) -> tuple[int, int] | None:
        raw = self.raw
        rows = ready.rows
        if self.kind == "sqlite":
            if not ready.constants:
                return sqlite_insert_many(raw, self.table_sql, self.cols_sql, len(self.columns), rows)
            quote = self.dialect.identifier_preparer.quote
            cols_sql = ", ".join(quote(self.columns[i]) for i in ready.columns)
            constants = [(quote(self.columns[i]), v) for i, v in ready.constants]
            return sqlite_insert_many(raw, self.table_sql, cols_sql, len(ready.columns), rows, constants)
        if self._copy:
            cur = raw.cursor()
            try:
                with cur.copy(f"COPY {self.table_sql} ({self.cols_sql}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            finally:
                cur.close()
            return None
        self.session.execute(insert(self.table), [dict(zip(self.columns, r, strict=True)) for r in rows])
        return None

    @property
    def threaded(self) -> bool:
        """Whether inserts may run on the writer thread (not for the Session-based fallback)."""
        return self.kind == "sqlite" or self._copy

    def execute_raw(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchone() if cur.description else None
        finally:
            cur.close()


SORT_CACHE_KIB = -16384  # PRAGMA cache_size while rebuilding indexes (negative: KiB)
PG_BUILD_MEMORY = "256MB"  # maintenance_work_mem while rebuilding (GIN builds sort their keys in memory)


class DeferredIndexes:
    """For a bulk load that is large next to the table: drop the table's secondary indexes, and build
    them again after the last insert.

    Each secondary index costs every inserted row a random b-tree insertion, which grows dearer as the
    index outgrows the page cache; building an index afterwards is one sort. Unique indexes (they are
    constraints) and the indexes named in ``keep`` (the import's own lookups) stay. The indexes are
    dropped and re-created inside the import's transaction, from their own definitions, so a rollback
    or a killed process leaves them exactly as they were.

    PostgreSQL: the search's GIN expression indexes make every inserted row evaluate eight gram
    functions and insert their keys one by one; a GIN index built afterwards sorts all keys at once
    (150,000 enterprises: 69 s of COPY with the indexes, 45 s for COPY plus building them). But
    dropping an index locks the table against every reader until the import commits, so there it is
    done only for a first load: a table holding at most a tenth of the rows the file brings.
    """

    MIN_ROWS = 50_000  # below this, keeping the indexes current costs less than rebuilding them
    PG_MAX_EXISTING = 0.1  # PostgreSQL: defer only while the table holds at most this share of the load

    def __init__(self, session: Session, table: str, keep: Sequence[str] = ()) -> None:
        self.session = session
        self.table = table
        self.keep = set(keep)
        self.dropped: list[str] = []

    def defer_if_worth_it(self, expected_new_rows: int) -> bool:
        """Drop the indexes when ``expected_new_rows`` is at least MIN_ROWS and the rows already there
        (PostgreSQL: ten times the rows already there)."""
        s = self.session
        dialect = s.get_bind().dialect.name
        if dialect not in ("sqlite", "postgresql") or self.dropped or expected_new_rows < self.MIN_ROWS:
            return False
        existing = int(s.execute(text(f'SELECT count(*) FROM "{self.table}"')).scalar_one())
        limit = expected_new_rows * (self.PG_MAX_EXISTING if dialect == "postgresql" else 1)
        if existing > limit:
            return False
        found = s.execute(
            _PG_INDEXES if dialect == "postgresql" else _SQLITE_INDEXES, {"t": self.table}
        ).all()
        for name, sql in found:
            if name in self.keep:
                continue
            s.execute(text(f'DROP INDEX "{name}"'))
            self.dropped.append(str(sql))
        return bool(self.dropped)

    def restore(self, before_each: Callable[[], None] | None = None) -> None:
        """Build the dropped indexes again (after the last insert, same transaction); ``before_each``
        is called before each build (to report progress).

        SQLite sorts each index in memory up to a size derived from the page cache before spilling to
        a temporary file; a smaller cache for these sorts keeps a million-row rebuild from adding
        ~60 MB to the import's peak memory, at no measurable cost in time. PostgreSQL gets the memory
        its GIN builds need for this transaction.
        """
        if not self.dropped:
            return
        s = self.session
        with self._build_memory():
            for sql in self.dropped:
                if before_each is not None:
                    before_each()
                s.execute(text(sql))
        self.dropped = []

    @contextlib.contextmanager
    def _build_memory(self) -> Iterator[None]:
        """The memory the index builds get (see :meth:`restore`); SQLite's page cache comes back after."""
        s = self.session
        if s.get_bind().dialect.name == "postgresql":  # for the rest of this transaction only
            s.execute(text("SELECT set_config('maintenance_work_mem', :m, true)"), {"m": PG_BUILD_MEMORY})
            yield
            return
        cache_size = int(s.execute(text("PRAGMA cache_size")).scalar_one())
        s.execute(text(f"PRAGMA cache_size = {SORT_CACHE_KIB:d}"))
        try:
            yield
        finally:
            s.execute(text(f"PRAGMA cache_size = {cache_size:d}"))


# (name, definition) of a table's secondary indexes that no constraint needs.
_SQLITE_INDEXES = text(
    "SELECT m.name, m.sql FROM sqlite_master m JOIN pragma_index_list(:t) l ON l.name = m.name "
    "WHERE m.type = 'index' AND m.sql IS NOT NULL AND NOT l.\"unique\""
)
_PG_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisunique AND NOT i.indisprimary "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
    "ORDER BY c.relname"
)
