"""测试连接: each problem gets its own clear message (SQLite always; a real PostgreSQL when available)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from gxq_desktop.config import DatabaseSettings
from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database
from gxq_desktop.services import connection

from .conftest import PG_URL


def _sqlite(path: Path) -> DatabaseSettings:
    return DatabaseSettings(kind="sqlite", sqlite_path=str(path))


def test_sqlite_missing_file_will_be_created(tmp_path: Path) -> None:
    r = connection.test_connection(_sqlite(tmp_path / "new.sqlite3"), None)
    assert r.ok and r.schema_state is migrate.SchemaState.EMPTY and "首次启动时将创建" in r.message
    assert not (tmp_path / "new.sqlite3").exists()  # testing never creates the file


def test_sqlite_not_a_database(tmp_path: Path) -> None:
    f = tmp_path / "notes.sqlite3"
    f.write_text("这不是数据库", encoding="utf-8")
    r = connection.test_connection(_sqlite(f), None)
    assert not r.ok and r.problem == "not_sqlite" and "不是 SQLite 数据库文件" in r.message
    r = connection.test_connection(_sqlite(tmp_path), None)
    assert not r.ok and r.problem == "not_sqlite"


def test_sqlite_current_older_newer_foreign(tmp_path: Path) -> None:
    path = tmp_path / "gxq.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    r = connection.test_connection(_sqlite(path), None)
    assert r.ok and r.schema_state is migrate.SchemaState.CURRENT and r.server_version.startswith("SQLite")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    r = connection.test_connection(_sqlite(path), None)
    assert not r.ok and r.problem == "schema_newer" and "比本程序新" in r.message
    db.dispose()

    other = tmp_path / "other.sqlite3"
    odb = Database(f"sqlite:///{other}")
    with odb.engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER)"))
    odb.dispose()
    r = connection.test_connection(_sqlite(other), None)
    assert not r.ok and r.problem == "foreign" and "不是 GXQ Desktop 数据库" in r.message


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_postgres_host_unreachable() -> None:
    settings = DatabaseSettings(kind="postgresql", host="127.0.0.1", port=_free_port(), database="gxq")
    r = connection.test_connection(settings, "x")
    assert not r.ok and r.problem == "unreachable" and "无法连接到数据库服务器" in r.message


needs_pg = pytest.mark.skipif(not PG_URL, reason="GXQ_TEST_PG_URL not set")


def _pg_settings(database: str, username: str | None = None) -> DatabaseSettings:
    url = make_url(PG_URL or "")
    return DatabaseSettings(
        kind="postgresql",
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        database=database,
        username=username or url.username or "gxq",
    )


@needs_pg
@pytest.mark.db
def test_postgres_missing_database() -> None:
    r = connection.test_connection(_pg_settings("gxq_no_such_database"), None)
    assert not r.ok and r.problem == "database_missing"
    assert "不存在数据库“gxq_no_such_database”" in r.message


@needs_pg
@pytest.mark.db
def test_postgres_current_and_empty(db_engine_name: str, db: Database, empty_db: Database) -> None:
    if db_engine_name != "postgresql":
        pytest.skip("PostgreSQL only")
    r = connection.test_connection(_pg_settings(str(db.url.database)), None)
    assert r.ok and r.schema_state is migrate.SchemaState.CURRENT
    assert r.server_version and r.server_version.startswith("PostgreSQL")
    r = connection.test_connection(_pg_settings(str(empty_db.url.database)), None)
    assert not r.ok and r.problem == "schema_empty" and "gxq-desktop db upgrade" in r.message


PW_ROLE = "gxq_pwcheck"  # scripts/pg-throwaway makes this role authenticate with its password


@needs_pg
@pytest.mark.db
def test_postgres_wrong_password() -> None:
    admin = create_engine(make_url(PG_URL or ""), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        rules = conn.scalar(
            text(
                "SELECT count(*) FROM pg_hba_file_rules WHERE :r = ANY(user_name) AND auth_method <> 'trust'"
            ),
            {"r": PW_ROLE},
        )
        if not rules:
            admin.dispose()
            pytest.skip("this PostgreSQL server trusts every role: a wrong password cannot be seen")
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": PW_ROLE})
        if not exists:
            conn.execute(text(f"CREATE ROLE {PW_ROLE} LOGIN PASSWORD 'Right-Pass-1'"))
    admin.dispose()
    settings = _pg_settings("postgres", PW_ROLE)
    r = connection.test_connection(settings, "Wrong-Pass-1")
    assert not r.ok and r.problem == "wrong_password" and "密码错误" in r.message
    r = connection.test_connection(settings, None)
    assert not r.ok and r.problem in ("no_password", "wrong_password")
    r = connection.test_connection(settings, "Right-Pass-1")
    assert r.problem != "wrong_password"  # connected; the postgres database is no GXQ database


# --------------------------------------------------------------------------- start-up: prepare_database


def test_prepare_creates_a_new_local_database(tmp_path: Path) -> None:
    path = tmp_path / "data" / "gxq.sqlite3"
    r = connection.prepare_database(f"sqlite:///{path}", backup_dir=tmp_path / "backups")
    assert r.ok and r.upgraded and r.db is not None and "已创建新的本地数据库" in r.message
    assert migrate.schema_status(r.db).state is migrate.SchemaState.CURRENT
    r.db.dispose()
    again = connection.prepare_database(f"sqlite:///{path}", backup_dir=tmp_path / "backups")
    assert again.ok and not again.upgraded and again.message == ""
    assert again.db is not None
    again.db.dispose()


def test_prepare_refuses_newer_and_foreign_local_files(tmp_path: Path) -> None:
    path = tmp_path / "gxq.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    db.dispose()
    r = connection.prepare_database(f"sqlite:///{path}", backup_dir=tmp_path)
    assert not r.ok and r.db is None and r.problem == "schema_newer" and "请升级本程序" in r.message
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"PK\x03\x04 not a database")
    r = connection.prepare_database(f"sqlite:///{bad}", backup_dir=tmp_path)
    assert not r.ok and r.problem == "not_sqlite"


@needs_pg
@pytest.mark.db
def test_prepare_never_changes_a_shared_database(
    db_engine_name: str, empty_db: Database, tmp_path: Path
) -> None:
    if db_engine_name != "postgresql":
        pytest.skip("PostgreSQL only")
    r = connection.prepare_database(empty_db.url, backup_dir=tmp_path)
    assert not r.ok and r.problem == "schema_empty" and "gxq-desktop db upgrade" in r.message
    assert migrate.schema_status(empty_db).state is migrate.SchemaState.EMPTY  # untouched
    missing = make_url(PG_URL or "").set(database="gxq_no_such_db")
    r = connection.prepare_database(missing, backup_dir=tmp_path)
    assert not r.ok and r.problem == "database_missing"


def test_classify_a_port_that_is_no_postgres() -> None:
    d = DatabaseSettings(kind="postgresql", host="10.0.0.5", port=80, database="gxq", username="gxq")
    code, message = connection._classify_pg_error(
        'connection to server at "10.0.0.5", port 80 failed: received invalid response to SSL negotiation: H',
        d,
    )
    assert code == "not_postgres" and "不是 PostgreSQL 数据库服务" in message
