"""Read-only reference tables shipped as CSV: inspection result codes, check methods, follow-up
options, task-type codes and the 经营异常名录 listing/removal reasons.

They are small, fixed and quoted verbatim in published output (FACTS.md §3: "wording exactly as in the
CSV"), so they are read from ``resources/reference`` once and cached instead of living in a table.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gxq_desktop import paths

RESULT_CATEGORIES_FILE = "result_categories.csv"
ABNORMAL_REASONS_FILE = "abnormal_list_reasons.csv"
INDUSTRY_FILE = "gbt4754_2017_sections_divisions.csv"


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code of a published code table (result category, check method …)."""

    table: str  # "result" | "result_2016" | "check_method" | "follow_up" | "follow_up_done" | "task_type"
    code: str
    text: str
    parent: str | None = None  # hierarchy of result categories: B's parent is "2", 2's parent is "A"
    group: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} {self.text}" if self.code not in ("", "-") else self.text


@dataclass(frozen=True, slots=True)
class AbnormalReason:
    """A listing or removal reason for 经营异常名录 (企业, 农专) or 经营异常状态 (个体户)."""

    list_name: str  # "经营异常名录-列入-企业"
    action: str  # 列入 / 移出 / 标记 / 恢复
    subject: str  # 企业 / 农专 / 个体户
    code: str
    text: str  # verbatim, with the 【short name】 prefix
    short_name: str  # the text inside 【】, or the whole text when there is none

    @property
    def is_listing(self) -> bool:
        return self.action in ("列入", "标记")


@dataclass(frozen=True, slots=True)
class IndustryEntry:
    """GB/T 4754-2017 门类 (section, level "门类") or 大类 (division, level "大类")."""

    level: str
    section: str
    code: str
    name: str


def _table_of(scheme: str) -> str:
    s = scheme.strip()
    if s.startswith("2017+"):
        return "result"
    if s.startswith("2016"):
        return "result_2016"
    if s.startswith("检查方式"):
        return "check_method"
    if s.startswith("后续处置是否完结"):
        return "follow_up_done"
    if s.startswith("后续处置措施"):
        return "follow_up"
    if s.startswith("抽查类型"):
        return "task_type"
    return s


def _parent_of(group: str) -> str | None:
    m = re.match(r"under\s+([0-9A-Z]+(?:/[0-9A-Z]+)*)", group.strip())
    if not m:
        return None
    return m.group(1).split("/")[-1]


def _read(name: str) -> list[dict[str, str]]:
    path: Path = paths.reference_file(name)
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@cache
def code_tables() -> dict[str, tuple[CodeEntry, ...]]:
    tables: dict[str, list[CodeEntry]] = {}
    for row in _read(RESULT_CATEGORIES_FILE):
        table = _table_of(row["scheme"])
        text = row["text"].strip()
        if table == "follow_up_done":
            text = re.sub(r"\s*\(.*\)\s*$", "", text)  # "已完结 (+完结日期, 完结说明)" → "已完结"
        tables.setdefault(table, []).append(
            CodeEntry(
                table=table,
                code=row["code"].strip(),
                text=text,
                parent=_parent_of(row["group"]),
                group=row["group"].strip(),
                note=row["note"].strip(),
            )
        )
    return {k: tuple(v) for k, v in tables.items()}


def result_categories() -> tuple[CodeEntry, ...]:
    """Current inspection result categories (1, A, 2, B, C, 6, D, 3, 4, 5, G, E, F, 7, 8, 9–12)."""
    return code_tables()["result"]


def check_methods() -> tuple[CodeEntry, ...]:
    """检查方式 1 实地检查 … 6 委托专业机构辅助."""
    return code_tables()["check_method"]


def follow_up_options() -> tuple[CodeEntry, ...]:
    return code_tables()["follow_up"]


def task_type_codes() -> tuple[CodeEntry, ...]:
    """Published 抽查类型 codes: 1 定向, 2 不定向."""
    return code_tables()["task_type"]


def result_text(code: str) -> str:
    """The verbatim text of a current result code; KeyError for an unknown code."""
    for entry in result_categories():
        if entry.code == code:
            return entry.text
    raise KeyError(code)


def check_method_text(code: str) -> str:
    for entry in check_methods():
        if entry.code == code:
            return entry.text
    raise KeyError(code)


@cache
def abnormal_reasons() -> tuple[AbnormalReason, ...]:
    result = []
    for row in _read(ABNORMAL_REASONS_FILE):
        parts = row["list"].split("-")
        action = parts[1] if len(parts) > 1 else ""
        subject = parts[2] if len(parts) > 2 else ""
        text = row["text"].strip()
        m = re.match(r"【([^】]+)】", text)
        result.append(
            AbnormalReason(
                list_name=row["list"].strip(),
                action=action,
                subject=subject,
                code=row["code"].strip(),
                text=text,
                short_name=m.group(1) if m else text,
            )
        )
    return tuple(result)


def abnormal_listing_reasons(subject: str = "企业") -> tuple[AbnormalReason, ...]:
    """Reasons to list (企业/农专) or mark (个体户) an entity."""
    return tuple(r for r in abnormal_reasons() if r.subject == subject and r.is_listing)


def abnormal_removal_reasons(subject: str = "企业") -> tuple[AbnormalReason, ...]:
    return tuple(r for r in abnormal_reasons() if r.subject == subject and not r.is_listing)


@cache
def industries() -> tuple[IndustryEntry, ...]:
    """GB/T 4754-2017 sections A–T and their 97 divisions, in the standard's order."""
    return tuple(
        IndustryEntry(r["level"].strip(), r["section"].strip(), r["code"].strip(), r["name"].strip())
        for r in _read(INDUSTRY_FILE)
    )


def industry_sections() -> tuple[IndustryEntry, ...]:
    return tuple(e for e in industries() if e.level == "门类")


def industry_divisions(section: str | None = None) -> tuple[IndustryEntry, ...]:
    return tuple(e for e in industries() if e.level == "大类" and (section is None or e.section == section))
