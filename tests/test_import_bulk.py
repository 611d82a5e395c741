"""The import's fast write paths on SQLite: multi-row inserts and the one-character search table filled
from Python must give exactly what the plain SQL would give."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from gxq_desktop.db import models as m
from gxq_desktop.db import search_index
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.errors import CancelledError
from gxq_desktop.services.context import Actor
from gxq_desktop.services.importing import ImportService, handlers
from gxq_desktop.services.importing.bulk import (
    BulkInserter,
    DeferredIndexes,
    PreparedRows,
    sqlite_insert_many,
)
from gxq_desktop.services.importing.search_sync import BULK_SETTINGS, spaced
from gxq_desktop.services.search import SearchQuery, SearchService

from .conftest import make_user
from .import_files import CancelAfter, add_enterprises, code, make_departments, write_csv

ODD_TEXTS = [
    None,
    "",
    "秦",
    "秦岭",
    "西安 高新  区",
    " 前后空格 ",
    "Ａｂｃ１２３",
    "e\u0301clair（分公司）",
    "😀表情🏯",
    "制表\t换行\n",
    "前\x00后",
    "\x00开头",
    "长" * 1005 + "尾",
]


def _sql_spaced(conn: sqlite3.Connection, value: str | None) -> str | None:
    # The exact expression the index's triggers and populate statements use.
    expr = search_index.chars_sql(":v")
    result = conn.execute(f"SELECT {expr}", {"v": value}).fetchone()[0]
    return None if result is None else str(result)


def test_spaced_text_is_what_the_index_sql_builds(sqlite_db: Database) -> None:
    raw = sqlite_db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        for value in ODD_TEXTS:
            assert spaced(value) == _sql_spaced(conn, value), repr(value)
    finally:
        raw.close()


def _vocab(conn: sqlite3.Connection, schema: str, table: str) -> set[tuple[object, ...]]:
    name = f"v_{schema}_{table}"
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{name} USING fts5vocab({schema}, {table}, 'instance')"
    )
    return set(conn.execute(f"SELECT * FROM temp.{name}").fetchall())


@pytest.fixture
def head(sqlite_db: Database) -> Actor:
    return make_user(sqlite_db, Role.SECTION_HEAD)


# 1000: filled several times on the way; 599: the last chunk (599 rows) fills the tables itself.
@pytest.mark.parametrize("index_every", [1000, 599, handlers.INDEX_EVERY])
def test_search_index_of_an_import_equals_the_sql_one_and_undo_empties_it(
    sqlite_db: Database, head: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_every: int
) -> None:
    monkeypatch.setattr(handlers, "INDEX_EVERY", index_every)
    # Names and representatives have length limits and no control characters; former names may be long.
    texts = [t or "" for t in ODD_TEXTS if t is None or (len(t) < 40 and t.isprintable())]
    rows: list[list[Any]] = [["统一社会信用代码", "企业名称", "法定代表人", "曾用名", "住所", "经营范围"]]
    for i in range(1, 4600):  # three chunks, several statements each
        t = texts[i % len(texts)]
        rows.append(
            [code(i), f"西安{t}第{i}号有限公司", texts[-i % len(texts)], "", f"{t}路{i}号", f"{t}服务"]
        )
    rows[5][3] = "西安旧名有限公司；" + "长" * 1005 + "尾"
    result = ImportService(sqlite_db, head).run(write_csv(tmp_path / "e.csv", rows), "enterprise")
    assert result.inserted == 4599 and result.rejected == 0

    raw = sqlite_db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        for table, populate in zip(search_index.FTS_TABLES, search_index.sqlite_populate(), strict=True):
            imported = _vocab(conn, "main", table)
            # The same table built by the index's own SQL over the stored rows.
            create = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            conn.execute(create.replace(f"CREATE VIRTUAL TABLE {table}", "CREATE VIRTUAL TABLE temp.chk", 1))
            conn.execute(populate.replace(f"INSERT INTO {table} ", "INSERT INTO temp.chk ", 1))
            assert imported and imported == _vocab(conn, "temp", "chk"), table
            # The load's pending-terms limit and merge setting are back to FTS5's defaults.
            for key, (default, _bulk) in BULK_SETTINGS.items():
                value = conn.execute(f"SELECT v FROM {table}_config WHERE k = ?", (key,)).fetchone()
                assert value is None or value[0] == default, (table, key)
            conn.execute("DROP TABLE temp.v_temp_chk")
            conn.execute("DROP TABLE temp.chk")
        conn.rollback()
    finally:
        raw.close()

    ImportService(sqlite_db, head).undo(result.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    raw = sqlite_db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert isinstance(conn, sqlite3.Connection)
        # The deletes went through SQL: they removed every token the import had added.
        for table in search_index.FTS_TABLES:
            assert _vocab(conn, "main", table) == set(), table
    finally:
        raw.close()


def test_multi_row_insert_respects_a_small_parameter_limit(
    sqlite_db: Database, head: Actor, tmp_path: Path
) -> None:
    @event.listens_for(sqlite_db.engine, "connect")
    def _small_limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)  # 3 rows per statement

    sqlite_db.engine.dispose()
    rows: list[list[Any]] = [["统一社会信用代码", "企业名称"]] + [[code(i), f"企业{i}"] for i in range(1, 51)]
    result = ImportService(sqlite_db, head).run(write_csv(tmp_path / "e.csv", rows), "enterprise")
    assert result.inserted == 50
    with sqlite_db.session() as s:
        stored = s.execute(
            select(m.Enterprise.id, m.Enterprise.uscc, m.Enterprise.name).order_by(m.Enterprise.id)
        )
        got = [(r.uscc, r.name) for r in stored]
    assert got == [(code(i), f"企业{i}") for i in range(1, 51)]


def test_sqlite_insert_many_keeps_order_and_values() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 5)  # two rows of two values per statement
    rows = [("x", 1), (None, 2.5), ("'; DROP TABLE t; --", None), ("秦岭", 4), ("last", 5)]
    assert sqlite_insert_many(conn, "t", "a, b", 2, rows) == (1, 5)
    assert conn.execute("SELECT id, a, b FROM t ORDER BY id").fetchall() == [
        (i, a, b) for i, (a, b) in enumerate(rows, start=1)
    ]
    assert sqlite_insert_many(conn, "t", "a, b", 2, []) is None
    conn.execute("INSERT INTO t (id, a) VALUES (100, 'far')")
    assert sqlite_insert_many(conn, "t", "a, b", 2, rows[:3]) == (101, 103)


def test_sqlite_insert_many_binds_shared_values_once_per_statement() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b TEXT, c INTEGER, d)")
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    # Two shared values and two per-row ones: with the limit at 8, three rows fit one statement.
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 8)
    rows = [("x", 1), (None, 2.5), ("'; DROP TABLE t; --", None), ("秦岭", 4), ("last", b"\x00")]
    shared = [("b", "共同"), ("d", None)]
    assert sqlite_insert_many(conn, "t", "a, c", 2, rows, shared) == (1, 5)
    inserts = [st for st in statements if st.startswith("INSERT")]
    assert len(inserts) == 2
    assert all("'共同'" in st and st.count("'共同'") == 1 for st in inserts)
    got = conn.execute("SELECT id, a, typeof(a), b, c, typeof(c), d FROM t ORDER BY id").fetchall()
    assert got == [
        (
            i,
            a,
            {str: "text", int: "integer", float: "real", bytes: "blob"}.get(type(a), "null"),
            "共同",
            c,
            {int: "integer", float: "real", bytes: "blob"}.get(type(c), "null"),
            None,
        )
        for i, (a, c) in enumerate(rows, start=1)
    ]


def _inserter(columns: list[str]) -> tuple[BulkInserter, Any]:
    from sqlalchemy import Column, Integer, MetaData, Table, create_engine
    from sqlalchemy import Text as TextType
    from sqlalchemy.orm import Session

    table = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), *(Column(c, TextType) for c in columns)
    )
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    session = Session(engine)
    return BulkInserter(session, table, columns), session


def test_prepared_rows_set_apart_only_the_very_same_object_in_every_row() -> None:
    inserter, session = _inserter(["a", "b", "c", "d"])
    audit = "2026-11-29 10:00:00"
    same_value = "存续"
    rows = [[f"v{i}", audit, 1 if i % 2 else True, None] for i in range(6)]
    rows[3][1] = "".join(["2026-11-29 ", "10:00:00"])  # equal to the others, another object
    ready = inserter.prepare(rows)
    assert ready.constants == ((3, None),)  # b varies by object, c by type (1 and True), a by value
    assert ready.columns == (0, 1, 2)
    rows = [[f"v{i}", audit, same_value, None] for i in range(6)]
    ready = inserter.prepare(rows)
    assert ready.constants == ((1, audit), (2, same_value), (3, None))
    assert [list(r) for r in ready.rows] == [[f"v{i}"] for i in range(6)]
    assert inserter.insert(ready) == (1, 6)
    stored = session.execute(text("SELECT a, b, c, typeof(d) FROM t ORDER BY id")).all()
    assert [tuple(r) for r in stored] == [(f"v{i}", audit, same_value, "null") for i in range(6)]
    session.rollback()


def test_prepared_rows_keep_one_column_when_every_column_is_shared() -> None:
    inserter, session = _inserter(["a", "b"])
    rows = [["同", None]] * 3
    ready = inserter.prepare(rows)
    assert isinstance(ready, PreparedRows)
    assert ready.columns == (0,) and ready.constants == ((1, None),)
    assert inserter.insert(ready) == (1, 3)
    assert session.execute(text("SELECT count(*) FROM t WHERE a = '同' AND b IS NULL")).scalar_one() == 3
    session.rollback()


def test_sqlite_insert_many_reports_ids_that_are_not_consecutive() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
    # Between two statements another row takes the next id (here through a trigger).
    conn.execute(
        "CREATE TRIGGER t_ai AFTER INSERT ON t WHEN new.a = 'jump' BEGIN "
        "INSERT INTO t (id, a) VALUES (new.id + 1000, 'other'); END"
    )
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 4)  # two rows per statement
    rows = [("a", 1), ("jump", 2), ("c", 3), ("d", 4)]
    assert sqlite_insert_many(conn, "t", "a, b", 2, rows) is None
    assert [r[0] for r in conn.execute("SELECT a FROM t WHERE a != 'other' ORDER BY id")] == [
        "a",
        "jump",
        "c",
        "d",
    ]


def _schema(db: Database) -> list[tuple[str, str]]:
    """Every schema object's definition (PostgreSQL: the indexes of the enterprise table and of the filter
    keys, and every trigger with its state and function)."""
    sql = (
        "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        if db.is_sqlite
        else "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('enterprises', "
        f"'{search_index.FILTER_KEYS}') UNION ALL SELECT t.tgname, pg_get_triggerdef(t.oid) || CAST(t.tgenabled AS text) "
        "|| f.prosrc FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid WHERE NOT t.tgisinternal ORDER BY 1"
    )
    with db.session() as s:
        rows = s.execute(text(sql)).all()
    return [(str(n), str(q)) for n, q in rows]


def _keys_follow_inserts(db: Database) -> None:
    """The filter keys' insert trigger works again after a load (PostgreSQL: in a new transaction the
    load's setting is gone), and the keys are exact."""
    from .test_search_filter_keys import check_keys

    name = "装入之后新增有限公司"
    eid = add_enterprises(db, [(code(99999), name)])[name]
    with db.session() as s:
        found = s.scalar(text(f"SELECT count(*) FROM {search_index.FILTER_KEYS} WHERE id = :i"), {"i": eid})
        if not db.is_sqlite:
            assert s.scalar(text(f"SELECT current_setting('{search_index.PG_LOAD_SETTING}', true)")) in (
                None,
                "",
            )
    assert found == 1
    check_keys(db)


def test_large_load_defers_secondary_indexes_and_builds_them_again(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = make_user(db, Role.SECTION_HEAD)
    monkeypatch.setattr(DeferredIndexes, "MIN_ROWS", 1000)
    dropped: list[list[str]] = []  # per call: what was dropped (enterprises; SQLite: then the filter keys)
    real = DeferredIndexes.defer_if_worth_it

    def spy(self: DeferredIndexes, expected: int) -> bool:
        done = real(self, expected)
        dropped.append(list(self.dropped))
        return done

    monkeypatch.setattr(DeferredIndexes, "defer_if_worth_it", spy)
    before = _schema(db)
    rows: list[list[Any]] = [["统一社会信用代码", "注册号", "企业名称", "法定代表人"]]
    rows += [[code(i), "", f"西安第{i}号商贸有限公司", "李四"] for i in range(1, 4001)]
    rows.append(["", "610131100012345", "注册号个体户", "王五"])
    result = ImportService(db, head).run(write_csv(tmp_path / "e.csv", rows), "enterprise")
    assert result.inserted == 4001
    names = dropped[0]
    assert any("ix_enterprises_name " in sql for sql in names)  # dropped during the load …
    assert not any("ix_enterprises_reg_no " in sql for sql in names)  # … but not the lookup's index,
    for kept in ("ix_enterprises_status ", "ix_enterprises_search_id_name "):  # nor those cheap to keep
        assert not any(kept in sql for sql in names), kept
    assert len(dropped) == 2 and len(dropped[1]) == 1  # the filter keys' index too
    assert search_index.FILTER_KEYS_INDEX in dropped[1][0]
    if not db.is_sqlite:
        assert any("gxq_grams12" in sql for sql in names)  # the GIN indexes too
    assert _schema(db) == before  # … and every index (and trigger) is back, exactly as it was
    _keys_follow_inserts(db)
    with db.session() as s:
        if db.is_sqlite:
            plan = " ".join(
                str(r[-1])
                for r in s.execute(text("EXPLAIN QUERY PLAN SELECT id FROM enterprises WHERE name = 'x'"))
            )
            assert "ix_enterprises_name" in plan
            assert s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        else:  # the rebuilt GIN index answers (index scans only)
            s.execute(text("SET LOCAL enable_seqscan = off"))
            by_index = s.scalars(
                text("SELECT name FROM enterprises WHERE gxq_grams12(lower(legal_rep)) @> ARRAY['王']")
            ).all()
            assert by_index == ["注册号个体户"]
    # The search finds the loaded rows through the rebuilt indexes (1- and 4-character names).
    found = SearchService(db, head).search(SearchQuery("个体"))
    assert [h.name for h in found.rows] == ["注册号个体户"]
    assert SearchService(db, head).search(SearchQuery("第3999号")).total == 1

    # A second, small import into the now larger table keeps its indexes current instead.
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"新企业{i}"] for i in range(5001, 6201)]
    ImportService(db, head).run(write_csv(tmp_path / "f.csv", rows), "enterprise")
    assert dropped[2:] == [[], []]


def test_postgres_defers_indexes_only_for_a_first_load(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table already a tenth of the load keeps its indexes on PostgreSQL (dropping one locks out every
    reader until the import commits); SQLite still defers."""
    monkeypatch.setattr(DeferredIndexes, "MIN_ROWS", 1000)
    head = make_user(db, Role.SECTION_HEAD)
    add_enterprises(db, [(code(i), f"已有企业{i}") for i in range(1, 301)])
    dropped: list[bool] = []
    real = DeferredIndexes.defer_if_worth_it

    def spy(self: DeferredIndexes, expected: int) -> bool:
        dropped.append(real(self, expected))
        return dropped[-1]

    monkeypatch.setattr(DeferredIndexes, "defer_if_worth_it", spy)
    rows = [["统一社会信用代码", "企业名称"]] + [[code(i), f"新企业{i}"] for i in range(5001, 7001)]
    ImportService(db, head).run(write_csv(tmp_path / "f.csv", rows), "enterprise")
    assert dropped == ([True, True] if db.is_sqlite else [False, False])


def _large_load(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> tuple[Actor, Path]:
    """A section head and a file of ``n`` new enterprises, large enough (here) to set indexes aside."""
    monkeypatch.setattr(DeferredIndexes, "MIN_ROWS", 1000)
    rows: list[list[Any]] = [["统一社会信用代码", "企业名称"]] + [
        [code(i), f"企业{i}"] for i in range(1, n + 1)
    ]
    return make_user(db, Role.SECTION_HEAD), write_csv(tmp_path / "e.csv", rows)


def test_cancelled_large_load_leaves_indexes_and_rows_as_before(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head, f = _large_load(db, tmp_path, monkeypatch, 6000)
    before = _schema(db)
    with pytest.raises(CancelledError):
        ImportService(db, head).run(f, "enterprise", task=CancelAfter(2))
    assert _schema(db) == before
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 0
    _keys_follow_inserts(db)


class _CancelAtRebuild:
    """Keeps the reports; once ``at`` index rebuilds were announced, the next check cancels."""

    def __init__(self, at: int | None) -> None:
        self.at = at
        self.texts: list[str] = []

    def check(self) -> None:
        if self.at is not None and sum("正在重建索引" in t for t in self.texts) >= self.at:
            raise CancelledError()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self.texts.append(text)


def test_index_rebuilds_after_a_large_load_report_progress_and_can_be_cancelled_between(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head, f = _large_load(db, tmp_path, monkeypatch, 3000)
    before = _schema(db)
    cancelling = _CancelAtRebuild(2)  # after the second rebuild, before the third
    with pytest.raises(CancelledError):
        ImportService(db, head).run(f, "enterprise", task=cancelling)
    assert next(t for t in cancelling.texts if "正在重建索引" in t).startswith(
        "文件已读完，正在重建索引（第 1 / "
    )
    assert _schema(db) == before
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 0

    watching = _CancelAtRebuild(None)
    assert ImportService(db, head).run(f, "enterprise", task=watching).inserted == 3000
    steps = [t for t in watching.texts if "正在重建索引" in t]
    n = len(steps)
    assert n >= 2 and steps == [
        f"文件已读完，正在重建索引（第 {k} / {n} 个），请稍候……" for k in range(1, n + 1)
    ]
    assert _schema(db) == before  # every index is back


def test_interpreter_settings_are_restored_after_a_pass_even_a_failing_one() -> None:
    import gc
    import sys

    from gxq_desktop.services.importing.engine import pass_settings

    before = gc.get_threshold()
    switch = sys.getswitchinterval()
    with pass_settings():
        assert gc.get_threshold()[0] > before[0] and gc.get_freeze_count() > 0
        assert sys.getswitchinterval() < switch
        with pass_settings():  # a nested pass (preview inside an import) changes nothing
            pass
        assert gc.get_threshold()[0] > before[0] and sys.getswitchinterval() < switch
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == switch
    with pytest.raises(RuntimeError), pass_settings():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == switch


def test_rows_in_later_chunks_see_what_earlier_chunks_did(db: Database, tmp_path: Path) -> None:
    """Lookups of a chunk may run while the previous chunk is still being written (on SQLite through a
    second connection that sees the data as before the import): what earlier chunks added or changed
    must still be recognised."""

    head = make_user(db, Role.SECTION_HEAD)
    ids = add_enterprises(db, [(code(90001), "甲有限公司")], reg_nos={"甲有限公司": "610131100012345"})
    header = ["统一社会信用代码", "注册号", "企业名称"]
    rows: list[list[Any]] = [header, [code(90001), "", "甲有限公司（新名）"]]  # row 2: updates 甲
    rows += [[code(i), "", f"企业{i}"] for i in range(1, 4500)]  # rows 3 …: new, three chunks
    rows.append([code(5), "", "又是企业5"])  # the USCC of row 7, inserted two chunks earlier
    rows.append(["", "610131100012345", "甲有限公司（注册号）"])  # 甲 again, now by its 注册号
    result = ImportService(db, head).run(write_csv(tmp_path / "e.csv", rows), "enterprise")
    assert (result.inserted, result.updated, result.rejected) == (4499, 1, 2)
    messages = {p.row: p.message for p in result.problems if p.severity == "error"}
    assert "与第 7 行重复" in messages[4502]
    assert "与第 2 行是同一市场主体" in messages[4503]
    with db.session() as s:
        assert s.get(m.Enterprise, ids["甲有限公司"]).name == "甲有限公司（新名）"  # type: ignore[union-attr]
        assert s.scalar(select(m.Enterprise.name).where(m.Enterprise.uscc == code(5))) == "企业5"

    # Records: the same listing twice, far apart in one file.
    deps = make_departments(db)
    header = ["统一社会信用代码", "企业名称", "列入原因", "列入日期"]
    recs: list[list[Any]] = [header]
    recs += [[code(i), f"企业{i}", "未按规定报送年度报告", "2023-07-01"] for i in range(1, 4200)]
    recs.append([code(3), "企业3", "未按规定报送年度报告", "2023-07-01"])
    r = ImportService(db, head).run(write_csv(tmp_path / "a.csv", recs), "abnormal", deps["SJJ"])
    assert (r.inserted, r.rejected) == (4199, 1)
    [dup] = [p for p in r.problems if p.severity == "error"]
    assert dup.row == 4201 and "与第 4 行重复" in dup.message
