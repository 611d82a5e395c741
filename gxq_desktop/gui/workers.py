"""Run work off the GUI thread and get the result back on it (Anki's QueryOp, Picard's run_task).

    run_op(parent, fn, on_success=..., on_error=..., progress_label="正在…")

``fn`` runs on the global QThreadPool with plain arguments and must never touch widgets. If it accepts
a ``task`` keyword it receives a :class:`TaskState` to report progress and poll ``cancelled``. A
progress dialog with a Cancel button appears only after ~0.6 s, so quick work shows no flicker.
Callbacks run on the GUI thread, and are dropped when ``parent`` has been destroyed meanwhile.
"""

from __future__ import annotations

import inspect
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from gxq_desktop.services.errors import CancelledError, GxqError

PROGRESS_DELAY_MS = 600


class TaskState:
    """Handed to worker functions: thread-safe progress reporting and cancellation."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.done = 0
        self.total = 0
        self.text = ""

    def cancel(self) -> None:
        with self._lock:
            if self._cancel.is_set():
                return
            self._cancel.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` when the user cancels (at once if that happened already), e.g. to stop a
        long database statement; returns the function that removes it."""
        with self._lock:
            already = self._cancel.is_set()
            if not already:
                self._callbacks.append(callback)
        if already:
            callback()

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise CancelledError if the user pressed Cancel (call it between units of work)."""
        if self._cancel.is_set():
            raise CancelledError()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        with self._lock:
            self.done, self.total = done, total
            if text:
                self.text = text

    def snapshot(self) -> tuple[int, int, str]:
        with self._lock:
            return self.done, self.total, self.text


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:
            self.relay.failed.emit(exc, traceback.format_exc())
        else:
            self.relay.finished.emit(result)


_running: set[_Relay] = set()  # keep relays alive until their job reports


def _accepts_task(fn: Callable[..., Any]) -> bool:
    try:
        return "task" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def run_op(
    parent: QWidget | None,
    fn: Callable[..., Any],
    on_success: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    progress_label: str | None = None,
    cancellable: bool = True,
    pool: QThreadPool | None = None,
) -> TaskState:
    """Run ``fn`` in the thread pool; see the module docstring. Returns the TaskState (to cancel)."""
    state = TaskState()
    call: Callable[[], Any] = (lambda: fn(task=state)) if _accepts_task(fn) else fn
    relay = _Relay()
    _running.add(relay)
    dialog: QProgressDialog | None = None
    timer: QTimer | None = None

    def parent_alive() -> bool:
        if parent is None:
            return True
        try:
            parent.objectName()  # raises RuntimeError once the C++ object is gone
        except RuntimeError:
            return False
        return True

    def show_progress() -> None:
        nonlocal dialog
        if not parent_alive():
            return
        if dialog is None:
            dialog = QProgressDialog(
                progress_label or "正在处理…", "取消" if cancellable else "", 0, 0, parent
            )
            dialog.setWindowTitle("请稍候")
            dialog.setMinimumWidth(460)  # the label text changes; a fixed width keeps the dialog still
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(0)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            if cancellable:
                dialog.canceled.connect(state.cancel)
            else:
                dialog.setCancelButton(None)
            dialog.show()
        done, total, text = state.snapshot()
        dialog.setMaximum(total if total > 0 else 0)
        if total > 0:
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    if progress_label is not None:
        timer = QTimer()
        timer.setInterval(150)
        timer.timeout.connect(show_progress)
        QTimer.singleShot(PROGRESS_DELAY_MS, lambda: timer.start() if timer is not None else None)

    def finish() -> None:
        nonlocal timer, dialog
        _running.discard(relay)
        if timer is not None:
            timer.stop()
            timer = None
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
            dialog = None

    @Slot(object)
    def succeeded(result: Any) -> None:
        finish()
        if on_success is not None and parent_alive():
            on_success(result)

    @Slot(object, str)
    def failed(exc: BaseException, tb: str) -> None:
        finish()
        if not parent_alive():
            return
        if on_error is not None:
            on_error(exc)
        elif isinstance(exc, GxqError):
            from .dialogs.errors import show_error

            show_error(parent, exc)
        else:
            from .dialogs.errors import show_bug

            show_bug(parent, exc, tb)

    relay.finished.connect(succeeded, Qt.ConnectionType.QueuedConnection)
    relay.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    (pool or QThreadPool.globalInstance()).start(_Job(call, relay))
    return state
