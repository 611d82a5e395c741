"""Demo data: deterministic for a seed, valid codes, realistic proportions, working demo accounts."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    AuditEvent,
    Department,
    DrawRun,
    DrawTask,
    Enterprise,
    Inspection,
    InspectionInspector,
    InspectionItem,
    Inspector,
    PartyOrganization,
    Recusal,
    User,
)
from gxq_desktop.domain.roles import Role
from gxq_desktop.domain.search_text import pinyin_columns
from gxq_desktop.domain.uscc import check_uscc
from gxq_desktop.services.auth import AuthService
from gxq_desktop.services.dashboard import DashboardService
from gxq_desktop.services.demo_data import DEMO_USERS, generate_demo_data
from gxq_desktop.services.errors import AuthError, CancelledError, ValidationError

pytestmark = pytest.mark.db
TODAY = dt.date(2026, 11, 28)
N = 300


def _usccs(db: Database) -> list[str | None]:
    with db.session() as s:
        return list(s.scalars(select(Enterprise.uscc).order_by(Enterprise.id)))


@pytest.fixture
def demo(db: Database) -> Database:
    generate_demo_data(db, enterprises=N, seed=7, today=TODAY)
    return db


def test_deterministic_for_a_seed(demo: Database, sqlite_db: Database) -> None:
    # The same seed on another database (always SQLite here) gives the same entities in the same order.
    generate_demo_data(sqlite_db, enterprises=N, seed=7, today=TODAY)
    first, second = _usccs(demo), _usccs(sqlite_db)
    assert len(first) == N and first == second
    with demo.session() as s1, sqlite_db.session() as s2:
        names1 = list(s1.scalars(select(Enterprise.name).order_by(Enterprise.id)))
        names2 = list(s2.scalars(select(Enterprise.name).order_by(Enterprise.id)))
    assert names1 == names2


def test_another_seed_gives_other_data(sqlite_db: Database, tmp_path: Path) -> None:
    generate_demo_data(sqlite_db, enterprises=50, seed=8, today=TODAY)
    other = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    from gxq_desktop.db import migrate

    migrate.upgrade(other)
    generate_demo_data(other, enterprises=50, seed=9, today=TODAY)
    assert _usccs(sqlite_db) != _usccs(other)
    other.dispose()


def test_codes_are_valid_and_unique(demo: Database) -> None:
    with demo.session() as s:
        rows = s.execute(
            select(
                Enterprise.uscc,
                Enterprise.reg_no,
                Enterprise.org_code,
                Enterprise.subject_category,
                Enterprise.name,
            )
        ).all()
    usccs = [r.uscc for r in rows if r.uscc]
    assert len(usccs) == len(set(usccs))
    for r in rows:
        if r.uscc is None:
            # Old 个体工商户: a 15-digit 注册号 only.
            assert r.subject_category == "个体工商户"
            assert r.reg_no is not None and len(r.reg_no) == 15 and r.reg_no.isdigit()
            continue
        check = check_uscc(r.uscc)
        assert check.ok, (r.uscc, check.message)
        assert r.org_code == r.uscc[8:17]
        expected_category = {
            "企业": "1",
            "外国企业常驻代表机构": "1",
            "个体工商户": "2",
            "农民专业合作社": "3",
        }
        assert r.uscc[1] == expected_category[r.subject_category]
    regions = Counter(r.uscc[2:8] for r in rows if r.uscc)
    assert regions.most_common(1)[0][0] == "610131"
    assert regions["610131"] / sum(regions.values()) > 0.7
    assert len(regions) >= 3  # some from the city or neighbouring districts


def test_proportions_roughly_right(demo: Database) -> None:
    with demo.session() as s:
        cats = Counter(s.scalars(select(Enterprise.subject_category)))
        statuses = Counter(s.scalars(select(Enterprise.status)))
        risks = Counter(s.scalars(select(Enterprise.risk_class)))
        party = s.scalar(select(func.count()).select_from(PartyOrganization)) or 0
        abnormal = s.scalar(select(func.count()).select_from(AbnormalListing)) or 0
        no_uscc = s.scalar(select(func.count()).where(Enterprise.uscc.is_(None))) or 0
        small = s.scalar(select(func.count()).where(Enterprise.is_small_micro.is_(True))) or 0
        names = list(s.scalars(select(Enterprise.name)))
        pinyin = s.execute(select(Enterprise.name, Enterprise.name_pinyin, Enterprise.name_initials)).all()
        depts = s.scalar(select(func.count()).select_from(Department))
    assert sum(cats.values()) == N
    assert 0.5 < cats["企业"] / N < 0.75
    assert 0.25 < cats["个体工商户"] / N < 0.5
    # FACTS.md §7: 49,000 party organisations and 23,000 abnormal listings per 143,000 entities.
    assert party == round(49_000 * N / 143_000)
    assert abnormal == round(23_000 * N / 143_000)
    assert statuses["存续"] / N > 0.8
    assert 0 < no_uscc < N * 0.1
    assert small > N * 0.3
    assert set(risks) <= {"A", "B", "C", "D"} and risks["A"] > 0 and risks["C"] > 0
    assert risks["A"] + risks["B"] > N * 0.6
    assert sum(1 for n in names if n.endswith("有限公司")) > N * 0.4
    assert any(n.startswith("西安高新区") for n in names)
    for name, full, initials in pinyin:
        assert (full, initials) == pinyin_columns(name)
    assert depts == 22


def test_demo_users_can_log_in(demo: Database) -> None:
    auth = AuthService(demo)
    roles = {}
    for username, password, _role, _display, _dept in DEMO_USERS:
        actor = auth.login(username, password)
        roles[username] = actor.role
    assert roles == {
        "admin": Role.ADMIN,
        "kezhang": Role.SECTION_HEAD,
        "zhifa": Role.INSPECTOR,
        "luru": Role.CLERK,
    }
    assert DEMO_USERS[0][:2] == ("admin", "Admin@2026")
    with pytest.raises(AuthError):
        auth.login("zhifa", "wrong-password-1")


def test_workflow_data_feeds_the_dashboard(demo: Database) -> None:
    admin = AuthService(demo).login("admin", "Admin@2026")
    summary = DashboardService(demo, admin).summary(today=TODAY)
    assert summary.enterprises_total == N
    assert summary.tasks_running >= 2 and summary.tasks_draft >= 2
    assert summary.inspections_to_enter > 0 and summary.results_to_publish > 0
    assert summary.abnormal_listed > 0
    zhifa = AuthService(demo).login("zhifa", "Demo@2026")
    mine = DashboardService(demo, zhifa).summary(today=TODAY).my_inspections_to_enter
    assert mine is not None and mine > 0
    with demo.session() as s:
        statuses = set(s.scalars(select(DrawTask.status)))
        assert {"draft", "drawn", "inspecting"} <= statuses
        for run in s.scalars(select(DrawRun)):
            assert run.seed and run.object_pool == sorted(run.object_pool)
            drawn = list(s.scalars(select(Inspection.enterprise_id).where(Inspection.run_id == run.id)))
            assert len(drawn) == run.drawn_count and set(drawn) <= set(run.object_pool)
        # Every inspection has two inspectors, never one with a declared conflict.
        conflicts = {(r.inspector_id, r.enterprise_id) for r in s.scalars(select(Recusal))}
        teams = Counter(s.scalars(select(InspectionInspector.inspection_id)))
        assert set(teams.values()) == {2}
        for ii in s.scalars(select(InspectionInspector)):
            insp = s.get(Inspection, ii.inspection_id)
            assert insp is not None and (ii.inspector_id, insp.enterprise_id) not in conflicts
        inspectors = s.scalar(select(func.count()).select_from(Inspector))
        assert inspectors == 300
        assert s.scalar(select(func.count()).where(Inspector.status == "停用")) > 0
        assert s.scalar(select(func.count()).select_from(InspectionItem)) == 94
        assert s.scalar(select(func.count()).where(AuditEvent.action == "demo.generate")) == 1


def test_refuses_a_database_with_enterprises_and_keeps_users(demo: Database) -> None:
    with pytest.raises(ValidationError):
        generate_demo_data(demo, enterprises=10, seed=1, today=TODAY)
    summary = generate_demo_data(demo, enterprises=20, seed=7, today=TODAY, allow_existing=True)
    assert summary.enterprises == 20 and summary.users_created == ()
    usccs = [u for u in _usccs(demo) if u]
    assert len(usccs) == len(set(usccs))
    with demo.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 4
        assert s.scalar(select(func.count()).select_from(Enterprise)) == N + 20
    # Ids were written explicitly: an ordinary insert afterwards must still get a fresh id (PostgreSQL
    # sequence moved past them).
    with demo.transaction() as s:
        e = Enterprise(name="西安新增测试有限公司", subject_category="企业")
        s.add(e)
        s.flush()
        assert e.id > N + 20


def test_cancel_leaves_nothing(db: Database) -> None:
    calls: list[str] = []

    def cancel() -> bool:
        return len(calls) >= 3

    # Large enough for the bulk path (on SQLite the search trigger is dropped while loading).
    with pytest.raises(CancelledError):
        generate_demo_data(
            db,
            enterprises=25_000,
            seed=1,
            today=TODAY,
            progress=lambda d, t, p: calls.append(p),
            cancel=cancel,
        )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0
        assert s.scalar(select(func.count()).select_from(User)) == 0
        assert s.scalar(select(func.count()).select_from(Department)) == 0
        if db.is_sqlite:
            assert _has_fts_trigger(s)
    assert all(isinstance(p, str) and p for p in calls)


def _has_fts_trigger(s: Session) -> bool:
    sql = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'enterprise_fts_ai'"
    return bool(s.scalar(text(sql)))


def _fts_ids(s: Session, phrase: str) -> set[int]:
    query = text("SELECT rowid FROM enterprise_fts_tri WHERE enterprise_fts_tri MATCH :q")
    return set(s.scalars(query, {"q": '"' + phrase.replace('"', "") + '"'}))


def test_bulk_load_keeps_the_search_index_complete(sqlite_db: Database) -> None:
    n = 21_000  # above the bulk threshold: trigger dropped while loading, index refilled in one pass
    generate_demo_data(sqlite_db, enterprises=n, seed=5, today=TODAY)
    rng = random.Random(1)
    with sqlite_db.session() as s:
        assert _has_fts_trigger(s)
        for ent_id in rng.sample(range(1, n + 1), 25):
            name = s.scalar(select(Enterprise.name).where(Enterprise.id == ent_id))
            assert name is not None
            assert ent_id in _fts_ids(s, name[2:6]), (ent_id, name)
        # The trigger is back: a later insert is indexed as usual.
        e = Enterprise(name="西安麒麟阁测试有限公司", subject_category="企业")
        s.add(e)
        s.flush()
        assert e.id in _fts_ids(s, "麒麟阁")
        s.rollback()


@pytest.mark.db
def test_bulk_demo_load_leaves_the_search_index_and_filter_keys_as_they_were(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large demo load drops the search index's insert trigger (SQLite) and the filter keys and builds
    them again at the end: every trigger and index is back, and the keys answer for every enterprise."""
    from gxq_desktop.db import search_index
    from gxq_desktop.services import demo_data
    from gxq_desktop.services.context import Actor
    from gxq_desktop.services.search import SearchFilters, SearchQuery, SearchService

    from .test_import_bulk import _schema
    from .test_search_filter_keys import check_keys

    def schema() -> list[Any]:  # every trigger and index (ANALYZE adds sqlite_stat1: not compared)
        if not db.is_sqlite:
            return _schema(db)
        with db.session() as s:
            sql = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY name"
            return list(s.execute(text(sql)).all())

    monkeypatch.setattr(demo_data, "BULK_INDEX_THRESHOLD", 50)  # this small load takes the bulk path
    before = schema()
    calls: list[str] = []
    with pytest.raises(CancelledError):  # a cancelled load leaves every trigger and index as it was
        generate_demo_data(
            db,
            enterprises=120,
            seed=9,
            today=TODAY,
            progress=lambda d, t, p: calls.append(p),
            cancel=lambda: bool(calls),
        )
    assert calls and schema() == before
    generate_demo_data(db, enterprises=120, seed=9, today=TODAY)
    assert schema() == before
    with db.session() as s:
        keys = s.scalar(text(f"SELECT count(*) FROM {search_index.FILTER_KEYS}"))
        assert keys == s.scalar(select(func.count()).select_from(Enterprise)) == 120
        listed = set(
            s.scalars(select(AbnormalListing.enterprise_id).where(AbnormalListing.removed_on.is_(None)))
        )
    check_keys(db)
    svc = SearchService(db, Actor(None, "t", "t", Role.ADMIN))
    page = svc.search(SearchQuery(filters=SearchFilters(abnormal=True)), page_size=200)
    assert listed and {r.id for r in page.rows} == listed
