"""Errors a user can act on. Each carries a Chinese message that says what happened and what to do.

Anything else that escapes a service is a bug: the GUI shows the crash dialog and writes the log.
"""

from __future__ import annotations


class GxqError(Exception):
    """An expected problem (environment, input, rights) with a message for the user."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class PermissionDenied(GxqError):
    pass


class ValidationError(GxqError):
    """Bad input; ``field`` names the field or cell the message is about."""

    def __init__(self, message: str, *, field: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.field = field


class NotFound(GxqError):
    pass


class ConflictError(GxqError):
    """Someone else changed the same record since it was read (optimistic locking)."""


class AuthError(GxqError):
    pass


class AccountLocked(AuthError):
    pass


class DatabaseError(GxqError):
    """The database cannot be reached or used (lost connection, locked file, disk full …)."""


class SchemaError(DatabaseError):
    pass


class SchemaTooNew(SchemaError):
    pass


class SchemaTooOld(SchemaError):
    pass


class CancelledError(GxqError):
    def __init__(self, message: str = "操作已取消，未做任何更改。") -> None:
        super().__init__(message)
