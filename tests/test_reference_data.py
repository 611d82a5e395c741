"""Reference data: departments, legal library, checklist with legal references, calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AuditEvent,
    CalendarDay,
    Department,
    InspectionItem,
    Law,
    LawArticle,
    LegalReference,
)
from gxq_desktop.domain import reference
from gxq_desktop.domain.laws import parse_legal_basis
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import PermissionDenied
from gxq_desktop.services.reference_data import DEPARTMENTS, install_reference_data, resolve_citations

pytestmark = pytest.mark.db


def _snapshot(db: Database) -> dict[str, Any]:
    with db.session() as s:
        return {
            "departments": sorted(s.execute(select(Department.id, Department.code, Department.name)).all()),
            "laws": sorted(
                s.execute(select(Law.id, Law.short_title, Law.effective_on, Law.superseded_on)).all()
            ),
            "articles": s.scalar(select(func.count()).select_from(LawArticle)),
            "article_ids": s.scalar(select(func.sum(LawArticle.id))),
            "items": sorted(
                s.execute(
                    select(InspectionItem.id, InspectionItem.name, InspectionItem.version, InspectionItem.era)
                ).all()
            ),
            "refs": sorted(
                s.execute(
                    select(
                        LegalReference.id,
                        LegalReference.item_id,
                        LegalReference.raw_text,
                        LegalReference.resolved,
                    )
                ).all()
            ),
            "calendar": s.scalar(select(func.count()).select_from(CalendarDay)),
        }


def test_install_is_idempotent(db: Database, admin: Actor) -> None:
    first = install_reference_data(db, admin)
    assert first.departments == 22 and first.departments_added == 22
    assert first.laws == 38 and first.laws_added == 38
    assert first.inspection_items == 94 and first.items_added == 94
    assert first.calendar_days > 500
    before = _snapshot(db)
    second = install_reference_data(db, admin)
    assert not second.changed
    assert second.departments_added == second.laws_added == second.items_added == 0
    assert second.items_updated == second.articles_changed == second.calendar_added == 0
    assert _snapshot(db) == before  # same rows, same ids, same versions
    with db.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "reference.install")).all()
    assert len(events) == 2 and events[0].username == "admin"


def test_departments(db: Database, admin: Actor) -> None:
    install_reference_data(db, admin)
    with db.session() as s:
        deps = {d.code: d for d in s.scalars(select(Department))}
    assert len(deps) == len(DEPARTMENTS) == 22
    assert deps["SJJ"].short_name == "市场监管局"
    assert DEPARTMENTS[0][0] == "SJJ"
    assert "人民法院" in deps["FY"].name and deps["SWJ"].short_name == "税务局"


def test_items_have_resolved_and_unresolved_references(db: Database, admin: Actor) -> None:
    summary = install_reference_data(db, admin)
    assert summary.references_resolved > 50 and summary.references_unresolved > 50
    with db.session() as s:
        item = s.scalar(
            select(InspectionItem).where(InspectionItem.name == "营业执照（登记证）规范使用情况的检查")
        )
        assert item is not None
        refs = item.references
        assert item.item_kind == "一般检查事项"
        first = refs[0]
        assert (first.law_title, first.article_label, first.article_number, first.resolved) == (
            "中华人民共和国市场主体登记管理条例",
            "第三十六条",
            36,
            True,
        )
        law = s.get(Law, first.law_id)
        assert law is not None and law.short_title == "市场主体登记管理条例"
        assert any(r.article_label == "第三十七条第一款" and r.resolved for r in refs)
        # 实施细则 and 外国企业常驻代表机构登记管理条例 are in the library; all of this item resolves.
        assert all(r.resolved for r in refs), [r.raw_text for r in refs if not r.resolved]

        # The 2019 basis cites repealed regulations: kept as text, flagged, never dropped.
        old = s.scalar(select(InspectionItem).where(InspectionItem.name.like("%2019年版依据%")))
        assert old is not None and old.era is not None and old.era.startswith("2019")
        unresolved = [r for r in old.references if not r.resolved]
        assert any(r.law_title == "公司登记管理条例" and r.law_id is None for r in unresolved)
        assert any(r.law_title == "电子商务法" and r.resolved for r in old.references)

        # An article number the library's law does not have: law found, article not → unresolved.
        rows = resolve_citations(
            s, parse_legal_basis("《行政处罚法》第四十二条、第九十九条"), dt.date(2026, 11, 28)
        )
        assert [(r.article_number, r.resolved, r.law_id is not None) for r in rows] == [
            (42, True, True),
            (99, False, True),
        ]
        # Citations without an article stay unresolved but keep the law link when known.
        food = s.scalar(select(InspectionItem).where(InspectionItem.name == "食品销售单位证后监管"))
        assert food is not None and len(food.references) == 1
        ref = food.references[0]
        assert ref.raw_text == "《食品安全法》相关规定" and not ref.resolved and ref.law_id is not None

        # Items whose source did not capture a legal basis have no references and no fake text.
        missing = s.scalar(select(InspectionItem).where(InspectionItem.name == "注册资本实缴情况的检查"))
        assert missing is not None and missing.legal_basis is None and missing.references == []

        total = s.scalar(select(func.count()).select_from(LegalReference))
        assert total == summary.legal_references


def test_items_keep_era_and_qualifications(db: Database, admin: Actor) -> None:
    install_reference_data(db, admin)
    with db.session() as s:
        items = {i.name: i for i in s.scalars(select(InspectionItem))}
    assert len(items) == 94
    assert items["特种设备使用单位监督检查"].required_qualification == "特种设备安全监察员"
    assert items["药品零售企业GSP检查"].required_qualification == "药品检查员"
    assert items["对第二类医疗器械经营企业的日常检查"].required_qualification == "药品检查员"
    assert items["名称规范使用情况的检查"].required_qualification is None
    eras = {i.era for i in items.values()}
    assert "2017 (Zhejiang; laws since revised)" in eras and "2023" in eras
    assert sum(1 for i in items.values() if i.era and i.era.startswith("2017")) == 75
    assert all(i.department_id is not None for i in items.values())


def test_clerk_may_not_install(db: Database, actors: dict[Role, Actor]) -> None:
    for role in (Role.CLERK, Role.INSPECTOR, Role.SECTION_HEAD):
        with pytest.raises(PermissionDenied) as exc:
            install_reference_data(db, actors[role])
        assert "系统设置" in exc.value.message
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 0
        assert s.scalar(select(func.count()).select_from(Law)) == 0


def test_reference_tables_are_read_from_the_shipped_csv() -> None:
    codes = {e.code: e for e in reference.result_categories()}
    assert codes["1"].text == "未发现问题"
    assert codes["E"].text == "发现问题经责令已改正"
    assert codes["B"].parent == "2" and codes["2"].parent == "A"
    assert [e.text for e in reference.check_methods()][:2] == ["实地检查", "书面检查"]
    assert reference.result_text("8") == "不配合检查情节严重"
    reasons = reference.abnormal_listing_reasons("企业")
    assert [r.short_name for r in reasons] == ["未按时年报", "未在责令期限内公示", "公示信息虚假", "查无下落"]
    assert reference.abnormal_removal_reasons("企业")[0].short_name == "已补报年度报告"
    assert len(reference.industry_sections()) == 20 and len(reference.industry_divisions()) == 97
