"""``gxq-desktop db upgrade|status``."""

from __future__ import annotations

import argparse

from gxq_desktop import paths
from gxq_desktop.db import migrate

from .common import add_db_argument, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="数据库结构：查看版本、升级")
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    up = dbsub.add_parser("upgrade", help="把数据库结构升级到本程序的版本（SQLite 先自动备份）")
    add_db_argument(up)
    up.set_defaults(handler=_upgrade)
    st = dbsub.add_parser("status", help="显示数据库结构版本")
    add_db_argument(st)
    st.set_defaults(handler=_status)


def _upgrade(args: argparse.Namespace) -> int:
    db = open_database(args)
    before = migrate.schema_status(db)
    if before.state is migrate.SchemaState.FOREIGN:
        print("错误：该数据库中已有其他程序的表，不是 GXQ Desktop 数据库，未做任何更改。")
        return 2
    backup = migrate.upgrade(db, backup_dir=paths.backup_dir())
    after = migrate.schema_status(db)
    if backup:
        print(f"已备份原数据库：{backup}")
    if before.database_revision == after.database_revision:
        print(f"数据库结构已是最新版本（{after.database_revision}），{db.location_label}")
    else:
        print(
            f"数据库结构已从 {before.database_revision or '空库'} 升级到 {after.database_revision}，{db.location_label}"
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    db = open_database(args)
    st = migrate.schema_status(db)
    labels = {
        migrate.SchemaState.EMPTY: "空数据库（尚未建表）",
        migrate.SchemaState.CURRENT: "最新",
        migrate.SchemaState.OLDER: "需要升级（运行 gxq-desktop db upgrade）",
        migrate.SchemaState.NEWER: "比本程序新，请升级程序",
        migrate.SchemaState.FOREIGN: "不是 GXQ Desktop 数据库",
    }
    print(f"数据库：{db.location_label}")
    print(
        f"结构版本：{st.database_revision or '无'}；程序版本：{st.program_revision}；状态：{labels[st.state]}"
    )
    return 0 if st.state is migrate.SchemaState.CURRENT else 1
