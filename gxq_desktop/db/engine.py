"""Opening a database: SQLite (embedded default) or PostgreSQL (shared), with one code path.

``Database`` owns the engine and hands out sessions. Each session knows its acting user, and a flush
hook stamps ``created_by_id``/``updated_by_id`` on every audited record, so attribution cannot be
forgotten by a service.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from .base import Audited


def sqlite_url(path: str | Path) -> URL:
    return URL.create("sqlite", database=str(Path(path)))


def postgres_url(host: str, port: int, database: str, username: str, password: str | None) -> URL:
    return URL.create(
        "postgresql+psycopg", username=username, password=password, host=host, port=port, database=database
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite;
    # the busy timeout waits for another workstation's write instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MB page cache
    # temp_store stays FILE (SQLite's default): small sorts and temporary b-trees live in the page
    # cache anyway, and a large sort (building an index over a million rows after an import) spills
    # to a temporary file instead of adding ~100 MB to the process.
    cursor.close()


def _stamp_actor(session: Session, _ctx: Any, _instances: Any) -> None:
    actor_id = session.info.get("actor_id")
    for obj in session.new:
        if isinstance(obj, Audited):
            if obj.created_by_id is None:
                obj.created_by_id = actor_id
            obj.updated_by_id = actor_id
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            obj.updated_by_id = actor_id


class Database:
    """An open database. Cheap to keep for the program's life; thread-safe (one session per call)."""

    def __init__(self, url: URL | str, *, echo: bool = False, pool_pre_ping: bool = True) -> None:
        self.url: URL = make_url(url) if isinstance(url, str) else url
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = pool_pre_ping
            kwargs["connect_args"] = {"connect_timeout": 5, "application_name": "gxq-desktop"}
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessionmaker, "before_flush", _stamp_actor)
        self._read_engine: Engine | None = None
        self._read_sessionmaker: sessionmaker[Session] | None = None

    @property
    def kind(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            return Path(self.url.database)
        return None

    @property
    def location_label(self) -> str:
        """What the status bar shows: 本地 + file, or 共享 + server/database (never the password)."""
        if self.is_sqlite:
            return f"本地 {self.sqlite_path or '内存'}"
        return f"共享 {self.url.host}:{self.url.port or 5432}/{self.url.database}"

    @property
    def read_engine(self) -> Engine:
        """The engine for read-only work that sets its own session limits (the search).

        SQLite: the engine itself. PostgreSQL: a second, lazily opened pool of autocommit connections.
        A read needs no transaction there (each statement of READ COMMITTED sees its own snapshot
        anyway), so it saves the BEGIN and ROLLBACK round trips; and settings made with
        ``set_config(…, false)`` stay on the connection, so a search sets its timeouts and plan
        settings once per connection instead of once per search — without leaking them into the
        main pool's writes. No ping before each use (a round trip per search): the search itself
        tries again once on a fresh connection when a pooled one turns out to be gone.
        """
        if self.is_sqlite:
            return self.engine
        self._read_pool()
        assert self._read_engine is not None
        return self._read_engine

    def _read_pool(self) -> sessionmaker[Session]:
        """PostgreSQL: the sessions of :attr:`read_engine` (its pool is opened on first use)."""
        if self._read_sessionmaker is None:
            self._read_engine = create_engine(
                self.url,
                future=True,
                isolation_level="AUTOCOMMIT",
                pool_pre_ping=False,
                connect_args={"connect_timeout": 5, "application_name": "gxq-desktop-search"},
            )
            self._read_sessionmaker = sessionmaker(self._read_engine, expire_on_commit=False)
        return self._read_sessionmaker

    def read_session(self, actor_id: int | None = None) -> Session:
        """A session on :attr:`read_engine` (never for writes: on PostgreSQL nothing would roll back)."""
        if self.is_sqlite:
            return self.session(actor_id)
        s = self._read_pool()()
        s.info["actor_id"] = actor_id
        return s

    def session(self, actor_id: int | None = None) -> Session:
        s = self._sessionmaker()
        s.info["actor_id"] = actor_id
        return s

    @contextlib.contextmanager
    def transaction(self, actor_id: int | None = None) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back entirely on any error."""
        with self.session(actor_id) as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()
