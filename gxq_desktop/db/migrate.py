"""Schema versions: check, upgrade (with a SQLite backup first), refuse a database newer than us.

The program upgrades a local SQLite file itself (after copying it to ``backups/``). A shared
PostgreSQL database is upgraded only by an administrator with ``gxq-desktop db upgrade``, because other
workstations may still run the older program.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from .engine import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaState(Enum):
    EMPTY = "empty"  # no tables at all: a new database
    CURRENT = "current"
    OLDER = "older"  # needs upgrade
    NEWER = "newer"  # written by a newer program: refuse
    FOREIGN = "foreign"  # has tables but none of ours


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    database_revision: str | None
    program_revision: str


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate filter: search-index side tables (FTS5, gram tables) are created with raw SQL by
    migrations and have no ORM model, so autogenerate must not propose dropping them."""
    return not (type_ == "table" and reflected and compare_to is None)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def schema_status(db: Database) -> SchemaStatus:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        tables = set(inspect(conn).get_table_names())
    if current is None:
        state = SchemaState.EMPTY if not tables else SchemaState.FOREIGN
    elif current == head:
        state = SchemaState.CURRENT
    else:
        try:
            script.get_revision(current)
            state = SchemaState.OLDER
        except Exception:
            state = SchemaState.NEWER
    return SchemaStatus(state, current, head)


def backup_sqlite(db: Database, backup_dir: Path) -> Path | None:
    """Copy the SQLite file with SQLite's online backup (consistent even in WAL mode)."""
    path = db.sqlite_path
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = backup_dir / f"{path.stem}-before-upgrade-{stamp}{path.suffix}"
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()
    return target


def upgrade(db: Database, *, backup_dir: Path | None = None) -> Path | None:
    """Bring the schema to this program's head. Returns the backup file written, if any."""
    status = schema_status(db)
    if status.state is SchemaState.NEWER:
        from gxq_desktop.errors import SchemaTooNew

        raise SchemaTooNew(newer_message(status))
    if status.state is SchemaState.CURRENT:
        return None
    backup = None
    if status.state is SchemaState.OLDER and backup_dir is not None:
        backup = backup_sqlite(db, backup_dir)
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return backup


def newer_message(status: SchemaStatus) -> str:
    return (
        f"数据库的结构版本（{status.database_revision}）比本程序新（{status.program_revision}）。"
        "这个数据库已被更新版本的 GXQ Desktop 使用过，请升级本程序后再打开，以免损坏数据。"
    )
