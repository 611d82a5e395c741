"""Keeping the SQLite enterprise search index (``db.search_index``) current during bulk imports.

The index is maintained by triggers, one row at a time; for an import of many enterprises that is
about ten times slower than indexing the new rows with one ``INSERT … SELECT`` per FTS table. So an
enterprise import drops the insert trigger inside its own transaction, inserts, indexes exactly the
rows it inserted (their ids are above the largest id before the import: SQLite has one writer), and
re-creates the trigger — all in the same transaction, so a rollback or a killed process leaves the
trigger and the index as they were. Undo does the same for deletes. PostgreSQL's expression indexes
need nothing. Without the index (an older schema), all of this does nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

INSERT_TRIGGER = "enterprise_fts_ai"
DELETE_TRIGGER = "enterprise_fts_ad"
_POPULATE_TAIL = "FROM enterprises e"


def _module() -> Any:
    try:
        from gxq_desktop.db import search_index
    except ImportError:  # pragma: no cover - the index arrived with migration 0002
        return None
    return search_index


def _trigger_sql(s: Session, name: str) -> str | None:
    sql = s.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": name}
    ).scalar()
    return str(sql) if sql else None


def _populate_statements() -> list[str] | None:
    mod = _module()
    if mod is None or not hasattr(mod, "sqlite_populate"):
        return None
    stmts = [str(x) for x in mod.sqlite_populate()]
    if not stmts or not all(st.rstrip().endswith(_POPULATE_TAIL) for st in stmts):
        return None  # the index changed shape: keep its triggers rather than guess
    return stmts


class BulkIndexer:
    """Use: ``begin()`` before the first insert, ``finish()`` after the last (same transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.active = False
        self._trigger: str | None = None
        self._max_id = 0
        self._stmts: list[str] | None = None

    def begin(self) -> None:
        s = self.session
        if s.get_bind().dialect.name != "sqlite" or self.active:
            return
        self._stmts = _populate_statements()
        self._trigger = _trigger_sql(s, INSERT_TRIGGER)
        if self._stmts is None or self._trigger is None:
            return
        s.execute(text(f"DROP TRIGGER {INSERT_TRIGGER}"))  # takes the write lock first
        self._max_id = int(s.execute(text("SELECT coalesce(max(id), 0) FROM enterprises")).scalar() or 0)
        self.active = True

    def finish(self, batch_id: int) -> None:
        if not self.active or self._stmts is None or self._trigger is None:
            return
        s = self.session
        for st in self._stmts:
            s.execute(
                text(f"{st} WHERE e.id > :max_id AND e.import_batch_id = :batch"),
                {"max_id": self._max_id, "batch": batch_id},
            )
        s.execute(text(self._trigger))
        self.active = False


def delete_indexed(s: Session, batch_id: int) -> str | None:
    """Before deleting a batch's inserted enterprises: remove their index entries in bulk and drop the
    delete trigger. Returns the trigger's SQL to re-create afterwards (None: nothing was done)."""
    if s.get_bind().dialect.name != "sqlite":
        return None
    stmts = _populate_statements()
    trigger = _trigger_sql(s, DELETE_TRIGGER)
    if stmts is None or trigger is None:
        return None
    for st in stmts:
        # "INSERT INTO t (rowid, cols) SELECT e.id, values FROM enterprises e" → the 'delete' form.
        head, select_part = st.split(" SELECT ", 1)
        table = head.split()[2]
        cols = head[head.index("(") + 1 : head.rindex(")")]
        s.execute(
            text(
                f"INSERT INTO {table} ({table}, {cols}) SELECT 'delete', {select_part} "
                "WHERE e.import_batch_id = :batch"
            ),
            {"batch": batch_id},
        )
    s.execute(text(f"DROP TRIGGER {DELETE_TRIGGER}"))
    return trigger


def restore_trigger(s: Session, trigger_sql: str | None) -> None:
    if trigger_sql:
        s.execute(text(trigger_sql))
