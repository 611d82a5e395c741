"""Import service on SQLite and PostgreSQL: preview, both commit modes, rejected rows, updates, every
record type, undo, re-import, templates, permissions and bad input. Files are generated here."""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from gxq_desktop.db import models as m
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.errors import CancelledError, PermissionDenied, ValidationError
from gxq_desktop.gui.workers import TaskState
from gxq_desktop.services.context import Actor
from gxq_desktop.services.importing import (
    CommitMode,
    ImportOptions,
    ImportService,
    ReimportNotConfirmed,
    UndoNotConfirmed,
    engine,
    save_rejected_rows,
)

from .conftest import make_user
from .import_files import (
    ENTERPRISE_HEADER,
    CancelAfter,
    add_enterprises,
    bad_check_digit,
    code,
    make_departments,
    patch_formula_values,
    table_snapshot,
    write_csv,
    write_xlsx,
)


@pytest.fixture(autouse=True)
def _temporary_files_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejected-rows workbooks are temporary files: keep the tests' ones out of the system temp dir."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


ALL_TABLES = (
    m.Enterprise,
    m.AbnormalListing,
    m.SeriousViolation,
    m.Penalty,
    m.Complaint,
    m.ListEntry,
    m.License,
    m.AnnualReport,
    m.Commitment,
    m.PartyOrganization,
    m.Inspector,
    m.InspectorQualification,
    m.InspectionItem,
    m.LegalReference,
    m.ImportBatch,
    m.ImportChange,
)


@pytest.fixture
def deps(db: Database) -> dict[str, int]:
    return make_departments(db)


@pytest.fixture
def head(db: Database) -> Actor:
    return make_user(db, Role.SECTION_HEAD, "kezhang")


@pytest.fixture
def clerk(db: Database) -> Actor:
    return make_user(db, Role.CLERK, "luruyuan")


def _count(db: Database, model: type[m.Base]) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _enterprise_file(path: Path) -> Path:
    return write_xlsx(
        path,
        [
            ["2024年高新区市场主体登记信息"],
            ["序号", *ENTERPRISE_HEADER, "", ""],
            [1, code(1), "西安秦岭科技有限公司", "张三", "1,000", "2023/1/5", "在营（开业）企业"],
            [2, code(2), "长安(西安)商贸有限公司", "李四", "50万元", 44931, "存续"],
            [3, bad_check_digit(3), "雁塔老字号有限公司", "王五", "", "2023年1月5日", "存续"],
            [4, code(1), "重复的一行", "赵六", "", "", "存续"],
            [5, "", "没有代码的个体户", "钱七", "", "", "存续"],
            [6, code(6), "状态写错有限公司", "孙八", "", "", "营业中"],
            [7, code(7), "日期写错有限公司", "周九", "", "2023-02-30", "存续"],
        ],
        merges=["A1:G1"],
    )


# --------------------------------------------------------------------------- preview


def test_preview_shows_rows_as_stored_and_every_problem_and_writes_nothing(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = _enterprise_file(tmp_path / "登记.xlsx")
    before = table_snapshot(db, *ALL_TABLES)
    pv = ImportService(db, clerk).preview(f, "enterprise", deps["SJJ"])
    assert table_snapshot(db, *ALL_TABLES) == before
    assert pv.header_rows == (2,)
    assert [c.field for c in pv.columns][:7] == [
        None,
        "uscc",
        "name",
        "legal_rep",
        "registered_capital",
        "established_on",
        "status",
    ]
    assert pv.preview_headers[:4] == ("行号", "处理", "统一社会信用代码", "企业名称")
    first = pv.preview_rows[0]
    assert (first.row, first.action) == (3, "新增")
    assert first.values == (code(1), "西安秦岭科技有限公司", "张三", "1000", "2023-01-05", "存续")
    assert pv.preview_rows[1].values[1] == "长安（西安）商贸有限公司"  # brackets made consistent
    assert pv.preview_rows[1].values[3] == "50"
    problems = {(p.row, p.column, p.severity) for p in pv.problems}
    assert (5, "统一社会信用代码", "warning") in problems
    assert (6, "统一社会信用代码", "error") in problems  # duplicate of row 3
    assert (7, "统一社会信用代码", "error") in problems  # neither USCC nor 注册号
    assert (8, "登记状态", "error") in problems
    assert (9, "成立日期", "error") in problems
    dup = next(p for p in pv.problems if p.row == 6)
    assert "与第 3 行重复" in dup.message
    assert (pv.total_rows, pv.insert_rows, pv.error_rows, pv.warning_rows) == (7, 2, 5, 1)
    assert pv.rejected_file and Path(pv.rejected_file).exists()


def test_rejected_rows_workbook_keeps_original_columns_and_adds_reason(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = _enterprise_file(tmp_path / "登记.xlsx")
    pv = ImportService(db, clerk).preview(f, "enterprise", deps["SJJ"])
    assert pv.rejected_file
    out = save_rejected_rows(pv.rejected_file, tmp_path / "错误行")
    ws = openpyxl.load_workbook(out).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]  # type: ignore[union-attr]
    assert rows[0] == ["序号", *ENTERPRISE_HEADER, "错误原因"]
    assert len(rows) == 1 + 5
    assert rows[1][:3] == [3, bad_check_digit(3), "雁塔老字号有限公司"]
    assert "校验位" in rows[1][-1]
    assert rows[4][2] == "状态写错有限公司" and "登记状态" in rows[4][-1] and "营业中" in rows[4][-1]


# --------------------------------------------------------------------------- commit modes


def test_import_all_valid_rows(db: Database, deps: dict[str, int], head: Actor, tmp_path: Path) -> None:
    f = _enterprise_file(tmp_path / "登记.xlsx")
    result = ImportService(db, head).run(f, "enterprise", deps["SJJ"], ImportOptions(accept_check_digit=True))
    assert result.committed and result.batch_id
    assert (result.inserted, result.rejected, result.accepted_warnings) == (3, 4, 1)
    with db.session() as s:
        e = s.scalars(select(m.Enterprise).where(m.Enterprise.uscc == code(1))).one()
        assert e.registered_capital == Decimal("1000")
        assert e.established_on == dt.date(2023, 1, 5)
        assert (e.import_batch_id, e.created_by_id, e.version) == (result.batch_id, head.user_id, 1)
        assert e.name_initials == "xaqlkjyxgs"
        batch = s.get(m.ImportBatch, result.batch_id)
        assert batch is not None
        assert (
            batch.status,
            batch.total_rows,
            batch.inserted_rows,
            batch.rejected_rows,
            batch.warning_rows,
        ) == ("done", 7, 3, 4, 1)
        assert batch.sha256 and batch.user_id == head.user_id and batch.department_id == deps["SJJ"]
        audit = s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "import.commit")).one()
        assert audit.entity_id == batch.id and "新增 3" in audit.summary


def test_all_or_nothing_stores_nothing_when_a_row_is_wrong(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path
) -> None:
    f = _enterprise_file(tmp_path / "登记.xlsx")
    before = table_snapshot(db, *ALL_TABLES)
    result = ImportService(db, head).run(
        f, "enterprise", deps["SJJ"], ImportOptions(mode=CommitMode.ALL_OR_NOTHING, accept_check_digit=True)
    )
    assert not result.committed and result.batch_id is None
    assert result.rejected == 4 and "没有导入任何数据" in result.message
    assert table_snapshot(db, *ALL_TABLES) == before


def test_all_or_nothing_imports_a_clean_file(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = write_csv(
        tmp_path / "ok.csv",
        [ENTERPRISE_HEADER, [code(1), "甲公司", "张三", "", "", ""], [code(2), "乙公司", "", "", "", ""]],
    )
    result = ImportService(db, clerk).run(
        f, "enterprise", None, ImportOptions(mode=CommitMode.ALL_OR_NOTHING)
    )
    assert result.committed and result.inserted == 2


def test_clerk_cannot_accept_a_bad_check_digit(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = _enterprise_file(tmp_path / "登记.xlsx")
    with pytest.raises(PermissionDenied, match="校验位"):
        ImportService(db, clerk).run(f, "enterprise", deps["SJJ"], ImportOptions(accept_check_digit=True))
    result = ImportService(db, clerk).run(f, "enterprise", deps["SJJ"])
    assert result.inserted == 2  # the row with the bad check digit is rejected
    with db.session() as s:
        assert s.scalar(select(m.Enterprise).where(m.Enterprise.uscc == bad_check_digit(3))) is None


def test_inspector_role_cannot_import(db: Database, tmp_path: Path) -> None:
    inspector = make_user(db, Role.INSPECTOR, "zhifa")
    f = _enterprise_file(tmp_path / "登记.xlsx")
    svc = ImportService(db, inspector)
    with pytest.raises(PermissionDenied):
        svc.preview(f, "enterprise")
    with pytest.raises(PermissionDenied):
        svc.run(f, "enterprise")
    with pytest.raises(PermissionDenied):
        svc.history()


# --------------------------------------------------------------------------- enterprises: 注册号, updates


def test_registration_number_only_enterprises_import_and_are_matched_by_it(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    svc = ImportService(db, clerk)
    f = write_xlsx(
        tmp_path / "个体.xlsx",
        [
            ["注册号", "字号名称", "经营者", "企业类型"],
            ["610131600012345", "雁塔区老王面馆", "王某", "个体工商户"],
        ],
    )
    r1 = svc.run(f, "enterprise", deps["SJJ"])
    assert r1.inserted == 1
    with db.session() as s:
        e = s.scalars(select(m.Enterprise).where(m.Enterprise.reg_no == "610131600012345")).one()
        assert e.uscc is None and e.subject_category == "个体工商户"
    # A penalty for it, linked by 注册号 through a combined "统一社会信用代码/注册号" column.
    p = write_csv(
        tmp_path / "处罚.csv",
        [
            ["统一社会信用代码/注册号", "当事人名称", "决定书文号", "罚款金额（元）"],
            ["610131600012345", "雁塔区老王面馆", "西高新市监罚〔2024〕1号", "2,000"],
        ],
        encoding="gbk",
    )
    r2 = svc.run(p, "penalty", deps["SJJ"])
    assert r2.inserted == 1, r2.problems
    # Later the shop gets a USCC: a row with both fills it in instead of creating a second entity.
    g = write_csv(
        tmp_path / "换照.csv",
        [["统一社会信用代码", "注册号", "名称"], [code(9), "610131600012345", "雁塔区老王面馆"]],
    )
    r3 = svc.run(g, "enterprise", deps["SJJ"])
    assert (r3.inserted, r3.updated) == (0, 1)
    with db.session() as s:
        assert s.scalars(
            select(m.Enterprise.uscc).where(m.Enterprise.reg_no == "610131600012345")
        ).one() == code(9)
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 1
        pen = s.scalars(select(m.Penalty)).one()
        assert pen.fine_amount == Decimal("2000") and pen.enterprise_id == e.id


def test_enterprise_update_keeps_former_name_and_records_old_values(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    ids = add_enterprises(db, [(code(1), "西安旧名称有限公司"), (code(2), "不变有限公司")])
    f = write_xlsx(
        tmp_path / "变更.xlsx",
        [
            ENTERPRISE_HEADER,
            [code(1), "西安新名称有限公司", "张三", "200", "", ""],
            [code(2), "不变有限公司", "", "", "", ""],
        ],
    )
    result = ImportService(db, clerk).run(f, "enterprise", deps["SJJ"])
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    with db.session() as s:
        e = s.get(m.Enterprise, ids["西安旧名称有限公司"])
        assert e is not None
        assert (e.name, e.former_names, e.legal_rep) == ("西安新名称有限公司", "西安旧名称有限公司", "张三")
        assert e.registered_capital == Decimal("200")
        assert (e.import_batch_id, e.version, e.updated_by_id) == (result.batch_id, 2, clerk.user_id)
        assert e.name_initials == "xaxmcyxgs"
        change = s.scalars(select(m.ImportChange)).one()
        assert (change.entity_type, change.entity_id, change.action) == ("Enterprise", e.id, "update")
        assert change.old_values is not None
        assert change.old_values["name"] == "西安旧名称有限公司"
        assert change.old_values["former_names"] is None and change.old_values["version"] == 1
        unchanged = s.get(m.Enterprise, ids["不变有限公司"])
        assert unchanged is not None and unchanged.import_batch_id is None and unchanged.version == 1


def test_updates_between_queued_inserts_change_and_add_every_row(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 10 rows: the writer thread has several chunks of inserts queued when a chunk with
    # updates comes (the updates go through the Session, which must wait for the writer).
    monkeypatch.setattr(engine, "CHUNK", 10)
    ids = add_enterprises(db, [(code(i), f"旧名称{i}有限公司") for i in range(25, 201, 25)])
    before = table_snapshot(db, m.Enterprise)
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"新名称{i}有限公司"] for i in range(1, 201)]
    svc = ImportService(db, head)
    result = svc.run(write_csv(tmp_path / "混合.csv", rows), "enterprise", deps["SJJ"])
    assert (result.inserted, result.updated, result.rejected) == (192, 8, 0)
    with db.session() as s:
        stored = {e.uscc: (e.name, e.former_names) for e in s.scalars(select(m.Enterprise))}
        changes = s.scalars(select(m.ImportChange.entity_id).where(m.ImportChange.action == "update")).all()
    assert stored == {
        code(i): (f"新名称{i}有限公司", f"旧名称{i}有限公司" if i % 25 == 0 else None) for i in range(1, 201)
    }
    assert sorted(changes) == sorted(ids.values())
    from gxq_desktop.services.search import SearchQuery, SearchService

    search = SearchService(db, head)
    assert search.search(SearchQuery("新名称7有限")).total == 1  # a row inserted from a queued chunk
    assert search.search(SearchQuery("旧名称150")).total == 1  # an updated row, found by its former name
    svc.undo(result.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    assert table_snapshot(db, m.Enterprise) == before


class _Reports:
    """An import's progress that records what it is told."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def check(self) -> None:
        pass

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self.texts.append(text)


def test_progress_says_when_the_file_is_read_and_the_writing_is_being_finished(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"企业{i}有限公司"] for i in range(1, 4)]
    f = write_csv(tmp_path / "e.csv", rows)
    previewed = _Reports()
    ImportService(db, clerk).preview(f, "enterprise", deps["SJJ"], task=previewed)
    assert previewed.texts and not any("正在完成写入" in t for t in previewed.texts)  # nothing is written
    imported = _Reports()
    result = ImportService(db, clerk).run(f, "enterprise", deps["SJJ"], task=imported)
    assert result.inserted == 3
    assert imported.texts[-1] == "已读完 3 行，正在完成写入并更新索引，请稍候……"


# --------------------------------------------------------------------------- undo


def test_undo_restores_tables_exactly(
    db: Database, deps: dict[str, int], clerk: Actor, head: Actor, tmp_path: Path
) -> None:
    add_enterprises(db, [(code(1), "西安旧名称有限公司"), (code(2), "乙有限公司")])
    before = table_snapshot(db, m.Enterprise)
    f = write_xlsx(
        tmp_path / "变更.xlsx",
        [
            ENTERPRISE_HEADER,
            [code(1), "西安新名称有限公司", "张三", "", "2020-01-01", "注销"],
            [code(3), "新增有限公司", "", "", "", ""],
        ],
    )
    result = ImportService(db, clerk).run(f, "enterprise", deps["SJJ"])
    assert (result.inserted, result.updated) == (1, 1)
    with pytest.raises(PermissionDenied):
        ImportService(db, clerk).undo(result.batch_id)  # type: ignore[arg-type]
    svc = ImportService(db, head)
    check = svc.undo_check(result.batch_id)  # type: ignore[arg-type]
    assert check.can_undo and (check.inserted, check.updated) == (1, 1) and not check.warnings
    undone = svc.undo(result.batch_id)  # type: ignore[arg-type]
    assert (undone.deleted, undone.restored) == (1, 1)
    assert table_snapshot(db, m.Enterprise) == before
    with db.session() as s:
        batch = s.get(m.ImportBatch, result.batch_id)
        assert batch is not None and batch.status == "undone" and batch.undone_by_id == head.user_id
        assert s.scalars(select(m.AuditEvent.action).where(m.AuditEvent.action == "import.undo")).one()
    with pytest.raises(ValidationError, match="撤销过"):
        svc.undo(result.batch_id)  # type: ignore[arg-type]


def test_undo_of_a_record_batch_and_its_updates(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path
) -> None:
    add_enterprises(db, [(code(1), "甲有限公司"), (code(2), "乙有限公司")])
    svc = ImportService(db, head)
    header = ["统一社会信用代码", "企业名称", "列入原因", "列入日期", "移出日期"]
    first = write_csv(
        tmp_path / "异常1.csv", [header, [code(1), "甲有限公司", "未按规定报送年度报告", "2023-07-01", ""]]
    )
    svc.run(first, "abnormal", deps["SJJ"])
    before = table_snapshot(db, m.AbnormalListing, m.Enterprise)
    second = write_csv(
        tmp_path / "异常2.csv",
        [
            header,
            [code(1), "甲有限公司", "未按规定报送年度报告", "2023-07-01", "2024-03-01"],  # removal: update
            [code(2), "乙有限公司", "通过登记的住所无法联系", "2024-01-10", ""],  # new
        ],
    )
    r = svc.run(second, "abnormal", deps["SJJ"])
    assert (r.inserted, r.updated) == (1, 1)
    svc.undo(r.batch_id)  # type: ignore[arg-type]
    assert table_snapshot(db, m.AbnormalListing, m.Enterprise) == before


def test_undo_refused_when_a_later_batch_changed_the_same_rows(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path
) -> None:
    svc = ImportService(db, head)
    a = write_csv(tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲有限公司"]])
    b = write_csv(tmp_path / "b.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲改名有限公司"]])
    ra = svc.run(a, "enterprise")
    rb = svc.run(b, "enterprise")
    check = svc.undo_check(ra.batch_id)  # type: ignore[arg-type]
    assert not check.can_undo and f"#{rb.batch_id}" in check.blocking[0]
    with pytest.raises(ValidationError, match="请先撤销"):
        svc.undo(ra.batch_id)  # type: ignore[arg-type]
    svc.undo(rb.batch_id)  # type: ignore[arg-type]
    svc.undo(ra.batch_id)  # type: ignore[arg-type]
    assert _count(db, m.Enterprise) == 0


def test_undo_refused_when_other_data_refers_to_added_enterprises(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path
) -> None:
    svc = ImportService(db, head)
    r = svc.run(
        write_csv(tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲有限公司"]]),
        "enterprise",
    )
    svc.run(
        write_csv(
            tmp_path / "p.csv", [["统一社会信用代码", "决定书文号"], [code(1), "西高新市监罚〔2024〕9号"]]
        ),
        "penalty",
    )
    check = svc.undo_check(r.batch_id)  # type: ignore[arg-type]
    assert check.blocking and "行政处罚 1 条" in check.blocking[0]


def test_undo_warns_about_later_hand_edits(
    db: Database, deps: dict[str, int], head: Actor, tmp_path: Path
) -> None:
    svc = ImportService(db, head)
    r = svc.run(
        write_csv(tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲有限公司"]]),
        "enterprise",
    )
    with db.transaction(head.user_id) as s:
        e = s.scalars(select(m.Enterprise)).one()
        e.contact_phone = "029-88888888"
    check = svc.undo_check(r.batch_id)  # type: ignore[arg-type]
    assert check.can_undo and "人工修改" in check.warnings[0]
    with pytest.raises(UndoNotConfirmed):
        svc.undo(r.batch_id)  # type: ignore[arg-type]
    svc.undo(r.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    assert _count(db, m.Enterprise) == 0


# --------------------------------------------------------------------------- re-import, templates


def test_reimport_of_the_same_file_needs_confirmation(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = write_csv(tmp_path / "a.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲有限公司"]])
    svc = ImportService(db, clerk)
    first = svc.run(f, "enterprise")
    pv = svc.preview(f, "enterprise")
    assert [b.id for b in pv.previous_batches] == [first.batch_id]
    assert pv.unchanged_rows == 1
    with pytest.raises(ReimportNotConfirmed) as info:
        svc.run(f, "enterprise")
    assert info.value.batch_ids == (first.batch_id,)
    again = svc.run(f, "enterprise", options=ImportOptions(confirm_reimport=True))
    assert again.committed and again.unchanged == 1


def test_template_maps_unknown_headers_per_department_and_type(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = write_xlsx(tmp_path / "t.xlsx", [["代码", "单位", "负责同志"], [code(1), "甲有限公司", "张三"]])
    svc = ImportService(db, clerk)
    pv = svc.preview(f, "enterprise", deps["SWJ"])
    assert not pv.header_recognized or not any(c.field for c in pv.columns)
    assert "统一社会信用代码（或注册号）" in pv.missing_required
    corrected = {pv.columns[0].key: "uscc", pv.columns[1].key: "name", pv.columns[2].key: "legal_rep"}
    pv2 = svc.preview(f, "enterprise", deps["SWJ"], mapping=corrected)
    assert [c.field for c in pv2.columns] == ["uscc", "name", "legal_rep"] and pv2.insert_rows == 1
    svc.save_template(deps["SWJ"], "enterprise", pv2.mapping)
    pv3 = svc.preview(f, "enterprise", deps["SWJ"])
    assert pv3.template_used and [c.field for c in pv3.columns] == ["uscc", "name", "legal_rep"]
    assert not svc.preview(f, "enterprise", deps["SJJ"]).template_used  # other department
    svc.save_template(deps["SWJ"], "enterprise", {**pv2.mapping, pv2.columns[2].key: None})
    assert svc.template(deps["SWJ"], "enterprise") == {**pv2.mapping, pv2.columns[2].key: None}
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.ImportTemplate)) == 1


def test_missing_required_column_refuses_the_import(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    add_enterprises(db, [(code(1), "甲有限公司")])
    f = write_csv(tmp_path / "p.csv", [["统一社会信用代码", "罚款金额"], [code(1), "100"]])
    svc = ImportService(db, clerk)
    assert svc.preview(f, "penalty").missing_required == ("决定书文号",)
    with pytest.raises(ValidationError, match="决定书文号"):
        svc.run(f, "penalty")
    assert _count(db, m.ImportBatch) == 0


# --------------------------------------------------------------------------- every record type


RECORD_CASES = [
    (
        "abnormal",
        ["列入经营异常名录原因", "列入日期", "作出决定机关"],
        ["未按规定公示年度报告", "2024/6/30", "高新区市场监管局"],
        m.AbnormalListing,
        {"list_reason": "未按规定公示年度报告", "listed_on": dt.date(2024, 6, 30)},
    ),
    (
        "serious_violation",
        ["列入严重违法失信名单原因", "列入日期"],
        ["提交虚假材料取得登记", "20240101"],
        m.SeriousViolation,
        {"listed_on": dt.date(2024, 1, 1)},
    ),
    (
        "penalty",
        ["行政处罚决定书文号", "罚没款金额（万元）", "处罚决定日期"],
        ["西高新市监罚〔2024〕3号", "1.5", "2024年3月1日"],
        m.Penalty,
        {"fine_amount": Decimal("15000"), "decided_on": dt.date(2024, 3, 1)},
    ),
    (
        "complaint",
        ["投诉编号", "登记日期", "投诉内容"],
        ["TS2024001", "2024-05-05", "预付卡无法退款"],
        m.Complaint,
        {"status": "处理中", "complaint_no": "TS2024001"},
    ),
    (
        "red_list",
        ["认定部门", "认定日期"],
        ["税务局", "2024-01-01"],
        m.ListEntry,
        {"kind": "red", "list_name": "红名单"},
    ),
    (
        "black_list",
        ["名单名称", "列入日期"],
        ["拖欠农民工工资失信联合惩戒对象名单", "2024-01-01"],
        m.ListEntry,
        {"kind": "black", "list_name": "拖欠农民工工资失信联合惩戒对象名单"},
    ),
    (
        "judgment_debtor",
        ["案号", "执行法院", "立案时间"],
        ["（2024）陕0191执123号", "西安市雁塔区人民法院", "2024-02-02"],
        m.ListEntry,
        {"kind": "judgment_debtor", "authority": "西安市雁塔区人民法院"},
    ),
    (
        "license",
        ["许可证编号", "许可证名称", "有效期自", "有效期至"],
        ["JY16101310001", "食品经营许可证", "2021-01-01", "2026-01-01"],
        m.License,
        {"valid_until": dt.date(2026, 1, 1), "status": "有效"},
    ),
    (
        "annual_report",
        ["报告年度", "从业人数", "是否按时报送"],
        ["2023年度", "12人", "是"],
        m.AnnualReport,
        {"year": 2023, "employees": 12, "is_on_time": True},
    ),
    (
        "commitment",
        ["承诺类型", "承诺日期", "是否履约"],
        ["告知承诺制审批", "2024-01-01", "已履约"],
        m.Commitment,
        {"fulfilled": True},
    ),
    (
        "party",
        ["党组织名称", "党员人数", "党组织书记"],
        ["中共西安甲有限公司支部委员会", "7", "张书记"],
        m.PartyOrganization,
        {"member_count": 7},
    ),
]


@pytest.mark.parametrize(
    ("record_type", "header", "values", "model", "expected"), RECORD_CASES, ids=[c[0] for c in RECORD_CASES]
)
def test_each_record_type_links_rows_by_uscc(
    db: Database,
    deps: dict[str, int],
    clerk: Actor,
    tmp_path: Path,
    record_type: str,
    header: list[str],
    values: list[str],
    model: type[m.Base],
    expected: dict[str, object],
) -> None:
    ids = add_enterprises(db, [(code(1), "西安甲有限公司")])
    f = write_xlsx(
        tmp_path / f"{record_type}.xlsx",
        [
            ["社会信用代码", "单位名称", *header],
            [code(1), "西安甲有限公司", *values],
            [code(2), "库里没有的公司", *values],
            [code(1), "西安甲有限公司", *values],
        ],
    )
    result = ImportService(db, clerk).run(f, record_type, deps["SJJ"])
    assert (result.inserted, result.rejected) == (1, 2), result.problems
    messages = [p.message for p in result.problems]
    assert any("市场主体库中没有" in t for t in messages) and any("与第 2 行重复" in t for t in messages)
    with db.session() as s:
        rec = s.scalars(select(model)).one()
        assert rec.enterprise_id == ids["西安甲有限公司"]  # type: ignore[attr-defined]
        assert rec.department_id == deps["SJJ"] and rec.import_batch_id == result.batch_id  # type: ignore[attr-defined]
        for k, v in expected.items():
            assert getattr(rec, k) == v, k
    again = ImportService(db, clerk).run(f, record_type, deps["SJJ"], ImportOptions(confirm_reimport=True))
    assert (again.inserted, again.unchanged) == (0, 1)


def test_small_micro_list_marks_enterprises(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    ids = add_enterprises(db, [(code(1), "甲有限公司"), (code(2), "乙有限公司")])
    f = write_csv(
        tmp_path / "小微.csv", [["统一社会信用代码", "企业名称"], [code(1), "甲有限公司"]], encoding="gb18030"
    )
    r = ImportService(db, clerk).run(f, "small_micro", deps["SJJ"])
    assert r.updated == 1
    with db.session() as s:
        assert s.get(m.Enterprise, ids["甲有限公司"]).is_small_micro  # type: ignore[union-attr]
        assert not s.get(m.Enterprise, ids["乙有限公司"]).is_small_micro  # type: ignore[union-attr]
    ImportService(db, make_user(db, Role.SECTION_HEAD)).undo(r.batch_id)  # type: ignore[arg-type]
    with db.session() as s:
        assert not s.get(m.Enterprise, ids["甲有限公司"]).is_small_micro  # type: ignore[union-attr]


def test_inspectors_with_qualifications(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    f = write_xlsx(
        tmp_path / "人员.xlsx",
        [
            ["姓名", "执法证号", "执法证有效期至", "所属部门", "资格", "状态"],
            ["张执法", "61010001", "2027-12-31", "", "特种设备安全监察员、药品检查员", "在岗"],
            ["李执法", "61010002", "", "税务局", "", "调离"],
            ["王执法", "61010002", "", "", "", "在岗"],
        ],
    )
    svc = ImportService(db, clerk)
    r = svc.run(f, "inspector", deps["SJJ"])
    assert (r.inserted, r.rejected) == (2, 1)
    with db.session() as s:
        zhang = s.scalars(select(m.Inspector).where(m.Inspector.name == "张执法")).one()
        assert zhang.department_id == deps["SJJ"] and zhang.certificate_valid_until == dt.date(2027, 12, 31)
        assert sorted(q.qualification for q in zhang.qualifications) == ["特种设备安全监察员", "药品检查员"]
        li = s.scalars(select(m.Inspector).where(m.Inspector.name == "李执法")).one()
        assert (li.department_id, li.status) == (deps["SWJ"], "停用")
    before = table_snapshot(db, m.Inspector, m.InspectorQualification)
    g = write_csv(
        tmp_path / "人员2.csv", [["姓名", "执法证号", "资格"], ["张执法", "61010001", "食品检查员"]]
    )
    r2 = svc.run(g, "inspector", deps["SJJ"])
    assert r2.updated == 1
    with db.session() as s:
        assert _count(db, m.InspectorQualification) == 3
    ImportService(db, make_user(db, Role.SECTION_HEAD)).undo(r2.batch_id)  # type: ignore[arg-type]
    assert table_snapshot(db, m.Inspector, m.InspectorQualification) == before


def test_published_item_list_with_merged_cells_and_continuation_rows(
    db: Database, deps: dict[str, int], clerk: Actor, tmp_path: Path
) -> None:
    header = [
        "序号",
        "抽查类别",
        "抽查事项",
        "检查对象",
        "事项类别",
        "检查方式",
        "检查主体",
        "检查依据",
        "备注",
    ]
    f = write_xlsx(
        tmp_path / "清单.xlsx",
        [
            ["高新区市场监管随机抽查事项清单"],
            header,
            [
                1,
                "登记事项检查",
                "营业执照（登记证）规范使用情况的检查",
                "企业、个体工商户",
                "一般检查事项",
                "现场检查",
                "县级以上市场监管部门",
                "《中华人民共和国市场主体登记管理条例》第三十六条",
                "",
            ],
            [None, None, None, None, None, None, None, "《电子商务法》第十五条", ""],
            [
                2,
                None,
                "名称规范使用情况的检查",
                "企业",
                "一般",
                "现场检查、网络检查",
                "县级以上市场监管部门",
                "《企业名称登记管理规定》第二十二条",
                "新增",
            ],
            [
                3,
                "特种设备检查",
                "特种设备使用单位检查",
                "特种设备使用单位",
                "重点检查事项",
                "现场检查",
                "县级以上市场监管部门",
                "《中华人民共和国特种设备安全法》第三十二条",
                "",
            ],
        ],
        merges=["A1:I1", "B3:B5"],
    )
    r = ImportService(db, clerk).run(f, "inspection_item", deps["SJJ"])
    assert (r.total_rows, r.inserted, r.rejected) == (3, 3, 0), r.problems
    with db.session() as s:
        items = {i.name: i for i in s.scalars(select(m.InspectionItem))}
        first = items["营业执照（登记证）规范使用情况的检查"]
        assert first.legal_basis == "《中华人民共和国市场主体登记管理条例》第三十六条；《电子商务法》第十五条"
        assert items["名称规范使用情况的检查"].category == "登记事项检查"  # vertically merged
        assert items["名称规范使用情况的检查"].item_kind == "一般检查事项"
        assert items["特种设备使用单位检查"].item_kind == "重点检查事项"
        refs = s.scalars(
            select(m.LegalReference)
            .where(m.LegalReference.item_id == first.id)
            .order_by(m.LegalReference.position)
        ).all()
        assert [r.article_number for r in refs] == [36, 15]


# --------------------------------------------------------------------------- bad input through the service


def test_header_only_file(db: Database, clerk: Actor, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "h.csv", [ENTERPRISE_HEADER])
    svc = ImportService(db, clerk)
    pv = svc.preview(f, "enterprise")
    assert pv.total_rows == 0 and any("只有表头" in n for n in pv.notices)
    with pytest.raises(ValidationError, match="没有数据行"):
        svc.run(f, "enterprise")
    assert _count(db, m.ImportBatch) == 0


def test_two_hundred_columns_and_one_megabyte_cells(db: Database, clerk: Actor, tmp_path: Path) -> None:
    filler = [f"其他列{i}" for i in range(195)]
    big = "经营范围" * 262_144
    f = write_csv(
        tmp_path / "wide.csv",
        [
            ["统一社会信用代码", *filler[:100], "企业名称", "经营范围", *filler[100:], "住所"],
            [code(1), *["x"] * 100, "甲有限公司", big, *["y"] * 95, "科技路1号"],
            [code(2), *["x"] * 100, "名" * 300, "", *["y"] * 95, ""],
        ],
    )
    r = ImportService(db, clerk).run(f, "enterprise")
    assert (r.inserted, r.rejected) == (1, 1)
    assert "过长" in r.problems[0].message and r.problems[0].row == 3
    with db.session() as s:
        e = s.scalars(select(m.Enterprise)).one()
        assert e.business_scope == big and e.address == "科技路1号"


def test_formulas_use_saved_values_and_explain_missing_ones(
    db: Database, clerk: Actor, tmp_path: Path
) -> None:
    f = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "企业名称", "注册资本"],
            [code(1), "甲有限公司", "=10*10"],
            [code(2), '="乙"&"有限公司"', 5],
        ],
    )
    pv = ImportService(db, clerk).preview(f, "enterprise")
    assert pv.error_rows == 1 and any("公式" in n for n in pv.notices)
    patch_formula_values(f, {"C2": "100", "B3": "乙有限公司"})
    r = ImportService(db, clerk).run(f, "enterprise")
    assert r.inserted == 2
    with db.session() as s:
        rows = {e.name: e.registered_capital for e in s.scalars(select(m.Enterprise))}
    assert rows == {"甲有限公司": Decimal("100"), "乙有限公司": Decimal("5")}


def test_sql_looking_strings_are_stored_as_text(db: Database, clerk: Actor, tmp_path: Path) -> None:
    evil = "'); DROP TABLE enterprises; --"
    f = write_csv(
        tmp_path / "s.csv",
        [
            ["统一社会信用代码", "企业名称", "住所"],
            [code(1), evil, "1' OR '1'='1"],
            [code(2), '=HYPERLINK("x")', ""],
        ],
    )
    r = ImportService(db, clerk).run(f, "enterprise")
    assert r.inserted == 2
    with db.session() as s:
        assert {e.name for e in s.scalars(select(m.Enterprise))} == {evil, '=HYPERLINK("x")'}


def test_numbers_that_lost_digits_in_excel(db: Database, clerk: Actor, tmp_path: Path) -> None:
    f = write_xlsx(
        tmp_path / "n.xlsx",
        [["统一社会信用代码", "企业名称"], [916101312206074534, "长安国际信托股份有限公司"]],
    )
    pv = ImportService(db, clerk).preview(f, "enterprise")
    assert pv.error_rows == 1 and "文本" in pv.problems[0].message
    g = write_csv(
        tmp_path / "n.csv", [["统一社会信用代码", "企业名称"], ["9.16101E+17", "长安国际信托股份有限公司"]]
    )
    assert "科学计数法" in ImportService(db, clerk).preview(g, "enterprise").problems[0].message


def test_dates_as_text_and_full_width_values(db: Database, clerk: Actor, tmp_path: Path) -> None:
    f = write_xlsx(
        tmp_path / "d.xlsx",
        [
            ENTERPRISE_HEADER,
            [
                "９１６１０１３１ＭＡＣ９ＫＭＥＱ８Ｊ",
                " 万森（陕西）机器人有限公司 ",
                "张三",
                "１００万元",
                "２０２３年１月５日",
                " 存续 ",
            ],
        ],
    )
    r = ImportService(db, clerk).run(f, "enterprise")
    assert r.inserted == 1, r.problems
    with db.session() as s:
        e = s.scalars(select(m.Enterprise)).one()
    assert (e.uscc, e.name, e.registered_capital, e.established_on) == (
        "91610131MAC9KMEQ8J",
        "万森（陕西）机器人有限公司",
        Decimal("100"),
        dt.date(2023, 1, 5),
    )


def test_cancel_leaves_the_database_exactly_as_before(db: Database, clerk: Actor, tmp_path: Path) -> None:
    add_enterprises(db, [(code(1), "旧名称有限公司")])
    rows = [["统一社会信用代码", "企业名称"], [code(1), "新名称有限公司"]] + [
        [code(i), f"企业{i}"] for i in range(2, 4600)
    ]
    f = write_csv(tmp_path / "big.csv", rows)
    before = table_snapshot(db, *ALL_TABLES)
    with pytest.raises(CancelledError):
        ImportService(db, clerk).run(f, "enterprise", task=CancelAfter(2))  # after 4,000 rows were written
    assert table_snapshot(db, *ALL_TABLES) == before


class _CancelWhenFinishing(TaskState):
    """The clerk presses Cancel when the progress says the file is read and the writing is finishing."""

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        super().report(done, total, text)
        if text.startswith("已读完"):
            self.cancel()


def test_cancel_while_the_import_is_finishing_stores_nothing(
    db: Database, clerk: Actor, tmp_path: Path
) -> None:
    add_enterprises(db, [(code(1), "旧名称有限公司")])
    rows = [["统一社会信用代码", "企业名称"], [code(1), "新名称有限公司"]] + [
        [code(i), f"企业{i}"] for i in range(2, 2500)
    ]
    f = write_csv(tmp_path / "e.csv", rows)
    before = table_snapshot(db, *ALL_TABLES)
    with pytest.raises(CancelledError):
        ImportService(db, clerk).run(f, "enterprise", task=_CancelWhenFinishing())
    assert table_snapshot(db, *ALL_TABLES) == before


def test_cancel_stops_a_long_statement_after_the_last_chunk(
    db: Database, clerk: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for the index builds that follow the last chunk of a large load: one statement that
    # would run for a minute. Cancel must stop it, not wait for it.
    from sqlalchemy import text

    from gxq_desktop.services.importing import handlers

    long_sql = (
        "SELECT pg_sleep(60)"
        if db.engine.dialect.name == "postgresql"
        else "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000000000) "
        "SELECT count(*) FROM c"
    )
    task = TaskState()
    finish = handlers.EnterpriseHandler.finish

    def slow_finish(self: handlers.EnterpriseHandler) -> None:
        finish(self)
        threading.Timer(0.5, task.cancel).start()
        self.ctx.session.execute(text(long_sql))

    monkeypatch.setattr(handlers.EnterpriseHandler, "finish", slow_finish)
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"企业{i}"] for i in range(1, 300)]
    f = write_csv(tmp_path / "e.csv", rows)
    before = table_snapshot(db, *ALL_TABLES)
    started = time.monotonic()
    with pytest.raises(CancelledError) as caught:
        ImportService(db, clerk).run(f, "enterprise", task=task)
    assert time.monotonic() - started < 30
    assert caught.value.__cause__ is not None  # the statement was stopped, not waited for
    assert "interrupt" in str(caught.value.__cause__) or "cancel" in str(caught.value.__cause__)
    assert table_snapshot(db, *ALL_TABLES) == before
    # The connection goes back to the pool usable: the next import works.
    monkeypatch.setattr(handlers.EnterpriseHandler, "finish", finish)
    assert ImportService(db, clerk).run(f, "enterprise", task=TaskState()).inserted == 299


def test_imported_enterprises_are_found_by_search_and_gone_after_undo(
    db: Database, head: Actor, tmp_path: Path
) -> None:
    from gxq_desktop.services.search import SearchQuery, SearchService

    add_enterprises(db, [(code(1), "西安旧名称有限公司")])
    rows = [["统一社会信用代码", "企业名称", "法定代表人"], [code(1), "西安秦岭新名称有限公司", "张三"]]
    rows += [[code(i), f"西安雁塔第{i}号商贸有限公司", "李四"] for i in range(2, 4600)]  # three chunks
    r = ImportService(db, head).run(write_csv(tmp_path / "e.csv", rows), "enterprise")
    assert (r.inserted, r.updated) == (4598, 1)
    search = SearchService(db, head)

    def names(text: str) -> set[str]:
        return {e.name for e in search.search(SearchQuery(text), page_size=200).rows}

    assert names("第4599号") == {"西安雁塔第4599号商贸有限公司"}  # a row of the last chunk
    assert names("第2号商贸") == {"西安雁塔第2号商贸有限公司"}  # a row of the first chunk
    assert names("秦岭") == {"西安秦岭新名称有限公司"}  # two characters: the one-character index
    assert names("旧名称") == {"西安秦岭新名称有限公司"}  # the former name
    assert {e.name for e in search.search(SearchQuery(code(3000)[-8:])).rows} == {
        "西安雁塔第3000号商贸有限公司"
    }
    ImportService(db, head).undo(r.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    assert names("第4599号") == set() and names("秦岭") == set()
    assert names("旧名称") == {"西安旧名称有限公司"}


def test_registration_number_of_another_uscc_is_an_error(db: Database, clerk: Actor, tmp_path: Path) -> None:
    add_enterprises(db, [(code(1), "甲有限公司")], reg_nos={"甲有限公司": "610131100012345"})
    f = write_csv(
        tmp_path / "a.csv",
        [["统一社会信用代码", "注册号", "企业名称"], [code(2), "610131100012345", "乙有限公司"]],
    )
    pv = ImportService(db, clerk).preview(f, "enterprise")
    assert pv.error_rows == 1 and code(1) in pv.problems[0].message
