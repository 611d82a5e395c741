"""Which database to open, and the shared server's password in the system keyring.

The password is stored only with ``keyring`` (Windows Credential Manager on Windows). If no secure
backend exists, nothing is stored and the user is asked at each start: we never fall back to a
plain-text file.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from sqlalchemy import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from gxq_desktop.config import DatabaseSettings
from gxq_desktop.db.engine import Database, postgres_url, sqlite_url
from gxq_desktop.db.migrate import SchemaState, SchemaStatus, newer_message, schema_status, upgrade

from .base import describe_db_error
from .errors import DatabaseError

KEYRING_SERVICE = "GXQ Desktop 数据库"

# Backends that keep secrets in plain files (or nowhere): not acceptable for a password.
_INSECURE_BACKENDS = (
    "keyrings.alt.file",
    "keyring.backends.fail",
    "keyring.backends.null",
    "PlaintextKeyring",
)


def keyring_account(s: DatabaseSettings) -> str:
    return f"{s.username}@{s.host}:{s.port}/{s.database}"


def secure_keyring_available(backend: KeyringBackend | None = None) -> bool:
    """True only if every backend that could receive the password keeps it securely.

    keyring may return a ChainerBackend that writes to the first backend accepting the secret; a
    plain-text backend anywhere in that chain (keyrings.alt makes itself one) disqualifies it.
    """
    backend = backend or keyring.get_keyring()
    chained = getattr(backend, "backends", None)
    if chained is not None:
        return bool(chained) and all(secure_keyring_available(b) for b in chained)
    ident = f"{type(backend).__module__}.{type(backend).__name__}"
    if any(bad in ident for bad in _INSECURE_BACKENDS):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:
        return False


def load_password(s: DatabaseSettings) -> str | None:
    if not secure_keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, keyring_account(s))
    except keyring.errors.KeyringError:
        return None


def store_password(s: DatabaseSettings, password: str) -> bool:
    """True when stored securely; False when no secure backend exists (caller must ask each time)."""
    if not secure_keyring_available():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_account(s), password)
    except keyring.errors.KeyringError:
        return False
    return True


def forget_password(s: DatabaseSettings) -> None:
    if not secure_keyring_available():
        return
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(KEYRING_SERVICE, keyring_account(s))


def url_for(s: DatabaseSettings, password: str | None) -> URL:
    if s.kind == "sqlite":
        return sqlite_url(s.effective_sqlite_path())
    if s.kind == "postgresql":
        return postgres_url(s.host, s.port, s.database, s.username, password)
    raise DatabaseError(f"设置文件中的数据库类型“{s.kind}”无效，应为 sqlite 或 postgresql。")


def open_configured(s: DatabaseSettings, ask_password: Callable[[], str | None] | None = None) -> Database:
    if s.kind == "sqlite":
        return Database(url_for(s, None))
    password = load_password(s)
    if password is None and ask_password is not None:
        password = ask_password()
    return Database(url_for(s, password))


# --------------------------------------------------------------------------- 测试连接


@dataclass(frozen=True, slots=True)
class ConnectionTestResult:
    """What "测试连接" reports. ``ok``: this program can work with the database as it is."""

    ok: bool
    message: str  # one Chinese sentence or two: what was found and, if needed, what to do
    problem: str | None = None  # wrong_password, no_password, unknown_user, unreachable, unknown_host,
    # not_postgres, database_missing, no_access, not_sqlite, unreadable, schema_empty, schema_older,
    # schema_newer, foreign, error
    server_version: str | None = None  # "PostgreSQL 15.10" / "SQLite 3.40.1"
    schema_state: SchemaState | None = None


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _classify_pg_error(text: str, s: DatabaseSettings) -> tuple[str, str]:
    low = text.lower()
    server = f"{s.host}:{s.port}"
    if "password authentication failed" in low:
        return (
            "wrong_password",
            f"用户名或密码错误：服务器 {server} 拒绝了用户“{s.username}”的密码。请检查后重新输入。",
        )
    if "no password supplied" in low or "fe_sendauth" in low:
        return "no_password", "服务器要求输入密码，请填写数据库密码。"
    if "role" in low and "does not exist" in low:
        return "unknown_user", f"服务器 {server} 上没有数据库用户“{s.username}”，请检查用户名或请管理员创建。"
    if "database" in low and "does not exist" in low:
        return (
            "database_missing",
            f"服务器 {server} 上不存在数据库“{s.database}”。请检查数据库名称，或请管理员创建数据库后运行 "
            "gxq-desktop db upgrade 建表。",
        )
    if "could not translate host name" in low or "name or service not known" in low or "nodename" in low:
        return "unknown_host", f"找不到服务器“{s.host}”：主机名无法解析。请检查服务器地址和网络。"
    if "invalid response to ssl negotiation" in low or "expected authentication request" in low:
        return (
            "not_postgres",
            f"服务器 {server} 的这个端口上运行的不是 PostgreSQL 数据库服务，请检查服务器地址和端口号。",
        )
    if "permission denied" in low or "not permitted to log in" in low or "pg_hba.conf" in low:
        return (
            "no_access",
            f"服务器 {server} 不允许用户“{s.username}”连接数据库“{s.database}”。请管理员检查访问权限。",
        )
    if any(
        m in low
        for m in ("connection refused", "timeout", "timed out", "no route to host", "network is unreachable")
    ):
        return (
            "unreachable",
            f"无法连接到数据库服务器 {server}：服务器没有响应或拒绝连接。请检查地址、端口、网络以及服务器是否开启。",
        )
    return "error", f"连接数据库失败：{text.strip()[:300]}"


def _schema_verdict(status: SchemaStatus, *, shared: bool) -> tuple[bool, str | None, str]:
    state = status.state
    if state is SchemaState.CURRENT:
        return True, None, f"数据库结构为最新版本（{status.database_revision}）。"
    if state is SchemaState.NEWER:
        return False, "schema_newer", newer_message(status)
    if state is SchemaState.FOREIGN:
        return False, "foreign", "该数据库中已有其他程序的表，不是 GXQ Desktop 数据库。请选择其他数据库。"
    if state is SchemaState.EMPTY:
        if shared:
            return (
                False,
                "schema_empty",
                "数据库是空的，尚未建表。请管理员在一台电脑上运行 gxq-desktop db upgrade 建表后再连接。",
            )
        return True, None, "数据库是空的，程序启动时将自动建表。"
    if shared:
        return (
            False,
            "schema_older",
            f"数据库结构版本较旧（{status.database_revision}，本程序为 {status.program_revision}）。"
            "共享数据库只能由管理员运行 gxq-desktop db upgrade 升级，请联系系统管理员。",
        )
    return (
        True,
        None,
        f"数据库结构版本较旧（{status.database_revision}），程序启动时将先备份再自动升级。",
    )


def test_connection(s: DatabaseSettings, password: str | None) -> ConnectionTestResult:
    """Try the connection and the schema without changing anything (runs off the GUI thread)."""
    if s.kind == "sqlite":
        return _test_sqlite(s)
    if s.kind != "postgresql":
        return ConnectionTestResult(False, f"未知的数据库类型“{s.kind}”。", "error")
    db = Database(url_for(s, password or None))
    try:
        with db.engine.connect() as conn:
            info = conn.dialect.server_version_info or ()
        version = "PostgreSQL " + ".".join(str(p) for p in info[:2]) if info else "PostgreSQL"
        status = schema_status(db)
    except (OperationalError, DBAPIError) as exc:
        code, message = _classify_pg_error(str(getattr(exc, "orig", exc)), s)
        return ConnectionTestResult(False, message, code)
    finally:
        db.dispose()
    ok, problem, verdict = _schema_verdict(status, shared=True)
    lead = f"已连接到 {version}（{s.host}:{s.port}/{s.database}）。"
    return ConnectionTestResult(ok, lead + verdict, problem, version, status.state)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported


def _test_sqlite(s: DatabaseSettings) -> ConnectionTestResult:
    path = s.effective_sqlite_path()
    version = f"SQLite {sqlite3.sqlite_version}"
    if not path.exists():
        if path.parent.exists() and not os.access(path.parent, os.W_OK):
            return ConnectionTestResult(
                False, f"文件夹“{path.parent}”不可写，无法在其中创建数据库文件。", "unreadable", version
            )
        return ConnectionTestResult(
            True, f"文件“{path}”尚不存在，首次启动时将创建新的本地数据库。", None, version, SchemaState.EMPTY
        )
    if path.is_dir():
        return ConnectionTestResult(False, f"“{path}”是一个文件夹，请选择数据库文件。", "not_sqlite", version)
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        return ConnectionTestResult(
            False, f"无法读取文件“{path}”：{exc.strerror or exc}。", "unreadable", version
        )
    if head and head != _SQLITE_MAGIC:
        return ConnectionTestResult(False, f"“{path}”不是 SQLite 数据库文件。", "not_sqlite", version)
    db = Database(url_for(s, None))
    try:
        status = schema_status(db)
    except (OperationalError, DBAPIError) as exc:
        return ConnectionTestResult(False, describe_db_error(exc, db), "unreadable", version)
    finally:
        db.dispose()
    ok, problem, verdict = _schema_verdict(status, shared=False)
    return ConnectionTestResult(ok, f"本地数据库文件“{path}”。" + verdict, problem, version, status.state)


# --------------------------------------------------------------------------- opening at start-up


@dataclass(frozen=True)
class PreparedDatabase:
    """The outcome of opening the database at start-up: ready to use, or why not."""

    db: Database | None  # open and at this program's schema when ``ok``
    ok: bool
    message: str  # what happened (the upgrade done) or what is wrong and what to do
    problem: str | None = None  # as in ConnectionTestResult
    schema_state: SchemaState | None = None
    backup: Path | None = None  # the SQLite copy made before an upgrade
    upgraded: bool = False


def settings_for_url(url: URL) -> DatabaseSettings:
    """Connection settings that describe ``url`` (for messages about a ``--db`` database)."""
    if url.get_backend_name() == "sqlite":
        return DatabaseSettings(kind="sqlite", sqlite_path=url.database or "")
    return DatabaseSettings(
        kind="postgresql",
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        database=url.database or "",
        username=url.username or "",
    )


def prepare_database(url: URL | str, *, backup_dir: Path) -> PreparedDatabase:
    """Open the database and bring it to a usable state, or say why not (runs off the GUI thread).

    A local SQLite file is created or upgraded here (after a backup copy). A shared PostgreSQL
    database is never changed: an empty or older one needs ``gxq-desktop db upgrade`` by an
    administrator, because other workstations may still run the older program.
    """
    db = Database(url)
    settings = settings_for_url(db.url)
    sqlite_path = db.sqlite_path
    if sqlite_path is not None and sqlite_path.exists() and sqlite_path.is_file():
        with sqlite_path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head and head != _SQLITE_MAGIC:
            db.dispose()
            return PreparedDatabase(
                None, False, f"“{sqlite_path}”不是 SQLite 数据库文件，请选择其他文件。", "not_sqlite"
            )
    try:
        status = schema_status(db)
    except (OperationalError, DBAPIError) as exc:
        db.dispose()
        if db.is_sqlite:
            return PreparedDatabase(None, False, describe_db_error(exc, db), "unreadable")
        code, message = _classify_pg_error(str(getattr(exc, "orig", exc)), settings)
        return PreparedDatabase(None, False, message, code)
    state = status.state
    if db.is_sqlite and state in (SchemaState.EMPTY, SchemaState.OLDER):
        try:
            backup = upgrade(db, backup_dir=backup_dir)
        except (OperationalError, DBAPIError) as exc:
            db.dispose()
            return PreparedDatabase(None, False, describe_db_error(exc, db), "unreadable", state)
        done = "已创建新的本地数据库。" if state is SchemaState.EMPTY else "本地数据库结构已升级。"
        if backup is not None:
            done += f"升级前的数据库已备份到“{backup}”。"
        return PreparedDatabase(db, True, done, None, state, backup, True)
    ok, problem, verdict = _schema_verdict(status, shared=not db.is_sqlite)
    if not ok:
        db.dispose()
        return PreparedDatabase(None, False, verdict, problem, state)
    return PreparedDatabase(db, True, "", None, state)
