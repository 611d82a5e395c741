"""Per-workstation settings in an INI file (never pickled), with a settings version and upgrades.

Only what belongs to this workstation lives here (which database to open, window layout). Office-wide
settings live in the database (``app_settings``). Passwords never appear here: see services.connection.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

SETTINGS_VERSION = 1


@dataclass
class DatabaseSettings:
    kind: str = "sqlite"  # sqlite / postgresql
    sqlite_path: str = ""  # empty: paths.default_sqlite_path()
    host: str = "127.0.0.1"
    port: int = 5432
    database: str = "gxq"
    username: str = "gxq"

    def effective_sqlite_path(self) -> Path:
        return Path(self.sqlite_path) if self.sqlite_path else paths.default_sqlite_path()


@dataclass
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    last_username: str = ""
    demo_mode: bool = False


def _upgrade(parser: configparser.ConfigParser) -> None:
    version = parser.getint("general", "settings_version", fallback=0)
    # Version 0 → 1: nothing to move yet; later versions add their steps here, in order.
    if version < 1:
        pass
    if not parser.has_section("general"):
        parser.add_section("general")
    parser.set("general", "settings_version", str(SETTINGS_VERSION))


def load(path: Path | None = None) -> Settings:
    path = path or paths.settings_file()
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        parser.read(path, encoding="utf-8")
    _upgrade(parser)
    s = Settings()
    if parser.has_section("database"):
        d = parser["database"]
        s.database = DatabaseSettings(
            kind=d.get("kind", "sqlite"),
            sqlite_path=d.get("sqlite_path", ""),
            host=d.get("host", "127.0.0.1"),
            port=d.getint("port", 5432),
            database=d.get("database", "gxq"),
            username=d.get("username", "gxq"),
        )
    s.last_username = parser.get("general", "last_username", fallback="")
    s.demo_mode = parser.getboolean("general", "demo_mode", fallback=False)
    return s


def save(settings: Settings, path: Path | None = None) -> None:
    path = path or paths.settings_file()
    parser = configparser.ConfigParser(interpolation=None)
    parser["general"] = {
        "settings_version": str(SETTINGS_VERSION),
        "last_username": settings.last_username,
        "demo_mode": "true" if settings.demo_mode else "false",
    }
    d = settings.database
    parser["database"] = {
        "kind": d.kind,
        "sqlite_path": d.sqlite_path,
        "host": d.host,
        "port": str(d.port),
        "database": d.database,
        "username": d.username,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        parser.write(fh)
    tmp.replace(path)  # atomic: a crash never leaves half a settings file
