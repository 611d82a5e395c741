"""数据归集: importing departments' spreadsheets (Qt-free).

    svc = ImportService(db, actor)
    preview = svc.preview("处罚.xlsx", "penalty", department_id)      # read + check, nothing written
    result = svc.run("处罚.xlsx", "penalty", department_id, ImportOptions(mode=CommitMode.ALL_OR_NOTHING))
    svc.history(); svc.undo_check(result.batch_id); svc.undo(result.batch_id)

Modules: ``readers`` (formats, encodings, bad files), ``headers`` (finding the header, mapping),
``fields`` (record types, synonyms), ``values`` (dates, amounts …), ``engine`` (one pass: validate and
store in chunks), ``rejects`` (the rejected-rows workbook), ``undo``, ``service``.
"""

from .engine import Progress
from .errors import ImportFileError, ReimportNotConfirmed, UndoNotConfirmed
from .fields import parse_record_type, spec_for
from .rows import Problem
from .service import (
    COMMIT_MODE_LABELS,
    BatchInfo,
    ColumnInfo,
    CommitMode,
    DepartmentInfo,
    FieldInfo,
    ImportOptions,
    ImportPreview,
    ImportResult,
    ImportService,
    PreviewRow,
    RecordTypeInfo,
    UndoCheck,
    UndoResult,
    file_sha256,
    record_types,
    save_rejected_rows,
)

__all__ = [
    "COMMIT_MODE_LABELS",
    "BatchInfo",
    "ColumnInfo",
    "CommitMode",
    "DepartmentInfo",
    "FieldInfo",
    "ImportFileError",
    "ImportOptions",
    "ImportPreview",
    "ImportResult",
    "ImportService",
    "PreviewRow",
    "Problem",
    "Progress",
    "RecordTypeInfo",
    "ReimportNotConfirmed",
    "UndoCheck",
    "UndoNotConfirmed",
    "UndoResult",
    "file_sha256",
    "parse_record_type",
    "record_types",
    "save_rejected_rows",
    "spec_for",
]
