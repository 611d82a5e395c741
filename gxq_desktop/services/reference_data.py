"""Installing the reference data every database needs: departments, the legal library, the checklist
(一单) with its legal references, and the official working-day calendar.

``install_reference_data`` is idempotent: running it again updates rows in place and adds what is
missing, so a new program version with corrected texts can simply run it again. Administrator edits
to the calendar are never overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gxq_desktop import paths
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import CalendarDay, Department, InspectionItem, Law, LawArticle, LegalReference
from gxq_desktop.domain import laws as lawtext
from gxq_desktop.domain.enums import ItemKind
from gxq_desktop.domain.roles import Permission

from .base import Service
from .calendar import install_official_calendar
from .context import Actor

ITEMS_FILE = "inspection_items.csv"
MARKET_REGULATION_CODE = "SJJ"

# The 22 departments that hold records about the zone's enterprises (FACTS.md §7), 市场监管局 first.
# Codes are stable identifiers used by imports and tests; names follow the zone's official style.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("SJJ", "西安市市场监督管理局高新区分局", "市场监管局"),
    ("SWJ", "国家税务总局西安高新技术产业开发区税务局", "税务局"),
    ("RSJ", "西安高新区人力资源和社会保障局", "人社局"),
    ("HBJ", "西安市生态环境局高新分局", "生态环境局"),
    ("ZJJ", "西安高新区住房和建设局", "住建局"),
    ("YJJ", "西安高新区应急管理局", "应急管理局"),
    ("WJW", "西安高新区卫生健康委员会", "卫健委"),
    ("JYJ", "西安高新区教育局", "教育局"),
    ("WLJ", "西安高新区文化旅游体育局", "文旅局"),
    ("JTJ", "西安高新区交通运输局", "交通运输局"),
    ("SHJ", "西安高新区商务局", "商务局"),
    ("NYJ", "西安高新区农业农村局", "农业农村局"),
    ("ZRJ", "西安市自然资源和规划局高新分局", "自然资源局"),
    ("CGJ", "西安高新区城市管理和综合执法局", "城管局"),
    ("XFJ", "西安市消防救援支队高新区大队", "消防救援大队"),
    ("GAJ", "西安市公安局高新分局", "公安分局"),
    ("TJJ", "西安高新区统计局", "统计局"),
    ("YBJ", "西安市医疗保障局高新分局", "医保局"),
    ("CZJ", "西安高新区财政局", "财政局"),
    ("FGW", "西安高新区发展改革委员会", "发改委"),
    ("KJJ", "西安高新区科技局", "科技局"),
    ("FY", "西安高新技术产业开发区人民法院", "人民法院"),
)

# Items that only qualified inspectors may check (FACTS.md §2). First match wins.
QUALIFICATION_RULES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("特种设备", "特设备"), "特种设备安全监察员"),
    (("药品", "医疗器械", "化妆品", "GSP"), "药品检查员"),
)
FOOD_QUALIFICATION = "食品检查员"  # food items whose list says 需专业岗位资格


@dataclass(frozen=True, slots=True)
class ReferenceSummary:
    departments: int
    departments_added: int
    laws: int
    laws_added: int
    law_articles: int
    articles_changed: int
    inspection_items: int
    items_added: int
    items_updated: int
    legal_references: int
    references_resolved: int
    references_unresolved: int
    calendar_days: int
    calendar_added: int
    calendar_updated: int

    @property
    def changed(self) -> bool:
        return bool(
            self.departments_added
            or self.laws_added
            or self.articles_changed
            or self.items_added
            or self.items_updated
            or self.calendar_added
            or self.calendar_updated
        )


@dataclass(frozen=True, slots=True)
class LawInfo:
    id: int
    title: str
    short_title: str
    effective_on: dt.date | None
    superseded_on: dt.date | None
    source_file: str | None


# --------------------------------------------------------------------------- departments


def _install_departments(s: Session) -> tuple[int, int]:
    existing = {d.code: d for d in s.scalars(select(Department))}
    by_name = {d.name: d for d in existing.values()}
    added = 0
    for code, name, short in DEPARTMENTS:
        dep = existing.get(code) or by_name.get(name)
        if dep is None:
            s.add(Department(code=code, name=name, short_name=short, is_active=True))
            added += 1
        else:
            # Keep a renamed department's id; only fill what is missing.
            if dep.short_name is None:
                dep.short_name = short
    s.flush()
    return len(DEPARTMENTS), added


def department_ids(s: Session) -> dict[str, int]:
    return {code: id_ for code, id_ in s.execute(select(Department.code, Department.id))}


# --------------------------------------------------------------------------- legal library


@dataclass(frozen=True, slots=True)
class _LawFile:
    path: Path
    parsed: lawtext.ParsedLaw
    pending: bool


def law_files() -> list[_LawFile]:
    root = paths.laws_dir()
    found: list[_LawFile] = []
    for folder, pending in ((root, False), (root / "pending", True)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            if path.name.upper() == "README.MD":
                continue
            parsed = lawtext.parse_law_markdown(path.read_text(encoding="utf-8"))
            found.append(_LawFile(path, parsed, pending))
    return found


def _install_laws(s: Session) -> tuple[int, int, int, int]:
    files = law_files()
    root = paths.laws_dir()
    # superseded_on: a law's next version (e.g. pending/ 商标法 from 2027-01-01) ends the previous one.
    by_title: dict[str, list[_LawFile]] = {}
    for f in files:
        by_title.setdefault(f.parsed.short_title, []).append(f)
    existing = {(law.short_title, law.effective_on): law for law in s.scalars(select(Law))}
    laws_added = articles_changed = article_total = 0
    for short_title, versions in by_title.items():
        ends = lawtext.supersession_dates([v.parsed.effective_on for v in versions])
        for version, superseded in zip(versions, ends, strict=True):
            p = version.parsed
            source = version.path.relative_to(root).as_posix()
            law = existing.get((short_title, p.effective_on))
            if law is None:
                law = Law(title=p.title, short_title=short_title, effective_on=p.effective_on)
                s.add(law)
                laws_added += 1
            law.title = p.title
            law.history = "\n".join(p.history) or None
            law.superseded_on = superseded
            law.source_file = source
            s.flush()
            current = {a.number: a for a in s.scalars(select(LawArticle).where(LawArticle.law_id == law.id))}
            for art in p.articles:
                row = current.pop(art.number, None)
                if row is None:
                    s.add(
                        LawArticle(
                            law_id=law.id,
                            number=art.number,
                            label=art.label,
                            chapter=art.chapter,
                            text=art.text,
                        )
                    )
                    articles_changed += 1
                elif (row.label, row.chapter, row.text) != (art.label, art.chapter, art.text):
                    row.label, row.chapter, row.text = art.label, art.chapter, art.text
                    articles_changed += 1
            for stale in current.values():
                s.delete(stale)
                articles_changed += 1
            article_total += len(p.articles)
    s.flush()
    return len(files), laws_added, article_total, articles_changed


def law_in_force(session_or_service: Session | Service, short_title: str, on_date: dt.date) -> LawInfo | None:
    """The version of a law in force on ``on_date`` (title with or without 《》/中华人民共和国)."""
    key = lawtext.normalize_law_title(short_title)

    def lookup(s: Session) -> LawInfo | None:
        versions = list(s.scalars(select(Law).where(Law.short_title == key)))
        law = lawtext.pick_version(versions, on_date)
        if law is None:
            return None
        return LawInfo(
            law.id, law.title, law.short_title, law.effective_on, law.superseded_on, law.source_file
        )

    if isinstance(session_or_service, Service):
        with session_or_service.read() as s:
            return lookup(s)
    return lookup(session_or_service)


# --------------------------------------------------------------------------- checklist (一单)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _is_missing_basis(text: str | None) -> bool:
    """The reference list marks bases its source did not capture as "(not captured …)"."""
    return text is None or text.lower().startswith("(not captured")


def required_qualification(
    name: str, category: str, obj: str | None, staff_requirement: str | None
) -> str | None:
    haystack = f"{name} {category} {obj or ''}"
    for words, qualification in QUALIFICATION_RULES:
        if any(w in haystack for w in words):
            return qualification
    if "食品" in haystack and staff_requirement and staff_requirement.startswith("需"):
        return FOOD_QUALIFICATION
    return None


def _item_name(raw: str) -> str:
    return raw.strip().replace(" [2019 first-edition basis]", "（2019年版依据）")


def _read_items() -> list[dict[str, str]]:
    with paths.reference_file(ITEMS_FILE).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True, slots=True)
class _RefRow:
    position: int
    law_title: str
    article_label: str | None
    article_number: int | None
    law_id: int | None
    resolved: bool
    raw_text: str


def resolve_citations(s: Session, citations: Sequence[lawtext.Citation], on_date: dt.date) -> list[_RefRow]:
    """Match citations to the library: the law version in force on ``on_date`` and its article.

    ``resolved`` is True only when both the law and the cited article number exist; otherwise the
    citation keeps its text (and the law, if found) and is flagged.
    """
    cache: dict[str, Law | None] = {}
    article_sets: dict[int, set[int]] = {}
    rows: list[_RefRow] = []
    for pos, c in enumerate(citations):
        if c.law_key not in cache:
            versions = list(s.scalars(select(Law).where(Law.short_title == c.law_key)))
            cache[c.law_key] = lawtext.pick_version(versions, on_date)
        law = cache[c.law_key]
        resolved = False
        if law is not None and c.article_number is not None:
            if law.id not in article_sets:
                article_sets[law.id] = set(
                    s.scalars(select(LawArticle.number).where(LawArticle.law_id == law.id))
                )
            resolved = c.article_number in article_sets[law.id]
        rows.append(
            _RefRow(
                pos,
                c.law_title[:200],
                c.article_label[:60] if c.article_label else None,
                c.article_number,
                law.id if law is not None else None,
                resolved,
                c.raw_text,
            )
        )
    return rows


def _install_items(s: Session, today: dt.date) -> tuple[int, int, int, int, int, int]:
    dept = department_ids(s)
    sjj = dept.get(MARKET_REGULATION_CODE)
    existing = {item.name: item for item in s.scalars(select(InspectionItem))}
    added = updated = refs_total = refs_resolved = 0
    rows = _read_items()
    for seq, r in enumerate(rows, start=1):
        name = _item_name(r["item_name"])
        basis = _clean(r["legal_basis"])
        staff = _clean(r["staff_requirement"])
        values: dict[str, Any] = {
            "seq": seq,
            "category": r["category"].strip(),
            "object_desc": _clean(r["object"]),
            "item_kind": _clean(r["item_type"]) or ItemKind.GENERAL.value,
            "check_method": _clean(r["check_method"]),
            "subject": _clean(r["department"]),
            "legal_basis": None if _is_missing_basis(basis) else basis,
            "remark": f"出处：{r['source'].strip()}" if r.get("source", "").strip() else None,
            "ratio": (_clean(r["ratio"]) or None),
            "frequency": _clean(r["frequency"]),
            "staff_requirement": staff,
            "required_qualification": required_qualification(name, r["category"], r["object"], staff),
            "era": _clean(r["era"]),
            "department_id": sjj,
        }
        for key in ("ratio", "frequency"):
            if values[key] is not None:
                values[key] = values[key][:64]
        if values["staff_requirement"] is not None:
            values["staff_requirement"] = values["staff_requirement"][:200]
        item = existing.get(name)
        is_new = item is None
        item_changed = False
        if item is None:
            item = InspectionItem(name=name, is_active=True, **values)
            s.add(item)
            s.flush()
            added += 1
        else:
            changed = {k: v for k, v in values.items() if getattr(item, k) != v}
            for k, v in changed.items():
                setattr(item, k, v)
            item_changed = bool(changed)
        citations = lawtext.parse_legal_basis(values["legal_basis"])
        wanted = resolve_citations(s, citations, today)
        have = [
            _RefRow(
                ref.position,
                ref.law_title,
                ref.article_label,
                ref.article_number,
                ref.law_id,
                ref.resolved,
                ref.raw_text,
            )
            for ref in s.scalars(
                select(LegalReference)
                .where(LegalReference.item_id == item.id)
                .order_by(LegalReference.position)
            )
        ]
        if have != wanted:
            for ref in s.scalars(select(LegalReference).where(LegalReference.item_id == item.id)):
                s.delete(ref)
            s.flush()
            for w in wanted:
                s.add(
                    LegalReference(
                        item_id=item.id,
                        position=w.position,
                        law_title=w.law_title,
                        article_label=w.article_label,
                        article_number=w.article_number,
                        law_id=w.law_id,
                        resolved=w.resolved,
                        raw_text=w.raw_text,
                    )
                )
            item_changed = item_changed or not is_new
        if item_changed:
            updated += 1
        refs_total += len(wanted)
        refs_resolved += sum(1 for w in wanted if w.resolved)
    s.flush()
    return len(rows), added, updated, refs_total, refs_resolved, refs_total - refs_resolved


# --------------------------------------------------------------------------- entry point


class ReferenceDataService(Service):
    def install(self, *, session: Session | None = None, today: dt.date | None = None) -> ReferenceSummary:
        """Install or refresh all reference data in one transaction (or in the caller's ``session``)."""
        self.require(Permission.MANAGE_SYSTEM)
        today = today or dt.date.today()
        if session is not None:
            return self._install(session, today)
        with self.tx() as s:
            return self._install(s, today)

    def _install(self, s: Session, today: dt.date) -> ReferenceSummary:
        n_dept, dept_added = _install_departments(s)
        n_laws, laws_added, n_articles, articles_changed = _install_laws(s)
        n_items, items_added, items_updated, n_refs, n_resolved, n_unresolved = _install_items(s, today)
        cal_added, cal_updated = install_official_calendar(s)
        s.flush()
        n_days = s.scalar(select(func.count()).select_from(CalendarDay)) or 0
        summary = ReferenceSummary(
            departments=n_dept,
            departments_added=dept_added,
            laws=n_laws,
            laws_added=laws_added,
            law_articles=n_articles,
            articles_changed=articles_changed,
            inspection_items=n_items,
            items_added=items_added,
            items_updated=items_updated,
            legal_references=n_refs,
            references_resolved=n_resolved,
            references_unresolved=n_unresolved,
            calendar_days=n_days,
            calendar_added=cal_added,
            calendar_updated=cal_updated,
        )
        self.audit(
            s,
            "reference.install",
            "安装参考数据："
            + (
                f"部门 {n_dept} 个，法律法规 {n_laws} 部（{n_articles} 条），抽查事项 {n_items} 项，"
                f"法律依据 {n_refs} 条（未能对应 {n_unresolved} 条），日历例外日 {n_days} 天"
                if summary.changed
                else "已是最新，无变化"
            ),
            entity_type="ReferenceData",
            details={k: getattr(summary, k) for k in summary.__slots__},
        )
        return summary


def install_reference_data(
    db: Database, actor: Actor, *, session: Session | None = None, today: dt.date | None = None
) -> ReferenceSummary:
    """Install departments, laws, the checklist with legal references, and the official calendar.

    Requires 系统设置 (MANAGE_SYSTEM); audited; safe to run again (updates in place).
    """
    return ReferenceDataService(db, actor).install(session=session, today=today)
