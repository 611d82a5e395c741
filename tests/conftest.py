"""Shared fixtures.

- Every test gets its own base directory (``paths.set_basedir``) and an in-memory keyring: no test
  writes to the real home or the real credential store.
- ``db`` is a fresh, migrated database per test, parametrised over SQLite and — when
  ``GXQ_TEST_PG_URL`` names a PostgreSQL server (``scripts/test`` starts one) — PostgreSQL.
  Tests that use it run on both engines.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, make_url, text

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gxq_desktop import paths
from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.context import Actor

PG_URL = os.environ.get("GXQ_TEST_PG_URL")
if os.environ.get("GXQ_REQUIRE_PG") == "1" and not PG_URL:
    raise RuntimeError("GXQ_REQUIRE_PG=1 but GXQ_TEST_PG_URL is not set: PostgreSQL tests would be skipped")
ENGINES = ["sqlite", *(["postgresql"] if PG_URL else [])]


class MemoryKeyring(KeyringBackend):
    """A secure-looking backend that keeps secrets in memory for the test's life."""

    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    base = tmp_path / "basedir"
    paths.set_basedir(base)
    monkeypatch.setenv("GXQ_BASEDIR", str(base))
    # Temporary files the program makes (rejected-rows workbooks …) stay in the test's own directory.
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    paths.set_basedir(None)


@pytest.fixture
def memory_keyring(isolated_environment: MemoryKeyring) -> MemoryKeyring:
    return isolated_environment


# --------------------------------------------------------------------------- databases

_counter = itertools.count()
# One per test run: two runs against the same server (two worktrees) must not drop each other's.
_TEMPLATE = f"gxq_test_template_{os.getpid()}"


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    assert PG_URL
    return create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated template database; each test copies it (CREATE DATABASE … TEMPLATE, ~50 ms)."""
    if not PG_URL:
        yield None
        return
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
        conn.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
    tdb = Database(make_url(PG_URL).set(database=_TEMPLATE))
    migrate.upgrade(tdb)
    tdb.dispose()
    yield _TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
    admin.dispose()


def new_database(engine: str, tmp_path: Path, pg_template: str | None, *, migrated: bool = True) -> Database:
    if engine == "sqlite":
        db = Database(f"sqlite:///{tmp_path / f'test-{next(_counter)}.sqlite3'}")
        if migrated:
            migrate.upgrade(db)
        return db
    assert PG_URL
    name = f"gxq_test_{os.getpid()}_{next(_counter)}"
    with _pg_admin_engine().connect() as conn:
        template = f' TEMPLATE "{pg_template}"' if migrated and pg_template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{template}'))
    return Database(make_url(PG_URL).set(database=name))


def drop_database(db: Database) -> None:
    db.dispose()
    if db.is_sqlite:
        return
    with _pg_admin_engine().connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db.url.database}" WITH (FORCE)'))


@pytest.fixture(params=ENGINES)
def db_engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(db_engine_name: str, tmp_path: Path, pg_template: str | None) -> Iterator[Database]:
    """A fresh migrated database, on SQLite and on PostgreSQL."""
    database = new_database(db_engine_name, tmp_path, pg_template)
    yield database
    drop_database(database)


@pytest.fixture
def empty_db(db_engine_name: str, tmp_path: Path, pg_template: str | None) -> Iterator[Database]:
    """A database with no tables at all (for migration tests)."""
    database = new_database(db_engine_name, tmp_path, pg_template, migrated=False)
    yield database
    drop_database(database)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = new_database("sqlite", tmp_path, None)
    yield database
    database.dispose()


# --------------------------------------------------------------------------- users


def make_user(db: Database, role: Role, username: str | None = None, password: str = "Secret-123") -> Actor:
    """Create a real user row with ``role`` and return its Actor."""
    from gxq_desktop.db.models import User
    from gxq_desktop.services.auth import hash_password

    username = username or f"{role.value}_{next(_counter)}"
    with db.transaction() as s:
        user = User(
            username=username, display_name=username, password_hash=hash_password(password), role=role.value
        )
        s.add(user)
        s.flush()
        return Actor(user.id, user.username, user.display_name, role)


@pytest.fixture
def admin(db: Database) -> Actor:
    return make_user(db, Role.ADMIN, "admin")


@pytest.fixture
def actors(db: Database) -> dict[Role, Actor]:
    """One user per role."""
    return {role: make_user(db, role) for role in Role}
