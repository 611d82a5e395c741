"""Re-export of :mod:`gxq_desktop.errors` (the error types live outside the layers so db/ can raise them)."""

from gxq_desktop.errors import (
    AccountLocked,
    AuthError,
    CancelledError,
    ConflictError,
    DatabaseError,
    GxqError,
    NotFound,
    PermissionDenied,
    SchemaError,
    SchemaTooNew,
    SchemaTooOld,
    ValidationError,
)

__all__ = [
    "AccountLocked",
    "AuthError",
    "CancelledError",
    "ConflictError",
    "DatabaseError",
    "GxqError",
    "NotFound",
    "PermissionDenied",
    "SchemaError",
    "SchemaTooNew",
    "SchemaTooOld",
    "ValidationError",
]
