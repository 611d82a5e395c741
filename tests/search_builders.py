"""Builders for search, profile and export tests: a small district with known names and records."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import insert

from gxq_desktop.db.base import utcnow
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    Department,
    Enterprise,
    License,
    ListEntry,
    PartyOrganization,
    SeriousViolation,
)
from gxq_desktop.domain.search_text import pinyin_columns
from gxq_desktop.domain.uscc import make_uscc

_org = itertools.count(10_000_001)


def new_uscc() -> str:
    return make_uscc("610131", f"{next(_org):08d}")


def enterprise_row(name: str, **kw: Any) -> dict[str, Any]:
    full, initials = pinyin_columns(name)
    now = utcnow()
    row: dict[str, Any] = {
        "uscc": new_uscc(),
        "name": name,
        "subject_category": "企业",
        "subject_type": "有限责任公司",
        "status": "存续",
        "legal_rep": "李明",
        "legal_rep_id_no": "610113198001011234",
        "address": "陕西省西安市高新区锦业路1号",
        "business_scope": "技术服务",
        "industry_section": "I",
        "established_on": dt.date(2020, 1, 1),
        "is_small_micro": False,
        "name_pinyin": full,
        "name_initials": initials,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    row.update(kw)
    return row


def add_enterprises(db: Database, rows: list[dict[str, Any]]) -> list[int]:
    """Core bulk insert (the way demo data and imports write), returning the new ids in order."""
    ids = []
    with db.transaction() as s:
        for row in rows:
            ids.append(int(s.execute(insert(Enterprise).values(**row).returning(Enterprise.id)).scalar_one()))
    return ids


def add_department(db: Database, name: str = "西安市市场监督管理局高新区分局", code: str = "SJJ") -> int:
    with db.transaction() as s:
        d = Department(code=code, name=name, short_name=name[-6:])
        s.add(d)
        s.flush()
        return d.id


def add_records(db: Database, enterprise_id: int, dept_id: int | None, **kinds: bool) -> None:
    """Give an enterprise records that set its flags (abnormal, serious, black, red, debtor, party, licence)."""
    today = dt.date.today()
    with db.transaction() as s:
        if kinds.get("abnormal"):
            s.add(
                AbnormalListing(
                    enterprise_id=enterprise_id,
                    department_id=dept_id,
                    list_reason="未按规定报送年度报告",
                    listed_on=today - dt.timedelta(days=100),
                    listing_authority="西安市市场监督管理局高新区分局",
                )
            )
        if kinds.get("serious"):
            s.add(
                SeriousViolation(
                    enterprise_id=enterprise_id,
                    department_id=dept_id,
                    reason="提交虚假材料取得登记",
                    listed_on=today - dt.timedelta(days=30),
                )
            )
        for key, kind in (("black", "black"), ("red", "red"), ("debtor", "judgment_debtor")):
            if kinds.get(key):
                s.add(
                    ListEntry(
                        enterprise_id=enterprise_id,
                        department_id=dept_id,
                        kind=kind,
                        list_name={
                            "black": "黑名单",
                            "red": "守信红名单",
                            "judgment_debtor": "失信被执行人名单",
                        }[kind],
                        listed_on=today - dt.timedelta(days=10),
                    )
                )
        if kinds.get("party"):
            s.add(PartyOrganization(enterprise_id=enterprise_id, department_id=dept_id, org_name="党支部"))
        if kinds.get("license"):
            s.add(
                License(
                    enterprise_id=enterprise_id,
                    department_id=dept_id,
                    license_no="JY16101310000001",
                    name="食品经营许可证",
                    valid_from=today - dt.timedelta(days=365),
                    valid_until=today + dt.timedelta(days=365),
                    authority="西安市市场监督管理局高新区分局",
                )
            )
