"""Searches with filters only: exactly the enterprises a plain reference selects, on SQLite and
PostgreSQL (through the filter keys of ``db.search_index``), before and after every kind of write — ORM
edits, Core bulk updates, multi-row inserts of records, removals, deletes, an import and its undo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update

from gxq_desktop.db import search_index
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    Enterprise,
    License,
    ListEntry,
    PartyOrganization,
    SeriousViolation,
)
from gxq_desktop.domain.enums import EnterpriseStatus, SubjectCategory
from gxq_desktop.domain.roles import Role
from gxq_desktop.services import search as search_mod
from gxq_desktop.services.context import Actor
from gxq_desktop.services.search import EnterpriseRow, SearchFilters, SearchQuery, SearchService, SortOrder

from .search_builders import add_department, add_enterprises, enterprise_row

TODAY = dt.date.today()
CATEGORIES = (
    "企业",
    "个体工商户",
    "农民专业合作社",
    "外国企业常驻代表机构",
    "其他主体",
)  # the last has no code
STATUSES = ("存续", "吊销", "注销", "迁出", "撤销", "歇业")  # 歇业: no code
SECTIONS = (None, "A", "C", "F", "I", "T", "Z")  # Z: no code
RISKS = (None, "A", "B", "C", "D")


def test_key_codes_cover_the_enums() -> None:
    """Codes are stored: every value a clerk can pick has one, and the fields have room for them."""
    for cat in SubjectCategory:
        assert search_index.key_code("category", cat.value) is not None
    for st in EnterpriseStatus:
        assert search_index.key_code("status", st.value) is not None
    for _col, _shift, width, values in search_index.KEY_FIELDS.values():
        assert len(values) < (1 << width) - 1  # the highest code means "some other value"
    fields = sorted((shift, width) for _c, shift, width, _v in search_index.KEY_FIELDS.values())
    bits = [bit for bit, _t, _c in search_index.FLAG_RECORDS.values()]
    bits += [search_index.LICENSE_BIT, search_index.SMALL_MICRO_BIT]
    assert sum(bits) == (1 << fields[0][0]) - 1 == sum(set(bits))  # flag bits are distinct, below the fields
    for (shift, width), (next_shift, _w) in itertools.pairwise(fields):
        assert shift + width == next_shift


# --------------------------------------------------------------------------- a random district


def _date(rng: random.Random, start: int = 2000, end: int = 2026) -> dt.date:
    return dt.date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def _enterprise(rng: random.Random, i: int) -> dict[str, Any]:
    return enterprise_row(
        f"西安测试{i}号有限公司",
        subject_category=rng.choice(CATEGORIES),
        subject_type=rng.choice(("有限责任公司", "个体工商户", None)),
        status=rng.choice(STATUSES),
        industry_section=rng.choice(SECTIONS),
        risk_class=rng.choice(RISKS),
        is_small_micro=rng.random() < 0.4,
        established_on=None if rng.random() < 0.1 else _date(rng),
    )


def _records(rng: random.Random, ids: list[int], dept: int, n: int) -> dict[type[Any], list[dict[str, Any]]]:
    """Records for random enterprises: some in force, some removed, licences valid, expired or revoked."""
    out: dict[type[Any], list[dict[str, Any]]] = {}
    for _ in range(n):
        eid = rng.choice(ids)
        removed = _date(rng, 2024) if rng.random() < 0.3 else None
        kind = rng.choice(("abnormal", "serious", "list", "party", "license"))
        if kind == "abnormal":
            row: dict[str, Any] = {"list_reason": "未按规定报送年度报告", "listed_on": _date(rng, 2020, 2023)}
            out.setdefault(AbnormalListing, []).append({**row, "removed_on": removed, "enterprise_id": eid})
        elif kind == "serious":
            row = {"reason": "提交虚假材料", "listed_on": _date(rng, 2020, 2023), "removed_on": removed}
            out.setdefault(SeriousViolation, []).append({**row, "enterprise_id": eid})
        elif kind == "list":
            row = {"kind": rng.choice(("black", "red", "judgment_debtor")), "list_name": "名单"}
            out.setdefault(ListEntry, []).append({**row, "removed_on": removed, "enterprise_id": eid})
        elif kind == "party":
            out.setdefault(PartyOrganization, []).append({"org_name": "党支部", "enterprise_id": eid})
        else:
            until = rng.choice((None, TODAY, TODAY - dt.timedelta(days=1), _date(rng, 2020, 2030)))
            row = {"license_no": f"JY{rng.randint(0, 10**9)}", "name": "食品经营许可证", "valid_until": until}
            status = rng.choice(("有效", "有效", "注销"))
            out.setdefault(License, []).append({**row, "status": status, "enterprise_id": eid})
    for rows in out.values():
        for r in rows:
            r["department_id"] = dept
    return out


def _insert_records(db: Database, records: dict[type[Any], list[dict[str, Any]]]) -> None:
    with db.transaction() as s:  # multi-row INSERT statements, as the import writes
        for model, rows in records.items():
            s.execute(insert(model), rows)


@pytest.fixture
def town(db: Database) -> list[int]:
    rng = random.Random(7)
    ids = add_enterprises(db, [_enterprise(rng, i) for i in range(240)])
    _insert_records(db, _records(rng, ids, add_department(db), 300))
    return ids


@pytest.fixture
def svc(db: Database) -> SearchService:
    return SearchService(db, Actor(None, "t", "t", Role.ADMIN))


# --------------------------------------------------------------------------- the reference


def flag_holders(db: Database) -> dict[str, set[int]]:
    """Per flag filter, the enterprises holding such a record in force (plain queries of the records)."""
    with db.session() as s:

        def holders(model: Any, *extra: Any) -> set[int]:
            t = model.__table__.c
            conds = [t.removed_on.is_(None)] if "removed_on" in t else []
            return {int(i) for i in s.scalars(select(t.enterprise_id).where(*conds, *extra))}

        le = ListEntry.__table__.c
        lic = License.__table__.c
        flags = {
            "abnormal": holders(AbnormalListing),
            "serious_violation": holders(SeriousViolation),
            "blacklist": holders(ListEntry, le.kind == "black"),
            "redlist": holders(ListEntry, le.kind == "red"),
            "judgment_debtor": holders(ListEntry, le.kind == "judgment_debtor"),
            "party_org": holders(PartyOrganization),
            "licensed": holders(
                License, lic.status == "有效", (lic.valid_until.is_(None)) | (lic.valid_until >= TODAY)
            ),
            "inspected_within_year": set(),  # (no inspections here)
        }
    return flags


def reference(db: Database, f: SearchFilters) -> set[int]:
    """The matching ids, decided in Python from the rows (no index, no search code)."""
    with db.session() as s:
        e = Enterprise.__table__.c
        ents = s.execute(select(e.id, e.subject_category, e.subject_type, e.industry_section, e.status,
                                e.established_on, e.risk_class, e.is_small_micro)).all()  # fmt: skip
    flags = flag_holders(db)
    out = set()
    for r in ents:
        ok = (
            (f.subject_category is None or r.subject_category == f.subject_category)
            and (f.subject_type is None or r.subject_type == f.subject_type)
            and (f.industry_section is None or r.industry_section == f.industry_section)
            and (not f.statuses or r.status in f.statuses)
            and (not f.risk_classes or r.risk_class in f.risk_classes)
            and (not f.small_micro or r.is_small_micro)
            and (f.established_from is None or (r.established_on is not None and r.established_on >= f.established_from))
            and (f.established_to is None or (r.established_on is not None and r.established_on <= f.established_to))
            and all(r.id in ids for key, ids in flags.items() if getattr(f, key))
        )  # fmt: skip
        if ok:
            out.add(int(r.id))
    return out


def _choices(rng: random.Random) -> list[dict[str, Any]]:
    y = rng.randint(2000, 2024)
    return [
        {"subject_category": rng.choice(CATEGORIES)},
        {"subject_type": "个体工商户"},
        {"industry_section": rng.choice([s for s in SECTIONS if s])},
        {"statuses": tuple(rng.sample(STATUSES, rng.choice((1, 1, 2))))},
        {"risk_classes": tuple(rng.sample(("A", "B", "C", "D"), rng.choice((1, 2))))},
        {"established_from": dt.date(y, 1, 1), "established_to": dt.date(y + rng.randint(0, 6), 12, 31)},
        {"established_from": dt.date(y, 6, 1)},
        {"established_to": dt.date(y, 6, 1)},
        {"small_micro": True},
        {"abnormal": True},
        {"serious_violation": True},
        {"blacklist": True},
        {"redlist": True},
        {"judgment_debtor": True},
        {"party_org": True},
        {"licensed": True},
        {"inspected_within_year": True},
    ]


def random_filters(rng: random.Random, n: int) -> list[SearchFilters]:
    out = []
    for _ in range(n):
        kw: dict[str, Any] = {}
        for choice in rng.sample(_choices(rng), rng.choice((1, 2, 2, 3, 3, 4))):
            kw.update(choice)
        out.append(SearchFilters(**kw))
    return out


def all_rows(
    svc: SearchService, f: SearchFilters, sort: SortOrder, page_size: int
) -> tuple[list[EnterpriseRow], int, bool]:
    page = svc.search(SearchQuery("", f, sort), page_size=page_size)
    rows = list(page.rows)
    cursor = page.cursor
    while cursor is not None:
        more = svc.fetch_more(cursor, page_size=page_size)
        rows += more.rows
        cursor = more.cursor
    return rows, page.total, page.total_capped


def all_ids(
    svc: SearchService, f: SearchFilters, sort: SortOrder, page_size: int
) -> tuple[list[int], int, bool]:
    rows, total, capped = all_rows(svc, f, sort, page_size)
    return [r.id for r in rows], total, capped


def check_filters(db: Database, svc: SearchService, filters: list[SearchFilters], cap: int) -> None:
    for f in filters:
        expected = reference(db, f)
        for sort in (SortOrder.RELEVANCE, SortOrder.DATE):
            ids, total, capped = all_ids(svc, f, sort, page_size=7)
            assert len(ids) == len(set(ids)), f
            assert set(ids) == expected, (f, sort)
            if len(expected) > cap:
                assert capped, f
            else:
                assert (total, capped) == (len(expected), False), f
        if len(expected) <= cap:  # a materialised list is in name order
            names = [r.name for r in svc.search(SearchQuery("", f), page_size=1000).rows]
            assert names == sorted(names), f


BADGE_FLAGS = ("abnormal", "serious_violation", "blacklist", "redlist", "judgment_debtor")


def check_badges(db: Database, svc: SearchService) -> None:
    """Every listed row's badges are the records in force (the rows read them from the filter keys
    when those exist)."""
    rows, _, capped = all_rows(svc, SearchFilters(), SortOrder.RELEVANCE, 1000)
    assert not capped and len(rows) > 50
    flags = flag_holders(db)
    assert all(flags[f] for f in BADGE_FLAGS)  # (each badge is shown somewhere)
    for f in BADGE_FLAGS:
        assert {r.id for r in rows if getattr(r, f)} == flags[f], f


def check_keys(db: Database) -> None:
    """The keys the triggers kept are those a fresh fill gives (and every key has its group)."""
    keys = f"SELECT id, fkey, established_on, license_until FROM {search_index.FILTER_KEYS} ORDER BY id"
    groups = (
        f"SELECT fkey FROM {search_index.FILTER_KEYS} EXCEPT SELECT fkey FROM {search_index.FILTER_GROUPS}"
    )
    with db.engine.begin() as conn:
        kept = conn.execute(text(keys)).all()
        assert conn.execute(text(groups)).all() == []
        search_index.create_filter_keys(conn)
        assert conn.execute(text(keys)).all() == kept
        n = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        assert len(kept) == n


# --------------------------------------------------------------------------- the tests


@pytest.mark.db
@pytest.mark.parametrize("cap", [5, 10_000])
def test_filters_only_match_the_reference(
    db: Database, svc: SearchService, town: list[int], monkeypatch: pytest.MonkeyPatch, cap: int
) -> None:
    """With a small cap the big results are walked (the path of a million rows), else listed."""
    monkeypatch.setattr(search_mod, "COUNT_CAP", cap)
    check_keys(db)
    check_filters(db, svc, random_filters(random.Random(cap), 60), cap)


@pytest.mark.db
def test_filters_follow_every_kind_of_write(db: Database, svc: SearchService, town: list[int]) -> None:
    rng = random.Random(11)
    dept = add_department(db, "西安市市场监督管理局", "SJJ2")
    with db.transaction() as s:  # ORM edits of the enterprises' own filter columns
        for eid in rng.sample(town, 30):
            ent = s.get(Enterprise, eid)
            assert ent is not None
            ent.status = rng.choice(STATUSES)
            ent.subject_category = rng.choice(CATEGORIES)
            ent.industry_section = rng.choice(SECTIONS)
            ent.risk_class = rng.choice(RISKS)
            ent.established_on = rng.choice((None, _date(rng)))
    with db.transaction() as s:  # a Core executemany update, as the 小微企业 import writes
        rows = [{"p_id": eid, "p_sm": rng.random() < 0.5} for eid in rng.sample(town, 60)]
        e = Enterprise.__table__
        assert isinstance(e, Table)
        stmt = update(e).where(e.c.id == bindparam("p_id")).values(is_small_micro=bindparam("p_sm"))
        s.execute(stmt, rows)
    _insert_records(db, _records(rng, town, dept, 80))  # more records, multi-row inserts
    with db.transaction() as s:  # removals, kind and status changes, a moved licence
        al, le, lic = AbnormalListing.__table__.c, ListEntry.__table__.c, License.__table__.c
        listed = list(s.scalars(select(al.id).where(al.removed_on.is_(None))))
        s.execute(update(AbnormalListing).where(al.id.in_(listed[::3])).values(removed_on=TODAY))
        entries = list(s.scalars(select(le.id)))
        s.execute(delete(ListEntry).where(le.id.in_(entries[::4])))
        s.execute(update(ListEntry).where(le.id.in_(entries[1::4])).values(kind="red"))
        licences = list(s.scalars(select(lic.id)))
        s.execute(update(License).where(lic.id.in_(licences[::3])).values(status="注销"))
        s.execute(
            update(License).where(lic.id.in_(licences[1::3])).values(valid_until=TODAY - dt.timedelta(days=1))
        )
        # A licence moved to another enterprise: its flag leaves the one and reaches the other.
        held = s.execute(
            select(lic.enterprise_id, func.count()).where(lic.status == "有效").group_by(lic.enterprise_id)
        ).all()
        lone = next(int(eid) for eid, n in held if n == 1)
        moved = s.scalars(select(lic.id).where(lic.enterprise_id == lone, lic.status == "有效")).one()
        without = next(i for i in town if i not in {eid for eid, _ in held})
        s.execute(update(License).where(lic.id == moved).values(enterprise_id=without))
        party = s.scalars(select(PartyOrganization)).first()
        assert party is not None
        s.delete(party)  # ORM delete of a record
    with db.transaction() as s:  # deleting enterprises takes their records along (ON DELETE CASCADE)
        s.execute(delete(Enterprise).where(Enterprise.id.in_(town[-20:])))
    add_enterprises(db, [_enterprise(rng, 1000 + i) for i in range(20)])
    check_keys(db)
    check_filters(db, svc, random_filters(random.Random(3), 50), 10_000)
    check_badges(db, svc)


@pytest.mark.db
def test_filters_after_an_import_and_its_undo(
    db: Database, svc: SearchService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from gxq_desktop.services.importing import ImportService

    from .conftest import make_user
    from .import_files import code, write_csv

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # (rejected-rows workbooks)
    imports = ImportService(db, make_user(db, Role.SECTION_HEAD))
    dept = add_department(db)
    rows = [["统一社会信用代码", "企业名称", "成立日期", "登记状态"]]
    rows += [
        [code(i), f"西安导入{i}号有限公司", f"20{10 + i % 15}-03-01", ("存续", "吊销")[i % 2]]
        for i in range(1, 61)
    ]
    ent = imports.run(write_csv(tmp_path / "e.csv", rows), "enterprise", dept)
    header = ["统一社会信用代码", "企业名称", "列入原因", "列入日期", "移出日期"]
    listed = [
        [code(i), f"西安导入{i}号有限公司", "未按规定报送年度报告", "2023-07-01", ""] for i in range(1, 61, 3)
    ]
    abn = imports.run(write_csv(tmp_path / "a.csv", [header, *listed]), "abnormal", dept)
    both = SearchFilters(statuses=("吊销",), abnormal=True)
    dated = SearchFilters(
        established_from=dt.date(2012, 1, 1), established_to=dt.date(2016, 12, 31), abnormal=True
    )
    expected = reference(db, both)
    assert expected and set(all_ids(svc, both, SortOrder.RELEVANCE, 5)[0]) == expected
    assert set(all_ids(svc, dated, SortOrder.RELEVANCE, 5)[0]) == reference(db, dated) != set()
    check_keys(db)
    imports.undo(abn.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    assert all_ids(svc, both, SortOrder.RELEVANCE, 5)[0] == [] == list(reference(db, both))
    check_keys(db)
    imports.undo(ent.batch_id, confirm_warnings=True)  # type: ignore[arg-type]
    assert all_ids(svc, SearchFilters(statuses=("吊销",), small_micro=False), SortOrder.RELEVANCE, 5)[0] == []
    check_keys(db)


@pytest.mark.db
def test_a_database_without_filter_keys_still_searches(db: Database) -> None:
    """An index built before the filter keys (or dropped by hand): the searches decide as before."""
    svc = SearchService(db, Actor(None, "t", "t", Role.ADMIN))
    rng = random.Random(5)
    ids = add_enterprises(db, [_enterprise(rng, i) for i in range(80)])
    _insert_records(db, _records(rng, ids, add_department(db), 80))
    filters = random_filters(random.Random(9), 20)
    with db.engine.begin() as conn:
        for stmt in search_index.filter_keys_drop(pg=not db.is_sqlite):
            conn.execute(text(stmt))
        assert not search_index.has_filter_keys(conn)
    check_filters(db, svc, filters, 10_000)
    check_badges(db, svc)


@pytest.mark.db
def test_filter_keys_are_used_and_exact_for_a_combination(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys path answers (not the per-id checks), and a licence counts only while valid."""
    svc = SearchService(db, Actor(None, "t", "t", Role.ADMIN))

    def per_id_checks(*_a: object) -> None:
        raise AssertionError("the filter keys should have answered")

    monkeypatch.setattr(SearchService, "_drive_filters", per_id_checks)
    rows = [enterprise_row(f"西安许可{i}号有限公司", is_small_micro=i % 2 == 0) for i in range(6)]
    ids = add_enterprises(db, rows)
    dept = add_department(db)
    lic = {"license_no": "JY1", "name": "食品经营许可证", "status": "有效", "department_id": dept}
    _insert_records(
        db,
        {
            License: [
                {**lic, "enterprise_id": ids[0], "valid_until": TODAY},
                {**lic, "enterprise_id": ids[1], "valid_until": None},
                {**lic, "enterprise_id": ids[2], "valid_until": TODAY - dt.timedelta(days=1)},
                {**lic, "enterprise_id": ids[2], "valid_until": TODAY - dt.timedelta(days=9)},
                {**lic, "enterprise_id": ids[4], "valid_until": TODAY, "status": "注销"},
            ]
        },
    )
    lite = db.is_sqlite
    plan_sql = search_mod._filter_keys_sql(SearchFilters(licensed=True, small_micro=True), TODAY, sqlite=lite)
    assert plan_sql is not None and search_index.FILTER_KEYS in plan_sql.sql
    assert ("INDEXED BY" in plan_sql.sql) == lite
    f = SearchFilters(inspected_within_year=True, small_micro=True)
    assert search_mod._filter_keys_sql(f, TODAY, sqlite=lite) is None
    f = SearchFilters(subject_category="其他主体", small_micro=True)
    assert search_mod._filter_keys_sql(f, TODAY, sqlite=lite) is None
    page = svc.search(SearchQuery("", SearchFilters(licensed=True, small_micro=True)))
    assert [r.id for r in page.rows] == [ids[0]]
    page = svc.search(SearchQuery("", SearchFilters(licensed=True, statuses=("存续",))))
    assert {r.id for r in page.rows} == {ids[0], ids[1]}
    f = dataclasses.replace(SearchFilters(licensed=True, statuses=("存续",)), licensed=False)
    assert svc.search(SearchQuery("", f)).total == 6


@pytest.mark.db
def test_keys_stay_exact_when_two_transactions_change_one_enterprises_records(db: Database) -> None:
    """PostgreSQL: a trigger that waits for another writer of the same key reads what it committed (a
    second writer must not recompute the flag from records as they were before the first committed)."""
    if db.is_sqlite:
        pytest.skip("SQLite has one writer at a time")
    [eid] = add_enterprises(db, [enterprise_row("西安并发测试有限公司")])
    row = {
        "list_reason": "未按规定报送年度报告",
        "listed_on": dt.date(2023, 7, 1),
        "department_id": add_department(db),
        "enterprise_id": eid,
    }
    _insert_records(db, {AbnormalListing: [row]})
    with db.session() as s:
        old = s.scalars(select(AbnormalListing.id)).one()
    errors: list[BaseException] = []

    def remove_the_old_listing() -> None:
        try:
            with db.engine.begin() as conn:
                conn.execute(delete(AbnormalListing).where(AbnormalListing.id == old))
        except BaseException as exc:  # (shown by the assertion below)
            errors.append(exc)

    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with db.engine.connect() as first, db.engine.connect() as watch:
        first.execute(insert(AbnormalListing), [row])  # a new listing, not committed yet
        second = threading.Thread(target=remove_the_old_listing)
        second.start()
        deadline = time.monotonic() + 10
        while not watch.execute(waiting).scalar_one() and time.monotonic() < deadline:
            watch.rollback()
            time.sleep(0.02)
        assert second.is_alive()  # the second writer waits for the first …
        first.commit()
        second.join(10)
    assert not errors and not second.is_alive()
    with db.session() as s:  # … and then saw the new listing: 经营异常 still holds
        fkey = s.scalar(text(f"SELECT fkey FROM {search_index.FILTER_KEYS} WHERE id = :i"), {"i": eid})
    assert fkey is not None and fkey & search_index.FLAG_RECORDS["abnormal"][0]
    check_keys(db)
