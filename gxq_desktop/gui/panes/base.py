"""What every pane receives: the narrow context it needs, never the main window."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from gxq_desktop.db.engine import Database
from gxq_desktop.services.context import Actor

from ..signals import AppSignals


@dataclass(frozen=True)
class PaneContext:
    db: Database
    actor: Actor
    signals: AppSignals


class Pane(QWidget):
    """Base for the main window's panes. ``title`` is the navigation label (already translated).

    A pane loads its data in ``refresh()`` (through gui.workers.run_op, never on the GUI thread) and is
    refreshed when it becomes visible and when an app-wide signal says its data changed.
    """

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def refresh(self) -> None:  # pragma: no cover - overridden
        pass

    def release(self) -> None:
        """The window is closing (quit or logout): remove what the pane keeps outside the database
        (temporary files)."""
