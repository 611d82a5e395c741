"""Undoing an import batch: what it added is deleted, what it changed gets its old values back.

Rows a batch inserted carry its ``import_batch_id`` and have no ImportChange row; rows it updated have
an ImportChange holding their previous values (including version, updated_at, updated_by_id and the
previous import_batch_id), so undo restores them exactly. Undo is refused when a later batch changed
the same rows (undo that one first) or when other data now refers to rows the batch added; it warns
when rows were edited by hand after the import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from gxq_desktop.db import models as m
from gxq_desktop.db.base import Base

from . import search_sync
from .fields import spec_for, table_of

# Child tables that belong to their parent row and go with it (ON DELETE CASCADE).
OWNED_CHILDREN = {"inspector_qualifications", "legal_references"}
TABLE_LABELS = {
    "enterprises": "市场主体",
    "abnormal_listings": "经营异常名录",
    "serious_violations": "严重违法失信名单",
    "penalties": "行政处罚",
    "complaints": "消费者投诉",
    "list_entries": "红黑名单/失信被执行人",
    "licenses": "行政许可",
    "annual_reports": "年度报告",
    "commitments": "信用承诺",
    "party_organizations": "非公党建",
    "inspections": "检查记录",
    "recusals": "回避声明",
    "draw_skips": "抽取跳过记录",
    "inspection_inspectors": "检查人员安排",
    "draw_task_items": "抽查任务事项",
    "item_results": "检查事项结果",
}
CHUNK = 5000


@dataclass(frozen=True)
class UndoPlan:
    table: Table
    entity_type: str
    changes: tuple[tuple[int, int, dict[str, Any]], ...]  # (change id, entity id, old values)
    inserted: int
    blocking: tuple[str, ...]
    warnings: tuple[str, ...]


def _chunks(items: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def batch_table(record_type: str) -> Table:
    return table_of(spec_for(record_type).model)


def plan_undo(s: Session, batch: m.ImportBatch) -> UndoPlan:
    table = batch_table(batch.record_type)
    entity_type = spec_for(batch.record_type).model.__name__
    blocking: list[str] = []
    warnings: list[str] = []
    b = batch.id
    finished = batch.finished_at or batch.started_at

    changes = [
        (c.id, c.entity_id, dict(c.old_values or {}))
        for c in s.execute(
            select(m.ImportChange.id, m.ImportChange.entity_id, m.ImportChange.old_values)
            .where(m.ImportChange.batch_id == b, m.ImportChange.action == "update")
            .order_by(m.ImportChange.id)
        )
    ]
    updated_ids = [c[1] for c in changes]
    old_version = {c[1]: c[2].get("version") for c in changes}

    # Later batches that changed rows this batch added or changed: those must be undone first.
    later = s.execute(
        select(m.ImportBatch.id, m.ImportBatch.file_name)
        .where(
            m.ImportBatch.id > b,
            m.ImportBatch.status == "done",
            m.ImportBatch.record_type.in_(_same_table_types(batch.record_type)),
        )
        .order_by(m.ImportBatch.id)
    ).all()
    for lb in later:
        n = 0
        for (old,) in s.execute(
            select(m.ImportChange.old_values).where(
                m.ImportChange.batch_id == lb.id, m.ImportChange.entity_type == entity_type
            )
        ):
            if old and old.get("import_batch_id") == b:
                n += 1
        if n:
            blocking.append(
                f"之后的导入批次 #{lb.id}（{lb.file_name}）又修改了本批次的 {n} 条记录，请先撤销批次 #{lb.id}。"
            )

    # Rows this batch updated: still there, still attributed to it, edited by hand since?
    missing = edited = 0
    current: dict[int, Any] = {}
    for part in _chunks(updated_ids):
        for r in s.execute(
            select(table.c.id, table.c.version, table.c.updated_at, table.c.import_batch_id).where(
                table.c.id.in_(part)
            )
        ):
            current[r.id] = r
    for eid in updated_ids:
        cur = current.get(eid)
        if cur is None:
            missing += 1
        elif cur.import_batch_id != b:
            pass  # reported above as a later batch
        elif (old_version.get(eid) is not None and cur.version != int(old_version[eid] or 0) + 1) or (
            cur.updated_at is not None and cur.updated_at > finished
        ):
            edited += 1
    if missing:
        warnings.append(f"本批次更新过的 {missing} 条记录已被删除，无法恢复其原值。")

    # Rows this batch added.
    own = table.c.import_batch_id == b
    inserted_total = s.scalar(select(func.count()).select_from(table).where(own)) or 0
    still_updated = sum(1 for eid in updated_ids if eid in current and current[eid].import_batch_id == b)
    inserted = inserted_total - still_updated
    if inserted and "version" in table.c:
        upd = set(updated_ids)
        q = select(table.c.id).where(own, (table.c.version > 1) | (table.c.updated_at > finished))
        edited += sum(1 for (i,) in s.execute(q) if i not in upd)
    if edited:
        warnings.append(f"有 {edited} 条记录在导入后又被人工修改过；撤销会丢弃这些修改。")

    if inserted:
        refs = _references(s, table, b)
        if refs:
            blocking.append(
                "本批次新增的记录已被其他数据引用（"
                + "，".join(f"{k} {v} 条" for k, v in refs.items())
                + "），"
                "不能撤销。请先删除或撤销这些数据。"
            )
    return UndoPlan(table, entity_type, tuple(changes), inserted, tuple(blocking), tuple(warnings))


def _same_table_types(record_type: str) -> list[str]:
    model = spec_for(record_type).model
    from .fields import SPECS

    return [rt.value for rt, sp in SPECS.items() if sp.model is model]


def _references(s: Session, table: Table, batch_id: int) -> dict[str, int]:
    """Rows in other tables that point at rows this batch inserted (other than owned children)."""
    found: dict[str, int] = {}
    updated = select(m.ImportChange.entity_id).where(m.ImportChange.batch_id == batch_id)
    added = select(table.c.id).where(table.c.import_batch_id == batch_id, table.c.id.not_in(updated))
    for other in Base.metadata.sorted_tables:
        if other.name in OWNED_CHILDREN:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is not table or fk.parent.table is table:
                continue
            n = s.scalar(select(func.count()).select_from(other).where(fk.parent.in_(added))) or 0
            if n:
                label = TABLE_LABELS.get(other.name, other.name)
                found[label] = found.get(label, 0) + n
    return found


def _decode(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key.startswith("__") or key not in table.c:
            continue
        if value is None:
            out[key] = None
            continue
        coltype = table.c[key].type
        impl = getattr(coltype, "impl", coltype)  # TypeDecorators (UTCDateTime) wrap the real type
        if isinstance(impl, DateTime) and isinstance(value, str):
            parsed = dt.datetime.fromisoformat(value)
            out[key] = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        elif isinstance(impl, Date) and isinstance(value, str):
            out[key] = dt.date.fromisoformat(value[:10])
        elif isinstance(impl, Numeric) and not isinstance(impl, Integer | Float):
            out[key] = Decimal(str(value))
        else:
            out[key] = value
    return out


def apply_undo(s: Session, batch: m.ImportBatch, plan: UndoPlan) -> tuple[int, int]:
    """Restore what the batch changed and delete what it added. Returns (restored, deleted)."""
    table = plan.table
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    restored = 0
    present: set[int] = set()
    ids = [c[1] for c in plan.changes]
    for part in _chunks(ids):
        present.update(i for (i,) in s.execute(select(table.c.id).where(table.c.id.in_(part))))
    for _cid, eid, old in plan.changes:
        if eid not in present:
            continue
        values = _decode(table, old)
        if values:
            keys = tuple(sorted(values))
            groups.setdefault(keys, []).append({**{f"p_{k}": v for k, v in values.items()}, "p__id": eid})
        restored += 1
        if "__qualifications" in old:
            _restore_qualifications(s, eid, old["__qualifications"])
        if "__references" in old:
            _restore_references(s, eid, old["__references"])
    for keys, params in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("p__id"))
            .values({k: bindparam(f"p_{k}") for k in keys})
        )
        s.execute(stmt, params)
    # Restored rows no longer carry this batch's id, so what still does is exactly what it inserted.
    trigger = search_sync.delete_indexed(s, batch.id) if table.name == "enterprises" else None
    result = s.execute(delete(table).where(table.c.import_batch_id == batch.id))
    search_sync.restore_trigger(s, trigger)
    deleted = int(getattr(result, "rowcount", 0) or 0)
    return restored, deleted


def _restore_qualifications(s: Session, inspector_id: int, old: list[list[Any]]) -> None:
    q = table_of(m.InspectorQualification)
    keep = [name for name, _valid in old]
    stmt = delete(q).where(q.c.inspector_id == inspector_id)
    if keep:
        stmt = stmt.where(q.c.qualification.not_in(keep))
    s.execute(stmt)


def _restore_references(s: Session, item_id: int, old: list[dict[str, Any]]) -> None:
    refs = table_of(m.LegalReference)
    s.execute(delete(refs).where(refs.c.item_id == item_id))
    rows = [_decode(refs, r) for r in old]
    if rows:
        s.execute(insert(refs), rows)
