"""Helpers shared by sub-commands: opening the database the user means."""

from __future__ import annotations

import argparse
import getpass
import sys

from gxq_desktop import config
from gxq_desktop.db.engine import Database
from gxq_desktop.services import connection


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        dest="sub_db",
        metavar="URL",
        help="数据库地址，如 sqlite:///D:/gxq.sqlite3 或 postgresql+psycopg://user@host/db",
    )


def open_database(args: argparse.Namespace) -> Database:
    """--db on the sub-command, else the global --db, else the configured database."""
    url = getattr(args, "sub_db", None) or getattr(args, "db", None)
    if url:
        return Database(url)
    settings = config.load()

    def ask() -> str | None:
        if not sys.stdin.isatty():
            return None
        return getpass.getpass(f"数据库用户 {settings.database.username} 的密码：")

    return connection.open_configured(settings.database, ask_password=ask)
