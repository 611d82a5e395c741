"""App-wide change notifications (Anki's operation_did_execute): panes refresh themselves on these
instead of calling each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class AppSignals(QObject):
    data_imported = Signal(int)  # import batch id (also emitted after an undo)
    enterprises_changed = Signal()
    draw_executed = Signal(int)  # task id
    results_changed = Signal(int)  # inspection id
    result_published = Signal(int)  # inspection id
    reference_data_changed = Signal()
    users_changed = Signal()
