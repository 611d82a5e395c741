"""The database layer on both engines: attribution stamps, optimistic locking, constraints."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import AuditEvent, Department, Enterprise, Penalty
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.base import Service
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import ConflictError

from .conftest import make_user


def _enterprise(db: Database, actor: Actor) -> int:
    with db.transaction(actor.user_id) as s:
        e = Enterprise(uscc="91610131MAC9KMEQ8J", name="万森（陕西）机器人有限公司", subject_category="企业")
        s.add(e)
        s.flush()
        return e.id


def test_created_and_updated_by_are_stamped_from_the_session_actor(db: Database) -> None:
    clerk = make_user(db, Role.CLERK, "luru")
    head = make_user(db, Role.SECTION_HEAD, "kezhang")
    eid = _enterprise(db, clerk)
    with db.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        assert (e.created_by_id, e.updated_by_id, e.version) == (clerk.user_id, clerk.user_id, 1)
        created = e.created_at
        assert created.tzinfo is not None
    with db.transaction(head.user_id) as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.contact_phone = "029-88888888"
    with db.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        assert (e.created_by_id, e.updated_by_id, e.version) == (clerk.user_id, head.user_id, 2)
        assert e.updated_at >= created


def test_concurrent_edit_raises_a_clear_conflict(db: Database) -> None:
    a = make_user(db, Role.CLERK, "a")
    b = make_user(db, Role.CLERK, "b")
    eid = _enterprise(db, a)
    svc_a, svc_b = Service(db, a), Service(db, b)
    with db.session() as s:
        stale = s.get(Enterprise, eid)  # a reads …
    assert stale is not None
    with svc_b.tx() as s:  # … b saves first …
        e = s.get(Enterprise, eid)
        assert e is not None
        e.legal_rep = "李四"
    with pytest.raises(ConflictError, match="已被其他用户修改"), svc_a.tx() as s:  # … a's save is refused
        merged = s.merge(stale, load=False)
        merged.legal_rep = "张三"
    with db.session() as s:
        final = s.get(Enterprise, eid)
        assert final is not None and final.legal_rep == "李四" and final.version == 2


def test_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    actor = make_user(db, Role.CLERK)
    svc = Service(db, actor)
    with pytest.raises(IntegrityError), svc.tx() as s:
        s.add(Department(code="SJJ", name="市场监督管理局"))
        svc.audit(s, "test.add", "添加部门")
        s.flush()
        s.add(Department(code="SJJ", name="重复编码"))
        s.flush()
    with db.session() as s:
        assert s.scalars(select(Department)).all() == []
        assert s.scalars(select(AuditEvent)).all() == []


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(
            Penalty(
                enterprise_id=999_999, decision_no="西高新市监罚〔2026〕1号", decided_on=dt.date(2026, 1, 5)
            )
        )


def test_uscc_is_unique_but_may_be_missing(db: Database) -> None:
    with db.transaction() as s:
        # 个体工商户 registered before 2015 may have only a 注册号.
        s.add(
            Enterprise(
                uscc=None, reg_no="610131600012345", name="高新区张记面馆", subject_category="个体工商户"
            )
        )
        s.add(
            Enterprise(
                uscc=None, reg_no="610131600012346", name="高新区李记面馆", subject_category="个体工商户"
            )
        )
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(Enterprise(uscc="916101312206074534", name="甲", subject_category="企业"))
        s.add(Enterprise(uscc="916101312206074534", name="乙", subject_category="企业"))
        s.flush()


def test_risk_class_is_constrained(db: Database) -> None:
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(Enterprise(name="甲", subject_category="企业", risk_class="E"))
        s.flush()


def test_audit_event_records_who_what_when(db: Database) -> None:
    actor = make_user(db, Role.SECTION_HEAD, "kezhang")
    svc = Service(db, actor)
    with svc.tx() as s:
        d = Department(code="SW", name="税务局")
        s.add(d)
        svc.audit(s, "department.add", "添加部门 税务局", entity=d, details={"code": "SW"})
    with db.session() as s:
        ev = s.scalars(select(AuditEvent)).one()
        assert (ev.username, ev.user_id, ev.action, ev.entity_type) == (
            "kezhang",
            actor.user_id,
            "department.add",
            "Department",
        )
        assert ev.entity_id is not None and ev.details == {"code": "SW"}
        assert abs((dt.datetime.now(dt.UTC) - ev.at).total_seconds()) < 60
