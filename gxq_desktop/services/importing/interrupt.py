"""Cancel that also stops the statement running on the import's connection.

An import checks for Cancel between chunks. After the last chunk comes work that is a few long
statements: the last search-index fill, rebuilding the indexes a large load set aside (SQLite: ~10 s
for 1,000,000 enterprises; PostgreSQL: its GIN indexes, 25 s for 150,000 and minutes for 1,000,000).
Without this, a Cancel pressed then would be noticed only after them — and the import committed.

:class:`StatementInterrupter` registers with a progress that can call back on Cancel
(:class:`Interruptible`, as ``gui.workers.TaskState``) and, while active, stops the running statement.
SQLite: a progress handler, called every million virtual-machine steps, aborts the statement once
Cancel was pressed (``interrupt()`` would be instant, but its flag also aborts the ROLLBACK that must
follow while any other statement of the connection is still open; the handler is simply removed
first). PostgreSQL: a cancel request, sent from a short-lived thread (a server that is far away must
not freeze the window). The statement fails and the transaction rolls back; the caller reports that
failure as :class:`CancelledError` when :attr:`StatementInterrupter.fired` is set.

It is active only while the caller holds the connection inside its transaction: the caller leaves the
``with`` block before committing, and after that no callback reaches the connection, which may then go
back to the pool and to another user.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.orm import Session

SQLITE_STEPS = 1_000_000  # VM steps between two looks at the flag (well under a second of work)


@runtime_checkable
class Interruptible(Protocol):
    """A progress that calls ``callback`` (on any thread) when the user cancels; the returned function
    removes it again. Cancelled already: ``callback`` is called at once."""

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]: ...


class StatementInterrupter:
    def __init__(self, session: Session, progress: object | None) -> None:
        self._progress = progress if isinstance(progress, Interruptible) else None
        self._lock = threading.Lock()
        self._active = False
        self._unregister: Callable[[], None] | None = None
        self.fired = False  # Cancel reached the connection while active (SQLite: statements abort)
        self._sender: threading.Thread | None = None  # PostgreSQL: the thread sending the cancel request
        self._driver: Any = None
        self._kind = ""
        if self._progress is not None:
            self._driver = session.connection().connection.driver_connection
            self._kind = session.get_bind().dialect.name

    def __enter__(self) -> StatementInterrupter:
        if self._progress is not None:
            with self._lock:
                self._active = True
            if self._kind == "sqlite":
                self._driver.set_progress_handler(self._sqlite_step, SQLITE_STEPS)
            self._unregister = self._progress.on_cancel(self._interrupt)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._active = False  # from here on, a callback leaves the connection alone
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        if self._kind == "sqlite":
            self._driver.set_progress_handler(None, 0)  # before the rollback or the commit
        if self._sender is not None:
            # A cancel request still on its way must not reach the connection once it is back in the
            # pool (the server ignores one that finds the session idle).
            self._sender.join(timeout=15.0)

    def _sqlite_step(self) -> int:
        return 1 if self.fired else 0  # non-zero: SQLite aborts the running statement

    def _interrupt(self) -> None:
        with self._lock:  # (the sender starts under the lock: __exit__ then always sees it to wait for)
            if not self._active:
                return
            self.fired = True
            # SQLite: the progress handler sees it (with no statement running, the import's next
            # check() stops it).
            if self._kind == "postgresql":
                self._sender = threading.Thread(
                    target=_pg_cancel, args=(self._driver,), name="gxq-import-cancel", daemon=True
                )
                self._sender.start()


def _pg_cancel(driver: Any) -> None:
    try:
        driver.cancel_safe(timeout=10.0)
    except Exception:  # best effort: the import then stops at its next check
        return
