"""Bulk inserts below the ORM: the part of an import whose speed the clerk notices.

Values go through the same SQLAlchemy bind processors a Core insert would use (so a date, a Decimal or
an aware UTC datetime is stored exactly as everywhere else), but without SQLAlchemy's per-row
bookkeeping: SQLite gets one ``executemany`` per chunk, PostgreSQL a ``COPY … FROM STDIN`` in the same
transaction. Other dialects fall back to a plain Core executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


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
        quote = self.dialect.identifier_preparer.quote
        self.cols_sql = ", ".join(quote(c) for c in self.columns)
        self.table_sql = self.dialect.identifier_preparer.format_table(table)

    def _processed(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        if not self.processors:
            return list(rows)
        out: list[Sequence[Any]] = []
        procs = self.processors
        # The audit columns hold the same object in every row of an import: convert it once.
        last_in: list[Any] = [None] * len(procs)
        last_out: list[Any] = [None] * len(procs)
        for row in rows:
            values = list(row)
            for k, (i, proc) in enumerate(procs):
                v = values[i]
                if v is not None:
                    if v is last_in[k]:
                        values[i] = last_out[k]
                    else:
                        values[i] = last_out[k] = proc(v)
                        last_in[k] = v
            out.append(values)
        return out

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows given as sequences in ``columns`` order."""
        if not rows:
            return
        raw = self.session.connection().connection
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
