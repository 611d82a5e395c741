"""ImportService: preview a file, import it as one batch, list batches, undo a batch, keep templates."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gxq_desktop.db import models as m
from gxq_desktop.db.base import utcnow
from gxq_desktop.domain.enums import IMPORT_RECORD_TYPE_LABELS, ImportRecordType
from gxq_desktop.domain.roles import Permission
from gxq_desktop.errors import CancelledError, NotFound, ValidationError

from ..base import Service
from .engine import ImportJob, JobContext, Outcome, Progress
from .errors import ReimportNotConfirmed, UndoNotConfirmed
from .fields import Kind, spec_for
from .interrupt import StatementInterrupter
from .readers import open_table
from .rows import Problem
from .undo import apply_undo, plan_undo

PREVIEW_REJECTED_LIMIT = 200_000  # a preview's rejected-rows workbook; an import's has every row
STATUS_LABELS = {"running": "进行中", "done": "已导入", "failed": "失败", "undone": "已撤销"}
EXTRA_LABELS = {"subject_category": "主体类别", "status": "登记状态", "is_small_micro": "小微企业"}


class CommitMode(StrEnum):
    VALID_ROWS = "valid_rows"  # 导入全部有效行
    ALL_OR_NOTHING = "all_or_nothing"  # 有错误则全部不导入


COMMIT_MODE_LABELS = {
    CommitMode.VALID_ROWS: "导入全部有效行",
    CommitMode.ALL_OR_NOTHING: "有错误则全部不导入",
}


@dataclass(frozen=True, slots=True)
class FieldInfo:
    name: str
    label: str
    required: bool
    kind: str


@dataclass(frozen=True, slots=True)
class RecordTypeInfo:
    value: str
    label: str
    fields: tuple[FieldInfo, ...]


@dataclass(frozen=True, slots=True)
class DepartmentInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ColumnInfo:
    index: int
    header: str  # as written in the file
    key: str  # normalised header: what mappings and templates are keyed by
    field: str | None
    field_label: str | None


@dataclass(frozen=True, slots=True)
class PreviewRow:
    row: int
    action: str  # 新增 / 更新 / 无变化 / 拒绝
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BatchInfo:
    id: int
    file_name: str
    sha256: str
    record_type: str
    record_type_label: str
    department_id: int | None
    department_name: str
    user_name: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    status_label: str
    total_rows: int
    inserted_rows: int
    updated_rows: int
    rejected_rows: int
    warning_rows: int
    undone_at: dt.datetime | None


@dataclass(frozen=True)
class ImportPreview:
    file_path: str
    file_name: str
    sha256: str
    record_type: str
    record_type_label: str
    format_label: str
    encoding: str | None
    sheet_name: str | None
    sheet_names: tuple[str, ...]
    header_rows: tuple[int, ...]
    header_recognized: bool
    columns: tuple[ColumnInfo, ...]
    fields: tuple[FieldInfo, ...]
    missing_required: tuple[str, ...]
    preview_headers: tuple[str, ...]
    preview_rows: tuple[PreviewRow, ...]
    problems: tuple[Problem, ...]  # the first PROBLEM_LIMIT; problem_count has them all
    problem_count: int
    total_rows: int
    insert_rows: int
    update_rows: int
    unchanged_rows: int
    error_rows: int  # rejected (includes rows whose warning was not accepted)
    warning_rows: int
    notices: tuple[str, ...]
    previous_batches: tuple[BatchInfo, ...]  # earlier imports of the same file (same SHA-256)
    rejected_file: str | None  # temporary .xlsx of the rejected rows (copy it with save_rejected_rows)
    template_used: bool

    @property
    def valid_rows(self) -> int:
        return self.insert_rows + self.update_rows + self.unchanged_rows

    @property
    def can_import(self) -> bool:
        return not self.missing_required and self.total_rows > 0

    @property
    def mapping(self) -> dict[str, str | None]:
        """key → field for every column (what a template stores)."""
        return {c.key: c.field for c in self.columns}


@dataclass(frozen=True)
class ImportOptions:
    mode: CommitMode = CommitMode.VALID_ROWS
    accept_check_digit: bool = False  # import rows whose USCC fails only the check digit (section head)
    confirm_reimport: bool = False  # the same file was imported before and the clerk confirmed
    mapping: Mapping[str, str | None] | None = None  # corrections: header key → field (None: ignore)
    sheet: str | None = None
    rejected_path: str | None = None  # write the rejected rows workbook here


@dataclass(frozen=True)
class ImportResult:
    batch_id: int | None
    committed: bool  # False: nothing was stored (all-or-nothing with rejected rows)
    file_name: str
    record_type_label: str
    total_rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    accepted_warnings: int
    problems: tuple[Problem, ...]
    problem_count: int
    rejected_file: str | None
    seconds: float
    notices: tuple[str, ...]

    @property
    def message(self) -> str:
        if not self.committed:
            return (
                f"有 {self.rejected} 行有错误，按“有错误则全部不导入”的选择，本次没有导入任何数据。"
                "请修改文件后重新导入。"
            )
        text = (
            f"已导入《{self.file_name}》（{self.record_type_label}）：共 {self.total_rows} 行，"
            f"新增 {self.inserted}，更新 {self.updated}，无变化 {self.unchanged}，拒绝 {self.rejected}。"
        )
        if self.accepted_warnings:
            text += f"其中 {self.accepted_warnings} 行的统一社会信用代码校验位不符，已按确认导入。"
        return text


@dataclass(frozen=True)
class UndoCheck:
    batch: BatchInfo
    inserted: int
    updated: int
    blocking: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def can_undo(self) -> bool:
        return not self.blocking and self.batch.status == "done"

    @property
    def summary(self) -> str:
        return (
            f"撤销批次 #{self.batch.id}《{self.batch.file_name}》（{self.batch.record_type_label}）："
            f"删除本批次新增的 {self.inserted} 条记录，恢复本批次更新的 {self.updated} 条记录的原值。"
        )


@dataclass(frozen=True)
class UndoResult:
    batch_id: int
    deleted: int
    restored: int

    @property
    def message(self) -> str:
        return f"已撤销批次 #{self.batch_id}：删除 {self.deleted} 条新增记录，恢复 {self.restored} 条记录的原值。"


class _Refused(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__("refused")
        self.outcome = outcome


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def record_types() -> list[RecordTypeInfo]:
    return [
        RecordTypeInfo(
            rt.value,
            IMPORT_RECORD_TYPE_LABELS[rt],
            tuple(FieldInfo(f.name, f.label, f.required, f.kind.value) for f in spec_for(rt).fields),
        )
        for rt in ImportRecordType
    ]


def save_rejected_rows(temp_file: str, destination: str | os.PathLike[str]) -> Path:
    """Copy the rejected-rows workbook of a preview or import to where the clerk wants it."""
    dest = Path(destination)
    if dest.suffix.lower() != ".xlsx":
        dest = dest.with_suffix(".xlsx")
    shutil.copyfile(temp_file, dest)
    return dest


def _batch_info(b: m.ImportBatch, department: str | None, user: str | None) -> BatchInfo:
    return BatchInfo(
        b.id,
        b.file_name,
        b.sha256,
        b.record_type,
        IMPORT_RECORD_TYPE_LABELS.get(ImportRecordType(b.record_type), b.record_type),
        b.department_id,
        department or "",
        user or "命令行",
        b.started_at,
        b.finished_at,
        b.status,
        STATUS_LABELS.get(b.status, b.status),
        b.total_rows,
        b.inserted_rows,
        b.updated_rows,
        b.rejected_rows,
        b.warning_rows,
        b.undone_at,
    )


def _batch_query() -> Any:
    return (
        select(m.ImportBatch, m.Department.name, m.User.display_name)
        .outerjoin(m.Department, m.Department.id == m.ImportBatch.department_id)
        .outerjoin(m.User, m.User.id == m.ImportBatch.user_id)
    )


class ImportService(Service):
    """数据归集. Every method checks the actor's permission; nothing here touches Qt."""

    # ---- reference lists

    def record_types(self) -> list[RecordTypeInfo]:
        return record_types()

    def departments(self) -> list[DepartmentInfo]:
        with self.read() as s:
            return [
                DepartmentInfo(d.id, d.name)
                for d in s.execute(
                    select(m.Department.id, m.Department.name)
                    .where(m.Department.is_active.is_(True))
                    .order_by(m.Department.id)
                )
            ]

    def find_department(self, text: str) -> DepartmentInfo:
        """A department by its id, code, full name or short name."""
        from .fields import normalize_header

        key = normalize_header(text)
        with self.read() as s:
            for d in s.execute(
                select(m.Department.id, m.Department.name, m.Department.short_name, m.Department.code)
            ):
                if key in (
                    str(d.id),
                    normalize_header(d.code),
                    normalize_header(d.name),
                    normalize_header(d.short_name or ""),
                ):
                    return DepartmentInfo(d.id, d.name)
        raise NotFound(f"没有找到部门“{text}”。请写部门编号、代码、全称或简称。")

    # ---- templates

    def template(self, department_id: int | None, record_type: str) -> dict[str, str | None] | None:
        self.require(Permission.IMPORT_DATA)
        with self.read() as s:
            return self._template(s, department_id, record_type)

    @staticmethod
    def _template(s: Session, department_id: int | None, record_type: str) -> dict[str, str | None] | None:
        dep = m.ImportTemplate.department_id
        t = s.scalars(
            select(m.ImportTemplate).where(
                dep.is_(None) if department_id is None else dep == department_id,
                m.ImportTemplate.record_type == record_type,
            )
        ).first()
        if t is None:
            return None
        columns = t.mapping.get("columns", {})
        return {str(k): (str(v) if v else None) for k, v in columns.items()}

    def save_template(
        self, department_id: int | None, record_type: str, mapping: Mapping[str, str | None]
    ) -> None:
        """Keep the clerk's column mapping for this department and record type (replacing the old one)."""
        self.require(Permission.IMPORT_DATA)
        spec = spec_for(record_type)
        valid = set(spec.field_names)
        clean = {k: (v if v in valid else None) for k, v in mapping.items() if k}
        with self.tx() as s:
            dep = m.ImportTemplate.department_id
            t = s.scalars(
                select(m.ImportTemplate).where(
                    dep.is_(None) if department_id is None else dep == department_id,
                    m.ImportTemplate.record_type == spec.record_type.value,
                )
            ).first()
            if t is None:
                t = m.ImportTemplate(
                    department_id=department_id, record_type=spec.record_type.value, mapping={}
                )
                s.add(t)
            t.mapping = {"columns": clean}
            t.updated_by_id = self.actor.user_id
            t.updated_at = utcnow()
            self.audit(
                s,
                "import.template",
                f"保存导入模板：{spec.label}（{len([v for v in clean.values() if v])} 列）",
                entity=t,
                details={"department_id": department_id, "record_type": spec.record_type.value},
            )

    # ---- preview

    def preview(
        self,
        path: str | os.PathLike[str],
        record_type: str,
        department_id: int | None = None,
        *,
        mapping: Mapping[str, str | None] | None = None,
        sheet: str | None = None,
        accept_check_digit: bool = False,
        task: Progress | None = None,
    ) -> ImportPreview:
        """Read and check the whole file without writing anything."""
        self.require(Permission.IMPORT_DATA)
        if accept_check_digit:
            self.require(Permission.ACCEPT_USCC_WARNING)
        spec = spec_for(record_type)
        p = Path(path)
        reader = open_table(p, sheet)
        sha = file_sha256(p)
        with self.read() as s:
            template = self._template(s, department_id, spec.record_type.value)
            previous = self._previous(s, sha)
            ctx = JobContext(s, False, None, self.actor.user_id, department_id, accept_check_digit)
            outcome = ImportJob(
                reader,
                spec,
                ctx,
                template=template,
                overrides=mapping,
                progress=task,
                rejected_limit=PREVIEW_REJECTED_LIMIT,
            ).run()
        columns = tuple(
            ColumnInfo(
                i,
                label,
                outcome.header.keys[i],
                outcome.mapping.get(i),
                spec.field(outcome.mapping[i]).label if i in outcome.mapping else None,
            )
            for i, label in enumerate(outcome.header.labels)
        )
        return ImportPreview(
            str(p),
            p.name,
            sha,
            spec.record_type.value,
            spec.label,
            outcome.source.format_label,
            outcome.source.encoding,
            outcome.source.sheet_name,
            outcome.source.sheet_names,
            outcome.header.rows,
            outcome.header.recognized,
            columns,
            tuple(FieldInfo(f.name, f.label, f.required, f.kind.value) for f in spec.fields),
            tuple(outcome.missing_required),
            ("行号", "处理", *(self._field_label(spec, f) for f in outcome.preview_fields)),
            tuple(PreviewRow(r, a, v) for r, a, v in outcome.preview_rows),
            tuple(outcome.problems),
            outcome.problem_count,
            outcome.total,
            outcome.inserted,
            outcome.updated,
            outcome.unchanged,
            outcome.rejected,
            outcome.warning_rows,
            tuple(outcome.notices),
            tuple(previous),
            str(outcome.rejected_file) if outcome.rejected_file else None,
            template is not None,
        )

    @staticmethod
    def _field_label(spec: Any, name: str) -> str:
        try:
            label: str = spec.field(name).label
            return label
        except KeyError:
            return EXTRA_LABELS.get(name, name)

    def _previous(self, s: Session, sha: str) -> list[BatchInfo]:
        return [
            _batch_info(b, dep, user)
            for b, dep, user in s.execute(
                _batch_query()
                .where(m.ImportBatch.sha256 == sha, m.ImportBatch.status == "done")
                .order_by(m.ImportBatch.id)
            )
        ]

    # ---- import

    def run(
        self,
        path: str | os.PathLike[str],
        record_type: str,
        department_id: int | None = None,
        options: ImportOptions | None = None,
        *,
        task: Progress | None = None,
    ) -> ImportResult:
        """Import the file as one batch, in one transaction: cancel or any failure stores nothing."""
        options = options or ImportOptions()
        self.require(Permission.IMPORT_DATA)
        if options.accept_check_digit:
            self.require(Permission.ACCEPT_USCC_WARNING)
        spec = spec_for(record_type)
        p = Path(path)
        started = time.perf_counter()
        reader = open_table(p, options.sheet)
        sha = file_sha256(p)
        try:
            with self.tx() as s:
                if department_id is not None and s.get(m.Department, department_id) is None:
                    raise NotFound(f"部门（编号 {department_id}）不存在。")
                previous = self._previous(s, sha)
                if previous and not options.confirm_reimport:
                    when = "、".join(
                        f"#{b.id}（{b.started_at:%Y-%m-%d %H:%M}，{b.user_name}）" for b in previous
                    )
                    raise ReimportNotConfirmed(
                        f"文件《{p.name}》已经导入过：批次 {when}。再次导入同一文件需要确认。",
                        tuple(b.id for b in previous),
                    )
                template = self._template(s, department_id, spec.record_type.value)
                batch = m.ImportBatch(
                    file_name=p.name[:255],
                    sha256=sha,
                    record_type=spec.record_type.value,
                    department_id=department_id,
                    user_id=self.actor.user_id,
                    status="running",
                )
                s.add(batch)
                s.flush()
                # SQLite file: lookups on a second connection (see JobContext.lookup_session). The
                # import already holds the write lock (the batch row above), so that connection sees
                # exactly the data as it was before this import. (":memory:" has one connection.)
                lookups = self.db.session() if self.db.sqlite_path is not None else None  # not :memory:
                ctx = JobContext(
                    s,
                    True,
                    batch.id,
                    self.actor.user_id,
                    department_id,
                    options.accept_check_digit,
                    for_update=not self.db.is_sqlite,
                    lookup_session=lookups,
                )
                job = ImportJob(
                    reader,
                    spec,
                    ctx,
                    template=template,
                    overrides=options.mapping,
                    all_or_nothing=options.mode is CommitMode.ALL_OR_NOTHING,
                    progress=task,
                    rejected_path=Path(options.rejected_path) if options.rejected_path else None,
                )
                # Cancel also stops a long statement (the index builds after the last chunk).
                interrupter = StatementInterrupter(s, task)
                try:
                    with interrupter:
                        outcome = job.run()
                except Exception as exc:
                    if interrupter.fired and not isinstance(exc, CancelledError):
                        raise CancelledError() from exc  # the statement the clerk's Cancel stopped
                    raise
                finally:
                    if lookups is not None:
                        lookups.close()  # before the commit: no reader holds the old snapshot then
                if outcome.missing_required:
                    raise ValidationError(
                        "文件缺少必需的列："
                        + "、".join(outcome.missing_required)
                        + "。请在“列对应”中指定后再导入。"
                    )
                if outcome.total == 0:
                    raise ValidationError(f"文件《{p.name}》没有数据行，未导入。")
                if options.mode is CommitMode.ALL_OR_NOTHING and outcome.rejected:
                    raise _Refused(outcome)
                batch.total_rows = outcome.total
                batch.inserted_rows = outcome.inserted
                batch.updated_rows = outcome.updated
                batch.rejected_rows = outcome.rejected
                batch.warning_rows = outcome.accepted_warning_rows
                batch.column_mapping = {
                    "header_rows": list(outcome.header.rows),
                    "columns": {outcome.header.labels[c]: f for c, f in sorted(outcome.mapping.items())},
                    "mode": options.mode.value,
                    "accepted_check_digit": options.accept_check_digit,
                }
                batch.status = "done"
                batch.finished_at = utcnow()
                self.audit(
                    s,
                    "import.commit",
                    f"导入《{p.name}》（{spec.label}）：新增 {outcome.inserted}，更新 {outcome.updated}，"
                    f"无变化 {outcome.unchanged}，拒绝 {outcome.rejected}",
                    entity=batch,
                    details={
                        "sha256": sha,
                        "department_id": department_id,
                        "reimport_of": [b.id for b in previous],
                        "accepted_check_digit_rows": outcome.accepted_warning_rows,
                    },
                )
                if task is not None:
                    task.check()  # a Cancel pressed until now still stores nothing
        except _Refused as refused:
            outcome = refused.outcome
            return self._result(None, False, p, spec.label, outcome, started)
        except IntegrityError as exc:
            raise ValidationError(
                "导入时与数据库中已有的数据冲突（可能有人同时导入了相同的数据），本次导入未保存。请稍后重试。",
                detail=str(exc.orig)[:500],
            ) from exc
        return self._result(batch.id, True, p, spec.label, outcome, started)

    @staticmethod
    def _result(
        batch_id: int | None, committed: bool, p: Path, label: str, o: Outcome, started: float
    ) -> ImportResult:
        return ImportResult(
            batch_id,
            committed,
            p.name,
            label,
            o.total,
            o.inserted if committed else 0,
            o.updated if committed else 0,
            o.unchanged,
            o.rejected,
            o.accepted_warning_rows if committed else 0,
            tuple(o.problems),
            o.problem_count,
            str(o.rejected_file) if o.rejected_file else None,
            time.perf_counter() - started,
            tuple(o.notices),
        )

    # ---- history and undo

    def history(self, limit: int = 500) -> list[BatchInfo]:
        if not (self.actor.can(Permission.IMPORT_DATA) or self.actor.can(Permission.UNDO_IMPORT)):
            self.require(Permission.IMPORT_DATA)
        with self.read() as s:
            return [
                _batch_info(b, dep, user)
                for b, dep, user in s.execute(_batch_query().order_by(m.ImportBatch.id.desc()).limit(limit))
            ]

    def batch(self, batch_id: int) -> BatchInfo:
        with self.read() as s:
            row = s.execute(_batch_query().where(m.ImportBatch.id == batch_id)).first()
            if row is None:
                raise NotFound(f"导入批次 #{batch_id} 不存在。")
            return _batch_info(*row)

    def undo_check(self, batch_id: int) -> UndoCheck:
        """What undoing the batch would do, and what prevents it or deserves a warning."""
        self.require(Permission.UNDO_IMPORT)
        with self.read() as s:
            batch, info = self._load_batch(s, batch_id)
            plan = plan_undo(s, batch)
            return UndoCheck(
                info,
                plan.inserted,
                len(plan.changes),
                self._status_block(batch) + plan.blocking,
                plan.warnings,
            )

    @staticmethod
    def _status_block(batch: m.ImportBatch) -> tuple[str, ...]:
        if batch.status == "undone":
            return (f"批次 #{batch.id} 已于 {batch.undone_at:%Y-%m-%d %H:%M} 撤销过。",)
        if batch.status != "done":
            return (
                f"批次 #{batch.id} 的状态是“{STATUS_LABELS.get(batch.status, batch.status)}”，不能撤销。",
            )
        return ()

    def _load_batch(
        self, s: Session, batch_id: int, *, lock: bool = False
    ) -> tuple[m.ImportBatch, BatchInfo]:
        stmt = _batch_query().where(m.ImportBatch.id == batch_id)
        if lock and not self.db.is_sqlite:
            stmt = stmt.with_for_update(of=m.ImportBatch)
        row = s.execute(stmt).first()
        if row is None:
            raise NotFound(f"导入批次 #{batch_id} 不存在。")
        return row[0], _batch_info(*row)

    def undo(self, batch_id: int, *, confirm_warnings: bool = False) -> UndoResult:
        """Undo a batch in one transaction. Refused when blocked; warnings need ``confirm_warnings``."""
        self.require(Permission.UNDO_IMPORT)
        with self.tx() as s:
            batch, info = self._load_batch(s, batch_id, lock=True)
            blocked = self._status_block(batch)
            if blocked:
                raise ValidationError(blocked[0])
            plan = plan_undo(s, batch)
            if plan.blocking:
                raise ValidationError("无法撤销：" + "".join(plan.blocking), detail="\n".join(plan.blocking))
            if plan.warnings and not confirm_warnings:
                raise UndoNotConfirmed("撤销前请确认：" + "".join(plan.warnings), plan.warnings)
            restored, deleted = apply_undo(s, batch, plan)
            batch.status = "undone"
            batch.undone_at = utcnow()
            batch.undone_by_id = self.actor.user_id
            self.audit(
                s,
                "import.undo",
                f"撤销导入批次 #{batch.id}《{batch.file_name}》（{info.record_type_label}）：删除 {deleted}，恢复 {restored}",
                entity=batch,
                details={"deleted": deleted, "restored": restored, "warnings": list(plan.warnings)},
            )
        return UndoResult(batch_id, deleted, restored)


__all__ = [
    "COMMIT_MODE_LABELS",
    "BatchInfo",
    "ColumnInfo",
    "CommitMode",
    "DepartmentInfo",
    "FieldInfo",
    "ImportOptions",
    "ImportPreview",
    "ImportResult",
    "ImportService",
    "Kind",
    "PreviewRow",
    "RecordTypeInfo",
    "UndoCheck",
    "UndoResult",
    "file_sha256",
    "record_types",
    "save_rejected_rows",
]
