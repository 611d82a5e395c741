"""``gxq-desktop search "QUERY" [--filter key=value …] [--limit 50] [--format table|json|csv] [--db URL]``.

The same search as the 企业查询 pane (services.search), for administrators and scripts. The count goes
to standard error so that json/csv output stays clean for pipes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from typing import Any

from gxq_desktop.services.context import command_line_actor
from gxq_desktop.services.search import (
    FILTER_KEYS,
    SORT_LABELS,
    EnterpriseRow,
    SearchFilters,
    SearchQuery,
    SearchService,
    SortOrder,
    parse_filter,
)

from .common import add_db_argument, open_database

FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "编号"),
    ("name", "企业名称"),
    ("code", "统一社会信用代码/注册号"),
    ("legal_rep", "法定代表人"),
    ("status", "登记状态"),
    ("subject_type", "主体类型"),
    ("established_on", "成立日期"),
    ("badges", "标记"),
    ("matched", "匹配"),
    ("address", "住所"),
)
TABLE_FIELDS = ("name", "code", "legal_rep", "status", "badges", "matched")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "search",
        help="企业查询（名称、信用代码、注册号、拼音、法定代表人、地址…）",
        description="按图形界面“企业查询”同样的规则查询市场主体。",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="筛选条件（--filter 名称=值，可重复）：\n"
        + "\n".join(f"  {k:<22}{v}" for k, v in FILTER_KEYS.items()),
    )
    p.add_argument("query", nargs="?", default="", help="查询内容；留空则只按筛选条件")
    p.add_argument(
        "--filter", "-f", action="append", default=[], metavar="KEY=VALUE", help="筛选条件，可重复"
    )
    p.add_argument("--limit", type=int, default=50, help="最多输出多少行（默认 50，最多 100000）")
    p.add_argument(
        "--sort", choices=[s.value for s in SortOrder], default="relevance", help="排序：relevance/name/date"
    )
    p.add_argument("--format", choices=("table", "json", "csv"), default="table", help="输出格式")
    add_db_argument(p)
    p.set_defaults(handler=_search)


def _value(row: EnterpriseRow, field: str) -> Any:
    if field == "badges":
        return "、".join(row.badges)
    if field == "code":
        return row.code
    value = getattr(row, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _search(args: argparse.Namespace) -> int:
    filters = SearchFilters()
    for spec in args.filter:
        filters = parse_filter(spec, filters)
    limit = max(1, min(int(args.limit), 100_000))
    query = SearchQuery(args.query, filters, SortOrder(args.sort))
    db = open_database(args)
    try:
        svc = SearchService(db, command_line_actor())
        rows: list[EnterpriseRow] = []
        first = None
        for page, batch in svc.iter_rows(query, limit=limit, batch=min(limit, 1000)):
            first = page
            rows.extend(batch)
    finally:
        db.dispose()
    assert first is not None
    if first.message:
        print(first.message, file=sys.stderr)
    kind = f"，按{first.parsed.label}" if first.parsed.is_text_search else ""
    print(
        f"共 {first.count_text} 家{kind}，{SORT_LABELS[query.sort]}排序，显示 {len(rows):,} 家",
        file=sys.stderr,
    )
    out = sys.stdout
    if args.format == "json":
        json.dump([{f: _value(r, f) for f, _ in FIELDS} for r in rows], out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.writer(out)
        writer.writerow([label for _, label in FIELDS])
        for r in rows:
            writer.writerow(["" if _value(r, f) is None else _value(r, f) for f, _ in FIELDS])
    else:
        labels = dict(FIELDS)
        cells = [[str(_value(r, f) or "") for f in TABLE_FIELDS] for r in rows]
        widths = [
            min(max([_width(labels[f])] + [_width(c[i]) for c in cells]), 48)
            for i, f in enumerate(TABLE_FIELDS)
        ]
        out.write("  ".join(_pad(labels[f], widths[i]) for i, f in enumerate(TABLE_FIELDS)).rstrip() + "\n")
        for c in cells:
            out.write("  ".join(_pad(v, widths[i]) for i, v in enumerate(c)).rstrip() + "\n")
    return 0
