"""Keeping the SQLite enterprise search index (``db.search_index``) current during bulk imports.

The index is maintained by triggers, one row at a time; for an import of many enterprises that is
about ten times slower than indexing the new rows with one ``INSERT … SELECT`` per FTS table. So an
enterprise import drops the insert trigger inside its own transaction, inserts, indexes exactly the
rows it inserted (each chunk's new ids lie between the largest id before and after its insert: SQLite
has one writer), and
re-creates the trigger at the end — all in the same transaction, so a rollback or a killed process leaves the
trigger and the index as they were. Undo does the same for deletes. PostgreSQL's expression indexes
need nothing. Without the index (an older schema), all of this does nothing. The filter keys' insert
trigger (``search_index.filter_keys_fill``) is handled the same way, with set-based fills per batch; on
PostgreSQL it is not dropped (that would lock every search out of ``enterprises`` until the import
commits) but told to skip this transaction's rows (``search_index.pg_defer_key_trigger``), which
commit and rollback undo by themselves. There other writers may insert enterprises meanwhile: their
rows fall inside a fill's id range but belong to no batch of this import, so the fill leaves them to
their own trigger.

One table is filled from Python: the one-character table stores each text with a space between its
characters, which SQL can only build with a ``group_concat`` sub-query per value — the dearest part
of the whole index. :func:`spaced` builds the same text (tests compare the two, and an import undone
through the SQL delete trigger leaves that table empty). The writer thread stores it with the rows'
ids in a temporary staging table, and each fill moves the staged rows into the index with one
statement: FTS5 writes out its pending terms at the end of every statement that inserts into it, so
inserting a chunk's rows directly would make a small segment per statement, and merging those costs
about 40 % more (200,000 rows: 1.20 s in statements of 2,000 rows, 0.85 s in statements of 20,000).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gxq_desktop.db import search_index

INSERT_TRIGGER = "enterprise_fts_ai"
# FTS5 settings: key → (FTS5's own default, the value during a bulk load); see BulkIndexer._bulk_settings.
BULK_SETTINGS = {"hashsize": (1024 * 1024, 16 * 1024 * 1024), "automerge": (4, 8)}
CHAR_TABLE = "enterprise_fts_chr"
CHAR_COLUMNS = ("name", "former_names", "legal_rep")
CHAR_STAGE = "gxq_char_stage"  # a temporary table (see the module's documentation)
DELETE_TRIGGER = "enterprise_fts_ad"
_POPULATE_TAIL = "FROM enterprises e"
_NEW_ROWS = "e.id > ? AND e.id <= ? AND e.import_batch_id = ?"  # the rows of one fill
_PG_NEW_ROWS = _NEW_ROWS.replace("?", "%s")  # (psycopg's parameter style)


def _trigger_sql(s: Session, name: str) -> str | None:
    sql = s.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"), {"n": name}
    ).scalar()
    return str(sql) if sql else None


def _populate_statements() -> list[str] | None:
    stmts = search_index.sqlite_populate()
    if not stmts or not all(st.rstrip().endswith(_POPULATE_TAIL) for st in stmts):
        return None  # the index changed shape: keep its triggers rather than guess
    return stmts


def _char_statement() -> str:
    """The populate statement of the one-character table in the shape :func:`spaced` reproduces (when
    the index's own statement differs, that table is filled by its SQL like the others)."""
    values = ", ".join(search_index.chars_sql(f"e.{c}") for c in CHAR_COLUMNS)
    return (
        f"INSERT INTO {CHAR_TABLE} (rowid, {', '.join(CHAR_COLUMNS)}) SELECT e.id, {values} {_POPULATE_TAIL}"
    )


def spaced(text: str | None) -> str | None:
    """What the index's SQL gives for a value of the one-character table: its first 1,000 characters
    with a space between each two ("秦岭" → "秦 岭"); NULL for NULL or empty (SQLite's ``length`` and
    ``substr`` stop at a NUL character)."""
    if not text:
        return None
    if "\0" in text:
        text = text[: text.index("\0")]
        if not text:
            return None
    return " ".join(text[: search_index.INDEXED_CHARS])


class BulkIndexer:
    """``begin()`` before the first insert, ``index_statements()`` after each chunk, ``finish()`` at the end."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.active = False
        self._trigger: str | None = None
        self._stmts: list[str] | None = None
        self.char_rows = False  # whether the caller inserts the one-character rows itself
        self._char_stmt: str | None = None
        self._saved_settings: dict[tuple[str, str], int] = {}
        self._keys_trigger: str | None = None
        self._keys_deferred = False  # PostgreSQL: the keys' insert trigger skips this transaction's rows
        self._keys_stmts: list[str] = []

    def begin(self) -> None:
        s = self.session
        if self.active:
            return
        if s.get_bind().dialect.name == "postgresql":
            if search_index.pg_defer_key_trigger(s.connection()):
                self._keys_deferred = self.active = True
                self._keys_stmts = search_index.filter_keys_fill(_PG_NEW_ROWS, no_records=True, pg=True)
            return
        if s.get_bind().dialect.name != "sqlite":
            return
        # The filter keys' insert trigger (migration 0005) goes the same way: set-based fills instead.
        self._keys_trigger = _trigger_sql(s, search_index.FILTER_KEYS_INSERT_TRIGGER)
        if self._keys_trigger is not None:
            s.execute(text(f"DROP TRIGGER {search_index.FILTER_KEYS_INSERT_TRIGGER}"))
            # An enterprise import adds no records: nothing can refer to the rows it inserts.
            self._keys_stmts = search_index.filter_keys_fill(_NEW_ROWS, no_records=True)
            self.active = True
        stmts = _populate_statements()
        self._trigger = _trigger_sql(s, INSERT_TRIGGER)
        if stmts is None or self._trigger is None:
            self._trigger = None
            return
        self._stmts = stmts
        s.execute(text(f"DROP TRIGGER {INSERT_TRIGGER}"))
        self.active = True
        self._bulk_settings()
        char_stmt = _char_statement()
        if char_stmt in self._stmts:
            self._stmts = [st for st in self._stmts if st != char_stmt]
            self._char_stmt = char_stmt
            self.char_rows = True
            cols = ", ".join(f"{c} TEXT" for c in CHAR_COLUMNS)
            s.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {CHAR_STAGE} (id INTEGER PRIMARY KEY, {cols})"))
            s.execute(text(f"DELETE FROM temp.{CHAR_STAGE}"))

    @property
    def fills_filter_keys(self) -> bool:
        """Whether this load fills the filter keys itself (their insert trigger is set aside)."""
        return self.active and (self._keys_trigger is not None or self._keys_deferred)

    def index_statements(self) -> list[str]:
        """SQL (the DBAPI's style: qmark, PostgreSQL ``%s``) indexing the enterprises with ``? < id <= ?``
        of batch ``?`` — all tables but the one-character table when ``char_rows`` is set — and giving
        them their filter keys."""
        if not self.active:
            return []
        return [f"{st} WHERE {_NEW_ROWS}" for st in self._stmts or ()] + self._keys_stmts

    @staticmethod
    def char_table() -> tuple[str, str]:
        """(table, column list) for staging ``(id, *CHAR_COLUMNS)`` rows built with :func:`spaced`."""
        return f"temp.{CHAR_STAGE}", ", ".join(("id", *CHAR_COLUMNS))

    def char_fill(self) -> list[str]:
        """SQL (no parameters) moving the staged rows into the one-character table, in id order."""
        if not self.char_rows:
            return []
        cols = ", ".join(CHAR_COLUMNS)
        return [
            f"INSERT INTO {CHAR_TABLE} (rowid, {cols}) SELECT id, {cols} FROM temp.{CHAR_STAGE} ORDER BY id",
            f"DELETE FROM temp.{CHAR_STAGE}",
        ]

    def char_fallback(self) -> str | None:
        """The one-character table's own SQL, in the form of :meth:`index_statements` (for rows whose
        ids are not known one by one)."""
        if self._char_stmt is None:
            return None
        return f"{self._char_stmt} WHERE {_NEW_ROWS}"

    def finish(self) -> None:
        """Re-create the insert triggers (the rows were indexed chunk by chunk)."""
        if not self.active:
            return
        if self.char_rows:
            self.session.execute(text(f"DROP TABLE IF EXISTS temp.{CHAR_STAGE}"))
        if self._trigger is not None:
            self.session.execute(text(self._trigger))
            self._restore_settings()
        if self._keys_trigger is not None:
            self.session.execute(text(self._keys_trigger))
        if self._keys_deferred:
            search_index.pg_resume_key_trigger(self.session.connection())
            self._keys_deferred = False
        self.active = False

    def _tables(self) -> list[str]:
        assert self._stmts is not None
        return [st.split()[2] for st in self._stmts]  # "INSERT INTO <table> (…"

    def _bulk_settings(self) -> None:
        """Two FTS5 settings of each table, for the load; the old values come back in finish(), in the
        same transaction.

        - 'hashsize': FTS5 writes out its pending terms whenever they exceed it (1 MB by default): each
          write is a segment that must later be merged. A fill of 20,000 enterprises holds a few MB;
          16 MB lets it become one segment (about 17 % less index work over 1,000,000 rows).
        - 'automerge': how many segments of one size FTS5 lets gather before it merges them into one
          (4 by default). With 8, each row's terms are rewritten fewer times on the way: 15 % less time
          for the trigram table over 1,000,000 rows (three runs each, 9.3 against 11.4 s on average).
          The index may keep a few more segments afterwards, until later writes merge them.
        """
        s = self.session
        for table in self._tables():
            for key, (default, bulk) in BULK_SETTINGS.items():
                old = s.execute(text(f"SELECT v FROM {table}_config WHERE k = :k"), {"k": key}).scalar()
                self._saved_settings[table, key] = int(old) if old is not None else default
                s.execute(text(f"INSERT INTO {table} ({table}, rank) VALUES (:k, :v)"), {"k": key, "v": bulk})

    def _restore_settings(self) -> None:
        for (table, key), value in self._saved_settings.items():
            self.session.execute(
                text(f"INSERT INTO {table} ({table}, rank) VALUES (:k, :v)"), {"k": key, "v": value}
            )
        self._saved_settings.clear()


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
