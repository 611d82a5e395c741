"""Errors of the import that a clerk can act on (all carry a Chinese message)."""

from __future__ import annotations

from gxq_desktop.errors import GxqError


class ImportFileError(GxqError):
    """The file cannot be read as a table: empty, corrupt, encrypted, not a spreadsheet …"""


class ReimportNotConfirmed(GxqError):
    """The same file (same SHA-256) was imported before; importing it again needs confirmation."""

    def __init__(self, message: str, batch_ids: tuple[int, ...]) -> None:
        super().__init__(message)
        self.batch_ids = batch_ids


class UndoNotConfirmed(GxqError):
    """Undoing would overwrite later changes; the clerk must confirm having read the warnings."""

    def __init__(self, message: str, warnings: tuple[str, ...]) -> None:
        super().__init__(message, detail="\n".join(warnings))
        self.warnings = warnings
