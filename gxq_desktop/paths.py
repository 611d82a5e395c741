"""Every directory the program uses, in one place.

The program writes only below :func:`base_dir`. ``--basedir DIR`` (or ``GXQ_BASEDIR``) moves all of it,
which is what tests and portable installs use. Read-only shipped data comes from :func:`resources_dir`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "GXQDesktop"
APP_AUTHOR = "GXQ"

_basedir_override: Path | None = None


def set_basedir(path: str | os.PathLike[str] | None) -> None:
    """Put every file the program writes below ``path`` (``None`` restores the defaults)."""
    global _basedir_override
    _basedir_override = Path(path).resolve() if path is not None else None
    if _basedir_override is not None:
        _basedir_override.mkdir(parents=True, exist_ok=True)


def _override() -> Path | None:
    if _basedir_override is not None:
        return _basedir_override
    env = os.environ.get("GXQ_BASEDIR")
    return Path(env).resolve() if env else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Databases and their backups."""
    base = _override()
    return _ensure(base / "data" if base else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def config_dir() -> Path:
    """The INI settings file."""
    base = _override()
    return _ensure(base / "config" if base else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def log_dir() -> Path:
    base = _override()
    return _ensure(base / "logs" if base else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


def backup_dir() -> Path:
    return _ensure(data_dir() / "backups")


def default_sqlite_path() -> Path:
    return data_dir() / "gxq.sqlite3"


def settings_file() -> Path:
    return config_dir() / "gxq-desktop.ini"


def resources_dir() -> Path:
    """Shipped, read-only data: law texts, reference CSVs, icons, translations.

    Installed wheels and the frozen bundle carry it inside the package; a source checkout has it at
    the repository's top level.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = []
    if frozen:
        candidates.append(Path(frozen) / "gxq_desktop" / "resources")
    here = Path(__file__).resolve().parent
    candidates += [here / "resources", here.parent / "resources"]
    for candidate in candidates:
        if (candidate / "reference").is_dir():
            return candidate
    raise FileNotFoundError("resources folder not found next to the gxq_desktop package")


def reference_file(name: str) -> Path:
    return resources_dir() / "reference" / name


def laws_dir() -> Path:
    return resources_dir() / "laws"
