"""Icons drawn as SVG in resources/icons/ (scalable on high-DPI screens)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from gxq_desktop import paths


@cache
def icon(name: str) -> QIcon:
    """``icon("app")`` → resources/icons/app.svg (an empty icon if the file is missing)."""
    path = paths.resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def app_icon() -> QIcon:
    return icon("app")
