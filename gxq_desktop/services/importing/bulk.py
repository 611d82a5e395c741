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
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_CACHEABLE = frozenset({dt.date, bool})


class BackgroundWriter:
    """One worker thread; at most ``depth`` jobs waiting. Errors surface in the main thread."""

    def __init__(self, depth: int = 1) -> None:
        self.depth = depth
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: collections.deque[concurrent.futures.Future[None]] = collections.deque()

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
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

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows given as sequences in ``columns`` order (safe to call from the writer thread)."""
        if not rows:
            return
        try:
            self._insert(rows)
        except self.dbapi_error as exc:
            raise DBAPIError.instance(f"INSERT INTO {self.table_sql}", None, exc, self.dbapi_error) from exc

    def _insert(self, rows: Sequence[Sequence[Any]]) -> None:
        raw = self.raw
        if self.kind == "sqlite":
            sql = f"INSERT INTO {self.table_sql} ({self.cols_sql}) VALUES ({', '.join('?' * len(self.columns))})"
            cur = raw.cursor()
            try:
                cur.executemany(sql, self._processed(rows))
            finally:
                cur.close()
            return
        if self.kind == "postgresql" and self.dialect.driver == "psycopg":
            cur = raw.cursor()
            try:
                with cur.copy(f"COPY {self.table_sql} ({self.cols_sql}) FROM STDIN") as copy:
                    for row in self._processed(rows):
                        copy.write_row(row)
            finally:
                cur.close()
            return
        self.session.execute(insert(self.table), [dict(zip(self.columns, r, strict=True)) for r in rows])

    @property
    def threaded(self) -> bool:
        """Whether inserts may run on the writer thread (not for the Session-based fallback)."""
        return self.kind == "sqlite" or (self.kind == "postgresql" and self.dialect.driver == "psycopg")

    def execute_raw(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, params)
            return cur.fetchone() if cur.description else None
        finally:
            cur.close()
