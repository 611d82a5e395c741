"""企业查询: one search box over a million market entities, on SQLite and PostgreSQL.

    svc = SearchService(db, actor)
    page = svc.search(SearchQuery("秦岭", SearchFilters(abnormal=True), SortOrder.RELEVANCE))
    page.rows, page.count_text            # first 50 rows, "1,234" or "10,000+"
    more = svc.fetch_more(page.cursor)    # the next rows (cursor is None when there are no more)

How a query runs (the part that keeps it instant):

1. :func:`~gxq_desktop.domain.search_text.parse_query` says what was typed and splits it into terms.
2. The query becomes *segments* in display order. With relevance sorting they are the match tiers —
   exact USCC/注册号/name first, then name, former names, legal representative, address, business
   scope (or, for pinyin: initials prefix, initials, full pinyin; for codes: suffix, prefix, any
   part). Each segment has an exact row predicate (``instr`` on the row: what "matches" means) and,
   when an index exists for it, a candidate query on that index (FTS5 on SQLite, gram GIN indexes on
   PostgreSQL; see :mod:`gxq_desktop.db.search_index`). Candidates are always re-checked on the row.
3. Each segment is counted through its index, up to ``COUNT_CAP`` + 1. A small segment is
   *materialised*: its ids, sorted by name, are kept in the cursor (a relevance tier up to
   ``SORT_LIMIT`` rows, a name- or date-sorted list up to 10,000). A bigger one is *walked* a page at a
   time with a keyset condition: relevance tiers and filter-only lists newest first (highest id,
   through the FTS5 candidates or backwards along the table), explicit name or date order along that
   index. Newest-first costs the same wherever the matches sit; a name-order walk would cross every
   name before the first match when matches cluster in name order (all 个体工商户 are "西安高新区…").
   The count shown is exact up to 10,000 and "10,000+" beyond. Where an index count is exact
   (phrase of the one-character or trigram table, a b-tree range) it is used as is; elsewhere the
   share of real matches in a sample of ``SAMPLE`` candidates spread over the set by a hash of their
   ids, then at most ``VERIFY_LIMIT`` re-checked candidates, decide whether a set is clearly over the
   cap — only the "10,000+" and the choice to walk rest on that estimate, every row shown is re-checked.
4. With filters, the smallest of the filter sets (a record list, a status, a date range — each listed
   from its index alone) may drive instead; two big ones are intersected from their indexes. With
   filters only, the search reads exactly the matches from the *filter keys* (each enterprise's filter
   values packed into one integer, kept by triggers; see :mod:`gxq_desktop.db.search_index`): the
   groups of enterprises whose key satisfies the filters, one index range each, so the work follows
   the number of matches rather than the sizes of the sets (个体工商户 ∧ 小微企业 crosses no
   400,000-row set); up to 10,000 matches are then sorted from a narrow (id, name, date) index.
   Filters the keys do not hold (主体类型, 一年内已被抽查, an unknown value) and databases without keys
   take the general way: the smallest set drives and every other filter is checked per id through an index
   (SQLite: its own index, which holds the rowid; PostgreSQL: (value, id) indexes the planner can
   merge). Either way the walk stops at COUNT_CAP + 1 matches: the count is exact or "10,000+", never
   estimated. Which set is smallest is judged from a few hundred ids spread over the table (SQLite; it
   only chooses the driver); PostgreSQL's planner orders the joins itself.

Time per first page on 1,000,000 entities is measured by ``bench/search.py``.

Cancellation: pass ``cancel`` (a callable returning True when the result is no longer wanted). On
SQLite a progress handler interrupts the running statement; on PostgreSQL the check runs between
statements and ``statement_timeout`` bounds each one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import json
import math
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import ARRAY, Integer, Select, any_, bindparam, column, exists, select, text
from sqlalchemy import table as table_clause
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gxq_desktop.db import search_index
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import (
    AbnormalListing,
    Enterprise,
    ListEntry,
    SeriousViolation,
)
from gxq_desktop.domain.enums import EnterpriseStatus
from gxq_desktop.domain.roles import Permission
from gxq_desktop.domain.search_text import (
    LONG_TERM,
    ParsedQuery,
    QueryKind,
    fts_phrase_chars,
    fts_trigrams,
    is_pinyin_sequence,
    ngrams,
    parse_query,
    pinyin_columns,
)

from .base import Service
from .context import Actor
from .errors import CancelledError, DatabaseError, ValidationError

COUNT_CAP = 10_000
PAGE_SIZE = 50
MAX_PAGE_SIZE = 5_000
STATEMENT_TIMEOUT_S = 30  # a single search statement never runs longer (both engines)
# PostgreSQL: how long a search waits for a table lock (a first bulk load of the enterprise register
# rebuilds its indexes and holds the table until it commits) before it says so.
LOCK_TIMEOUT_S = 3.0
SEARCH_WORK_MEM = "64MB"  # PostgreSQL: work_mem of the search's connections (see _GuardedSession)
VERIFY_LIMIT = 40_000  # index candidates re-checked at most to decide whether a tier is small (SQLite)
SAMPLE = 1_000  # candidates re-checked to judge a tier that is clearly bigger than COUNT_CAP (SQLite)
RANK_SAMPLE = 256  # ids spread over the table that rank filter sets by size (only to choose a driver)
# PostgreSQL: a one-gram term is "10,000+" without counting when the statistics ANALYZE keeps of its gram
# index put it in more than COUNT_CAP rows even at this many standard errors below their estimate (the
# estimate comes from a row sample; 4 standard errors: wrong about once in 30,000 such decisions).
STATS_Z = 4.0
# PostgreSQL: a tier whose rarest gram is in more than BLOCK_SAMPLE_FROM times the rows it needs to be
# "10,000+" is first judged from whole table blocks sampled at random (about BLOCK_SAMPLE_ROWS rows,
# ~5 ms at a million; at least BLOCK_SAMPLE_MIN_BLOCKS blocks). A sample that cannot show that many is
# time lost, hence the margin; below BLOCK_SAMPLE_MIN_TABLE rows the probe costs little anyway.
BLOCK_SAMPLE_ROWS = 2_500
BLOCK_SAMPLE_MIN_BLOCKS = 50
BLOCK_SAMPLE_MIN_TABLE = 100_000
BLOCK_SAMPLE_FROM = 2
GRAM_STATS_MAX_AGE_S = 60.0  # PostgreSQL: how long a connection keeps the gram statistics it read
# A term with filters that at most FEW_FILTER_MATCHES enterprises pass: their rows are checked for the
# term (read by id, ~4 µs each) instead of the term's candidates for the filters. SQLite: up to
# FILTER_IDS_LIMIT of them when the term has FILTER_COST_RATIO times as many candidates (checking a
# candidate against its filter key costs about an eighth of reading a row).
FEW_FILTER_MATCHES = 5_000
FILTER_IDS_LIMIT = 25_000
FILTER_COST_RATIO = 8
ORG_CODE_LENGTH = 9  # the shortest whole code (组织机构代码; 注册号 has 13 or 15, a USCC 18)
NAME_GRAM_MAX = 4  # PostgreSQL: the longest grams of the names' gram indexes (name3, name4)
SORT_LIMIT = 2_000  # a relevance tier up to this size is sorted by name; a bigger one is read newest first

Cancel = Callable[[], bool]


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NAME = "name"
    DATE = "date"  # newest registration first


SORT_LABELS = {SortOrder.RELEVANCE: "相关度", SortOrder.NAME: "名称", SortOrder.DATE: "成立日期（新→旧）"}


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Conditions besides the search text. Flags select enterprises that *have* the property."""

    subject_category: str | None = None  # domain.enums.SubjectCategory value
    subject_type: str | None = None  # 有限责任公司 …
    industry_section: str | None = None  # GB/T 4754 门类 A–T
    statuses: tuple[str, ...] = ()  # EnterpriseStatus values
    established_from: dt.date | None = None
    established_to: dt.date | None = None
    risk_classes: tuple[str, ...] = ()  # A/B/C/D
    abnormal: bool = False  # 经营异常名录 在列
    serious_violation: bool = False  # 严重违法失信名单 在列
    blacklist: bool = False
    redlist: bool = False
    judgment_debtor: bool = False  # 失信被执行人
    small_micro: bool = False
    party_org: bool = False  # 有党组织
    licensed: bool = False  # 持有有效许可
    inspected_within_year: bool = False  # 一年内已被抽查

    @property
    def is_empty(self) -> bool:
        return self == SearchFilters()


FLAG_LABELS: dict[str, str] = {
    "abnormal": "经营异常",
    "serious_violation": "严重违法失信",
    "blacklist": "黑名单",
    "redlist": "红名单",
    "judgment_debtor": "失信被执行人",
    "small_micro": "小微企业",
    "party_org": "有党组织",
    "licensed": "持有许可",
    "inspected_within_year": "一年内已被抽查",
}

# Names accepted by parse_filter() (the command line's --filter key=value).
FILTER_KEYS: dict[str, str] = {
    "category": "主体类别（企业/个体工商户/农民专业合作社/外国企业常驻代表机构）",
    "type": "主体类型，如 有限责任公司",
    "section": "国民经济行业门类 A–T",
    "status": "登记状态，多个用逗号分隔（存续,吊销,注销,迁出,撤销）",
    "from": "成立日期起 YYYY-MM-DD",
    "to": "成立日期止 YYYY-MM-DD",
    "risk": "信用风险分类，多个用逗号分隔（A,B,C,D）",
    **{k: f"{v}：yes" for k, v in FLAG_LABELS.items()},
}


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: SortOrder = SortOrder.RELEVANCE
    text_search: bool = False


@dataclass(frozen=True, slots=True)
class EnterpriseRow:
    id: int
    uscc: str | None
    reg_no: str | None
    name: str
    legal_rep: str | None
    status: str
    subject_category: str
    subject_type: str | None
    industry_section: str | None
    established_on: dt.date | None
    address: str | None
    is_small_micro: bool
    risk_class: str | None
    abnormal: bool  # 经营异常名录 在列
    serious_violation: bool
    blacklist: bool
    redlist: bool
    judgment_debtor: bool
    matched: str = ""  # which field matched (名称, 曾用名, 法定代表人 …)

    @property
    def is_active(self) -> bool:
        return self.status == EnterpriseStatus.ACTIVE.value

    @property
    def code(self) -> str:
        return self.uscc or self.reg_no or ""

    @property
    def badges(self) -> tuple[str, ...]:
        out = []
        if self.abnormal:
            out.append("异常")
        if self.serious_violation:
            out.append("严违")
        if self.blacklist:
            out.append("黑名单")
        if self.judgment_debtor:
            out.append("失信")
        if self.redlist:
            out.append("红名单")
        return tuple(out)


# --------------------------------------------------------------------------- SQL fragments


@dataclass(frozen=True, slots=True)
class _Sql:
    sql: str
    params: tuple[tuple[str, Any], ...] = ()

    def and_(self, *others: _Sql) -> _Sql:
        parts = [self, *others]
        return _Sql(
            " AND ".join(f"({p.sql})" for p in parts), tuple(itertools.chain(*(p.params for p in parts)))
        )

    @property
    def dict(self) -> dict[str, Any]:
        return dict(self.params)


TRUE = _Sql("1 = 1")


class _Names:
    """Unique bind-parameter names for one query plan."""

    def __init__(self) -> None:
        self._n = itertools.count()

    def __call__(self, value: Any) -> tuple[str, tuple[str, Any]]:
        name = f"p{next(self._n)}"
        return f":{name}", (name, value)


def _or(parts: Sequence[_Sql]) -> _Sql:
    if not parts:
        return _Sql("1 = 0")
    return _Sql(" OR ".join(f"({p.sql})" for p in parts), tuple(itertools.chain(*(p.params for p in parts))))


def _not(part: _Sql) -> _Sql:
    return _Sql(f"NOT ({part.sql})", part.params)


@dataclass(frozen=True, slots=True)
class _Cand:
    """Possible matches (a superset) found through an index: an FTS5 subquery selecting ``id``, or a
    predicate over ``e`` that an index serves (PostgreSQL GIN, b-tree ranges)."""

    sql: _Sql
    subquery: bool
    # PostgreSQL gram candidates: one predicate per gram. The planner multiplies their frequencies
    # (it assumes independence, while the grams of one word go together), so the smallest single-gram
    # estimate is the useful bound.
    parts: tuple[_Sql, ...] = ()
    field: str = ""  # PostgreSQL gram candidates: the field (search_index.PG_GRAM_EXPRESSIONS) …
    grams: tuple[str, ...] = ()  # … and the gram of each part


@dataclass(frozen=True, slots=True)
class _Segment:
    key: str
    label: str  # shown as "匹配" in the table
    match: _Sql  # exact row predicate over alias e (never NULL)
    candidates: _Cand | None  # possible matches through an index, or None (walk or filters only)
    exact_candidates: bool = False  # candidates are exactly the matches (for counting)
    fixed_ids: tuple[int, ...] | None = None  # the exact tier: ids looked up in advance
    # Relevance tiers leave out the rows of earlier tiers: (segment index, that tier's own match).
    # An earlier tier found empty needs no such condition (see SearchService._where).
    excludes: tuple[tuple[int, _Sql], ...] = ()


@dataclass(frozen=True, slots=True)
class _Decision:
    mode: str  # "ids": materialised, sorted ids | "walk": keyset walk over the order index
    ids: tuple[int, ...] = ()
    count: int | None = None  # exact count (ids), None: more than COUNT_CAP


@dataclass(frozen=True, slots=True)
class SearchCursor:
    """Where the next page starts. Opaque to callers; immutable (each page returns a new one)."""

    query: SearchQuery
    segment: int
    offset: int  # in the segment's ids (mode "ids")
    last_key: tuple[Any, ...] | None  # keyset of the last row (mode "walk")
    decisions: tuple[_Decision | None, ...]
    exact_ids: tuple[int, ...]
    delivered: int  # rows returned so far


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: tuple[EnterpriseRow, ...]
    total: int  # rows matching, exact when not total_capped
    total_capped: bool  # True: more than COUNT_CAP rows match
    cursor: SearchCursor | None  # None: no more rows
    parsed: ParsedQuery
    elapsed_ms: float = 0.0

    @property
    def count_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.total_capped else f"{self.total:,}"

    @property
    def message(self) -> str:
        return " ".join(self.parsed.notes)


# --------------------------------------------------------------------------- the plan


class _Dialect:
    """What differs between SQLite and PostgreSQL: candidate queries, ``instr`` and plan hints."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def contains(self, col: str, term: str, names: _Names, *, lower: bool = True) -> _Sql:
        ph, p = names(term)
        # lower() only when case can matter: for Chinese and digits it costs (PostgreSQL: ~1 µs a row).
        lower = lower and term.upper() != term.lower()
        c = f"lower(coalesce({col}, ''))" if lower else f"coalesce({col}, '')"
        fn = "instr" if self.sqlite else "strpos"
        return _Sql(f"{fn}({c}, {ph}) > 0", (p,))

    def all_contain(self, col: str, terms: Sequence[str], names: _Names, *, lower: bool = True) -> _Sql:
        parts = [self.contains(col, t, names, lower=lower) for t in terms]
        return parts[0].and_(*parts[1:]) if len(parts) > 1 else parts[0]

    # -- candidate queries (each selects "id")

    def fts(self, table: str, expr: str, names: _Names) -> _Cand:
        ph, p = names(expr)
        return _Cand(_Sql(f"SELECT rowid AS id FROM {table} WHERE {table} MATCH {ph}", (p,)), True)

    def grams(self, fld: str, grams: Sequence[str], names: _Names) -> _Cand:
        indexed = search_index.pg_gram_sql(fld)
        ordered = sorted(set(grams))
        ph, p = names(ordered)
        parts = []
        for g in ordered:
            gph, gp = names([g])
            parts.append(_Sql(f"{indexed} @> CAST({gph} AS text[])", (gp,)))
        return _Cand(
            _Sql(f"{indexed} @> CAST({ph} AS text[])", (p,)), False, tuple(parts), fld, tuple(ordered)
        )

    def text_candidates(self, fld: str, terms: Sequence[str], names: _Names) -> tuple[_Cand, bool]:
        """Candidates for name/former_names/legal_rep; and whether they are exactly the matches."""
        long_terms = [t for t in terms if len(t) >= LONG_TERM]
        if self.sqlite:
            if long_terms:
                expr = " AND ".join(f'{{{fld}}}: "{t}"' for t in long_terms)
                return self.fts("enterprise_fts_tri", expr, names), len(long_terms) == len(terms)
            expr = " AND ".join(f"{{{fld}}}: {fts_phrase_chars(t)}" for t in terms)
            return self.fts("enterprise_fts_chr", expr, names), True
        shortest = min(len(t) for t in terms)
        if fld == "name" and shortest >= LONG_TERM:
            # Names have a trigram and a 4-gram index too: a term of three or four characters is one
            # gram, exactly its rows; longer ones get few false candidates.
            size = min(shortest, NAME_GRAM_MAX)
            grams = [g for t in terms for g in ngrams(t, size)]
            return self.grams(f"name{size}", grams, names), len(terms) == 1 and len(terms[0]) == size
        exact = len(terms) == 1 and len(terms[0]) <= 2
        # Every overlapping pair, not just a cover: the gram statistics then pick the rarest ones
        # ("技西" of "科技西安", where "科技" and "西安" are in most names; see _rarest_grams).
        pairs = [t[i : i + 2] for t in terms for i in range(max(len(t) - 1, 1))]
        return self.grams(fld, pairs, names), exact

    def trigram_candidates(self, fld: str, table: str, term: str, names: _Names) -> tuple[_Cand, bool]:
        """Candidates for a field indexed by trigrams only (address, scope, pinyin, codes)."""
        grams = fts_trigrams(term)
        exact = len(term) == 3
        if self.sqlite:
            expr = " AND ".join(f'"{g}"' for g in grams)
            return self.fts(table, expr, names), exact
        return self.grams(fld, grams, names), exact

    def initials_contains_candidates(self, term: str, names: _Names) -> tuple[_Cand, bool]:
        """Candidates for the initials holding ``term``; and whether they are exactly those rows (a
        phrase of the SQLite trigram table is; on PostgreSQL, only a term that is one gram)."""
        if self.sqlite:
            return self.fts("enterprise_fts_tri", f'{{name_initials}}: "{term}"', names), True
        return self.trigram_candidates("name_initials", "", term, names)

    def initials_prefix_candidates(self, term: str, names: _Names) -> _Cand:
        if self.sqlite:
            lo, p1 = names(term)
            hi, p2 = names(term + "\U0010ffff")
            return _Cand(_Sql(f"e.name_initials >= {lo} AND e.name_initials < {hi}", (p1, p2)), False)
        ph, p = names(term + "%")  # terms are letters only: no LIKE wildcard can be in it
        return _Cand(_Sql(f"e.name_initials LIKE {ph}", (p,)), False)


def _text_segments(q: ParsedQuery, d: _Dialect, names: _Names) -> list[_Segment]:
    terms = q.terms
    segs: list[_Segment] = []
    for fld, label in (("name", "名称"), ("former_names", "曾用名"), ("legal_rep", "法定代表人")):
        cand, exact = d.text_candidates(fld, terms, names)
        segs.append(_Segment(fld, label, d.all_contain(f"e.{fld}", terms, names), cand, exact))
    if q.longest_term >= LONG_TERM:
        longest = max(terms, key=len)
        for fld, table, label in (
            ("address", "enterprise_fts_addr", "地址"),
            ("business_scope", "enterprise_fts_scope", "经营范围"),
        ):
            cand, exact = d.trigram_candidates(fld, table, longest, names)
            segs.append(
                _Segment(fld, label, d.all_contain(f"e.{fld}", terms, names), cand, exact and len(terms) == 1)
            )
    return segs


def _pinyin_segments(q: ParsedQuery, d: _Dialect, names: _Names) -> list[_Segment]:
    term = q.terms[0]
    segs = []
    # Latin letters in a name: the one-character table (the trigram table shares its doclists with
    # the initials column, where these letters are everywhere).
    if d.sqlite:
        cand, exact = d.fts("enterprise_fts_chr", f"{{name}}: {fts_phrase_chars(term)}", names), True
    else:
        cand, exact = d.text_candidates("name", [term], names)
    segs.append(_Segment("name", "名称", d.contains("e.name", term, names), cand, exact))
    ph, p = names(term)
    prefix = _Sql(f"substr(coalesce(e.name_initials, ''), 1, {len(term)}) = {ph}", (p,))
    segs.append(
        _Segment("initials_prefix", "拼音首字母", prefix, d.initials_prefix_candidates(term, names), True)
    )
    if len(term) >= LONG_TERM:
        cand, exact = d.initials_contains_candidates(term, names)
        segs.append(
            _Segment(
                "initials", "拼音首字母", d.contains("e.name_initials", term, names, lower=False), cand, exact
            )
        )
        if is_pinyin_sequence(term):  # "qinling", not initials such as "xagx"
            cand, exact = d.trigram_candidates("name_pinyin", "enterprise_fts_pinyin", term, names)
            segs.append(
                _Segment("pinyin", "全拼", d.contains("e.name_pinyin", term, names, lower=False), cand, exact)
            )
    return segs


# The first two characters of USCCs a district sees (登记管理部门码 + 机构类别码): a fragment that
# starts with one of them is most likely the beginning of a code, anything else its end.
_CODE_STARTS = frozenset({"91", "92", "93", "11", "12", "13", "19", "51", "52", "53", "59", "N1", "N2", "Y1"})


def _code_segments(q: ParsedQuery, d: _Dialect, names: _Names) -> list[_Segment]:
    code = q.code
    n = len(code)
    # The last six characters are the most distinctive part of a code (the organisation number);
    # the first ones (9161 0131 …) are shared by most codes and make useless trigrams.
    distinctive = code.lower()[-6:]
    prefix_seg: _Segment | None = None
    suffix_seg: _Segment | None = None
    if n <= 18:
        ph, p = names(code)
        suffix = _Sql(f"substr(coalesce(e.uscc, ''), {19 - n}) = {ph} AND length(e.uscc) = 18", (p,))
        if n == 4 and not d.sqlite:
            ph2, p2 = names(code)
            cand: _Cand = _Cand(_Sql(f"substr(e.uscc, 15) = {ph2}", (p2,)), False)
        else:
            cand, _ = d.trigram_candidates("codes", "enterprise_fts_code", distinctive, names)
        suffix_seg = _Segment("uscc_suffix", f"代码后 {n} 位", suffix, cand, False)
        ph, p = names(code)
        lo, p_lo = names(code)
        hi, p_hi = names(code + "~")
        prefix_seg = _Segment(
            "uscc_prefix",
            "统一社会信用代码",
            _Sql(f"substr(coalesce(e.uscc, ''), 1, {n}) = {ph}", (p,)),
            _Cand(_Sql(f"e.uscc >= {lo} AND e.uscc < {hi}", (p_lo, p_hi)), False),
            True,
        )
    segs: list[_Segment] = []
    looks_like_start = n >= 5 and code[:2] in _CODE_STARTS
    if prefix_seg is not None and suffix_seg is not None:
        segs += [prefix_seg, suffix_seg] if looks_like_start else [suffix_seg, prefix_seg]
    if looks_like_start and n >= 8:
        # "916101316…": the beginning of a code, nothing else. (Its other parts, 610131 …, are in
        # most codes: searching them elsewhere would list half the district, slowly.)
        return [prefix_seg] if prefix_seg is not None else segs
    codes_col = "coalesce(e.uscc, '') || ' ' || coalesce(e.reg_no, '') || ' ' || coalesce(e.org_code, '')"
    cand, _exact = d.trigram_candidates("codes", "enterprise_fts_code", distinctive, names)
    segs.append(
        _Segment("code", "代码", d.contains(f"upper({codes_col})", code, names, lower=False), cand, False)
    )
    cand, exact = d.text_candidates("name", [code.lower()], names)
    segs.append(_Segment("name", "名称", d.contains("e.name", code.lower(), names), cand, exact))
    return segs


def _exact_lookup(s: Session, q: ParsedQuery, keyed: bool) -> tuple[tuple[int, ...], dict[int, Any]]:
    """Rows whose USCC, 注册号, 组织机构代码 or whole name is exactly what was typed: their ids in that
    column order, and their display rows (so that a page of them needs no second statement; ``keyed``
    as for :func:`_rows_statement`).

    One statement (on PostgreSQL every statement is a round trip: a whole USCC is answered with this
    one alone): one indexed lookup per column, each at most 20 rows in id order (an OR could make the
    planner scan), in that column order."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    # (A fragment shorter than any code — the last four characters — cannot be a whole one: no lookup.)
    if q.kind in (QueryKind.USCC, QueryKind.CODE, QueryKind.REG_NO) and len(q.code) >= ORG_CODE_LENGTH:
        conds += ["uscc = :code", "reg_no = :code"]
        params["code"] = q.code
        if len(q.code) == ORG_CODE_LENGTH:
            conds.append("org_code = :code")
    if q.kind in (QueryKind.TEXT, QueryKind.PINYIN) and q.exact_names:
        names = [f":n{i}" for i in range(len(q.exact_names))]
        conds.append(f"name IN ({', '.join(names)})")
        params.update((f"n{i}", v) for i, v in enumerate(q.exact_names))
    if not conds:
        return (), {}
    rows = s.execute(_exact_rows_statement(keyed, tuple(conds)), params)
    found = {int(r.id): r for r in rows}
    return tuple(found), found


@dataclass(frozen=True, slots=True)
class _Filter:
    key: str
    pred: _Sql  # over e
    driver: _Sql | None = None  # the ids it selects, from a small table (may drive the query)
    # The same condition for one id ``d.id``, answered from an index alone where one serves it (SQLite:
    # the filter's own index holds (value, rowid), one seek and no read of the wide row; PostgreSQL: a
    # semi-join the planner can merge with the (value, id) indexes).
    probe: _Sql | None = None
    probe_index: str | None = None  # SQLite: the index ``probe`` names in INDEXED BY (checked to exist)


# (table, condition over x) of the flag filters: the enterprise has such a record still in force.
# (One definition with the SQLite filter keys, whose triggers must agree with these conditions.)
_FLAG_RECORDS: dict[str, tuple[str, str]] = {
    key: (table, cond) for key, (_bit, table, cond) in search_index.FLAG_RECORDS.items()
}


def _filter_parts(f: SearchFilters, d: _Dialect, names: _Names, today: dt.date) -> list[_Filter]:
    parts: list[_Filter] = []
    params: list[tuple[str, Any]] = []

    def bind(v: Any) -> str:
        if d.sqlite and isinstance(v, dt.datetime):
            v = v.isoformat(sep=" ")
        elif d.sqlite and isinstance(v, dt.date):
            v = v.isoformat()
        ph, p = names(v)
        params.append(p)
        return ph

    def add(
        key: str, sql: str, driver: str | None = None, probe: str | None = None, index: str | None = None
    ) -> None:
        bound = tuple(params)
        if probe is None:  # a record condition: the same EXISTS, for the id d.id
            probe = sql.replace("= e.id", "= d.id")
        parts.append(
            _Filter(key, _Sql(sql, bound), _Sql(driver, bound) if driver else None, _Sql(probe, bound), index)
        )
        params.clear()

    def column(key: str, sql: str, indexed: bool = True, index: str | None = None) -> None:
        # An indexed column condition can also list its ids from the index alone (a driver).
        on_p = sql.replace("e.", "p.")
        using = f" INDEXED BY {index}" if index and d.sqlite else ""
        probe = f"EXISTS (SELECT 1 FROM enterprises p{using} WHERE {on_p} AND p.id = d.id)"
        add(key, sql, f"SELECT e.id AS id FROM enterprises e WHERE {sql}" if indexed else None, probe, index)

    if f.subject_category:
        ix = "ix_enterprises_subject_category"
        column("category", f"e.subject_category = {bind(f.subject_category)}", index=ix)
    if f.subject_type:
        column("type", f"e.subject_type = {bind(f.subject_type)}", indexed=False)
    if f.industry_section:
        ix = "ix_enterprises_industry_section"
        column("section", f"e.industry_section = {bind(f.industry_section.upper())}", index=ix)
    if f.statuses:
        column(
            "status", f"e.status IN ({', '.join(bind(s) for s in f.statuses)})", index="ix_enterprises_status"
        )
    dates = "ix_enterprises_search_id_established"  # (the date index is keyed by date, not by id)
    if f.established_from and f.established_to:
        between = f"e.established_on BETWEEN {bind(f.established_from)} AND {bind(f.established_to)}"
        column("dates", between, index=dates)
    elif f.established_from:
        column("dates", f"e.established_on >= {bind(f.established_from)}", index=dates)
    elif f.established_to:
        column("dates", f"e.established_on <= {bind(f.established_to)}", index=dates)
    if f.risk_classes:
        risks = ", ".join(bind(r) for r in f.risk_classes)
        column("risk", f"e.risk_class IN ({risks})", index="ix_enterprises_risk_class")
    if f.small_micro:
        # (the partial index ix_enterprises_small_micro serves exactly "WHERE is_small_micro")
        column("small_micro", "e.is_small_micro" if not d.sqlite else "e.is_small_micro = 1", indexed=False)
        if not d.sqlite:
            parts[-1] = replace(
                parts[-1], driver=_Sql("SELECT e.id AS id FROM enterprises e WHERE e.is_small_micro")
            )
        else:
            parts[-1] = replace(
                parts[-1],
                driver=_Sql("SELECT id FROM enterprises WHERE is_small_micro"),
                probe=_Sql(
                    "EXISTS (SELECT 1 FROM enterprises p INDEXED BY ix_enterprises_small_micro "
                    "WHERE p.is_small_micro AND p.id = d.id)"
                ),
                probe_index="ix_enterprises_small_micro",
            )
    for key, (table, cond) in _FLAG_RECORDS.items():
        if getattr(f, key):
            add(
                key,
                f"EXISTS (SELECT 1 FROM {table} x WHERE x.enterprise_id = e.id AND {cond})",
                f"SELECT DISTINCT x.enterprise_id AS id FROM {table} x WHERE {cond}",
            )
    if f.licensed:  # (served by the partial index ix_licenses_in_force)
        t = bind(today)
        cond = f"x.status = '有效' AND (x.valid_until IS NULL OR x.valid_until >= {t})"
        add(
            "licensed",
            f"EXISTS (SELECT 1 FROM licenses x WHERE x.enterprise_id = e.id AND {cond})",
            f"SELECT DISTINCT x.enterprise_id AS id FROM licenses x WHERE {cond}",
        )
    if f.inspected_within_year:
        c = bind(dt.datetime.combine(today - dt.timedelta(days=365), dt.time()))
        cond = f"x.status <> 'void' AND r.executed_at >= {c}"
        add(
            "inspected_within_year",
            f"EXISTS (SELECT 1 FROM inspections x JOIN draw_runs r ON r.id = x.run_id WHERE x.enterprise_id = e.id AND {cond})",
            f"SELECT DISTINCT x.enterprise_id AS id FROM inspections x JOIN draw_runs r ON r.id = x.run_id WHERE {cond}",
        )
    return parts


def _filter_keys_sql(f: SearchFilters, today: dt.date, *, sqlite: bool) -> _Sql | None:
    """The ids matching filters ``f``, read from the filter keys (see :mod:`gxq_desktop.db.search_index`)
    — the groups whose key satisfies the filters, one index range each. None when a filter is not in
    the keys (subject type, 一年内已被抽查, a value without a code)."""
    parts = _filter_key_parts(f, today, sqlite=sqlite)
    if parts is None:
        return None
    groups, within, params = parts
    keys = search_index.FILTER_KEYS
    if sqlite:
        sql = (
            f"SELECT k.id FROM {keys} k INDEXED BY {search_index.FILTER_KEYS_INDEX} "
            f"WHERE k.fkey IN (SELECT g.fkey FROM {search_index.FILTER_GROUPS} g{groups}){within}"
        )
    else:
        # PostgreSQL has no INDEXED BY. A LATERAL subquery with a LIMIT is never merged into a join: the
        # planner must read each group's range from the index. Left to itself it hash-joins the groups
        # with all 1,000,000 keys (~100 ms) whenever its statistics or the visibility map lag behind.
        sql = (
            f"SELECT k.id FROM {search_index.FILTER_GROUPS} g CROSS JOIN LATERAL (SELECT k.id FROM {keys} k "
            f"WHERE k.fkey = g.fkey{within} LIMIT {COUNT_CAP + 1}) AS k{groups}"
        )
    return _Sql(sql, params)


def _filter_key_check(f: SearchFilters, today: dt.date, *, sqlite: bool) -> _Sql | None:
    """The same filters as a condition on one row ``k`` of the filter keys (for checking candidates
    found otherwise: one primary-key seek in the narrow keys table instead of a read of the wide row)."""
    parts = _filter_key_parts(f, today, sqlite=sqlite)
    if parts is None:
        return None
    groups, within, params = parts
    return _Sql(f"k.fkey IN (SELECT g.fkey FROM {search_index.FILTER_GROUPS} g{groups}){within}", params)


def _filter_key_parts(
    f: SearchFilters, today: dt.date, *, sqlite: bool
) -> tuple[str, str, tuple[tuple[str, Any], ...]] | None:
    """(condition on the groups ``g``, condition on the keys ``k`` within a group, parameters)."""
    if f.subject_type or f.inspected_within_year:
        return None
    conds: list[str] = []
    for fld, values in (
        ("category", (f.subject_category,) if f.subject_category else ()),
        ("status", f.statuses),
        ("risk", f.risk_classes),
        ("section", (f.industry_section.upper(),) if f.industry_section else ()),
    ):
        if not values:
            continue
        codes = {c for v in values if (c := search_index.key_code(fld, v)) is not None}
        if len(codes) != len(set(values)):
            return None
        _col, shift, width, _values = search_index.KEY_FIELDS[fld]
        listed = ", ".join(str(c) for c in sorted(codes))
        conds.append(f"((g.fkey >> {shift}) & {(1 << width) - 1}) IN ({listed})")
    bits = sum(bit for key, (bit, _t, _c) in search_index.FLAG_RECORDS.items() if getattr(f, key))
    bits |= search_index.SMALL_MICRO_BIT if f.small_micro else 0
    bits |= search_index.LICENSE_BIT if f.licensed else 0
    if bits:
        conds.append(f"(g.fkey & {bits}) = {bits}")
    groups = f" WHERE {' AND '.join(conds)}" if conds else ""
    where: list[str] = []  # the range within each group's keys
    params: list[tuple[str, Any]] = []

    def day(d: dt.date) -> str | dt.date:
        return d.isoformat() if sqlite else d  # (SQLite stores dates as ISO text)

    if f.established_from:
        where.append("k.established_on >= :fk_from")
        params.append(("fk_from", day(f.established_from)))
    if f.established_to:
        where.append("k.established_on <= :fk_to")
        params.append(("fk_to", day(f.established_to)))
    if f.licensed:
        where.append("k.license_until >= :fk_today")
        params.append(("fk_today", day(today)))
    return groups, "".join(f" AND {w}" for w in where), tuple(params)


@dataclass(frozen=True)
class _Plan:
    parsed: ParsedQuery
    segments: tuple[_Segment, ...]
    orders: tuple[str, ...]  # per segment: "name" | "date" | "date_null"
    filters: _Sql | None
    drivers: tuple[_Cand, ...]  # candidate sets from filters (SQLite: the smallest may drive)
    exclude_exact: bool  # relevance: later tiers leave out the exact matches shown first
    flag_drivers: tuple[_Sql, ...] = ()  # the id sets of the filters, from indexes alone (SQLite)
    atoms: tuple[_Filter, ...] = ()  # the filters one by one
    sort: SortOrder = SortOrder.RELEVANCE
    filter_keys: _Sql | None = None  # the ids matching the filters, from the filter keys
    filter_key_check: _Sql | None = None  # the filters as a condition on a row k of the filter keys
    text_search: bool = False  # a term was typed (not only filters)
    known_rows: dict[int, Any] = field(default_factory=dict)  # display rows read with the exact ids


def _ids_sql(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


def _build_plan(
    s: Session, query: SearchQuery, d: _Dialect, exact_ids: tuple[int, ...] | None, keyed: bool = False
) -> _Plan:
    parsed = parse_query(query.text)
    names = _Names()
    if parsed.kind is QueryKind.TEXT:
        tiers = _text_segments(parsed, d, names)
    elif parsed.kind is QueryKind.PINYIN:
        tiers = _pinyin_segments(parsed, d, names)
    elif parsed.kind in (QueryKind.CODE, QueryKind.REG_NO):
        tiers = _code_segments(parsed, d, names)
    else:
        tiers = []  # a whole USCC: the exact lookup is the answer
    today = dt.date.today()
    fparts = _filter_parts(query.filters, d, names, today)
    filters = fparts[0].pred.and_(*(p.pred for p in fparts[1:])) if fparts else None
    drivers: list[_Cand] = []
    if d.sqlite and fparts:
        drivers += [_Cand(p.driver, True) for p in fparts if p.driver is not None]

    known_rows: dict[int, Any] = {}
    if exact_ids is None:
        exact_ids, known_rows = _exact_lookup(s, parsed, keyed) if parsed.is_text_search else ((), {})
    segments: list[_Segment] = []
    exclude_exact = False
    if parsed.kind is QueryKind.NOTHING_SEARCHABLE:
        pass
    elif not parsed.is_text_search:
        segments = [_Segment("all", "", TRUE, None)]
    elif query.sort is SortOrder.RELEVANCE:
        if exact_ids:
            segments.append(_Segment("exact", "完全一致", TRUE, None, True, exact_ids))
            exclude_exact = True
        first = len(segments)
        for i, tier in enumerate(tiers):
            # Leave out what earlier tiers show (their rows are among this tier's index candidates too,
            # so its index count is exact only while the earlier tiers are empty: see _decide).
            excludes = tuple((first + j, t.match) for j, t in enumerate(tiers[:i]))
            segments.append(replace(tier, excludes=excludes))
    else:
        parts = [t.match for t in tiers]
        if exact_ids:
            parts.insert(0, _Sql(f"e.id IN ({_ids_sql(exact_ids)})"))
        cand = _union_candidates([t.candidates for t in tiers], exact_ids, d)
        segments = [_Segment("all", "", _or(parts), cand)]
    if query.sort is SortOrder.DATE:
        # Walking newest-first needs the dated rows and the undated ones (last) as separate segments.
        split: list[_Segment] = []
        orders: list[str] = []
        for seg in segments:
            split.append(replace(seg, match=seg.match.and_(_Sql("e.established_on IS NOT NULL"))))
            split.append(
                replace(seg, key=seg.key + "_undated", match=seg.match.and_(_Sql("e.established_on IS NULL")))
            )
            orders += ["date", "date_null"]
        segments = split
    else:
        orders = ["name"] * len(segments)
    flag_drivers = tuple(c.sql for c in drivers)
    return _Plan(
        parsed,
        tuple(segments),
        tuple(orders),
        filters,
        tuple(drivers),
        exclude_exact,
        flag_drivers,
        tuple(fparts),
        query.sort,
        filter_keys=_filter_keys_sql(query.filters, today, sqlite=d.sqlite) if fparts else None,
        filter_key_check=_filter_key_check(query.filters, today, sqlite=d.sqlite) if fparts else None,
        text_search=parsed.is_text_search,
        known_rows=known_rows,
    )


def _union_candidates(cands: Sequence[_Cand | None], exact_ids: Sequence[int], d: _Dialect) -> _Cand | None:
    """One candidate set for all tiers (name and date order), or None when a tier has no index."""
    if not cands or any(c is None for c in cands):
        return None
    real = [c for c in cands if c is not None]
    if d.sqlite:
        selects = []
        params: list[tuple[str, Any]] = []
        for c in real:
            if c.subquery:
                selects.append(c.sql.sql)
            else:
                selects.append(f"SELECT e.id FROM enterprises e WHERE {c.sql.sql}")
            params += c.sql.params
        selects += [f"SELECT {int(i)}" for i in exact_ids]
        return _Cand(_Sql(" UNION ".join(selects), tuple(params)), True)
    preds = [c.sql for c in real]
    if exact_ids:
        preds.insert(0, _Sql(f"e.id IN ({_ids_sql(exact_ids)})"))
    return _Cand(_or(preds), False)


# --------------------------------------------------------------------------- ordering


@dataclass(frozen=True, slots=True)
class _Order:
    walk: str  # ORDER BY that the order index serves (keyset walk)
    sort: str  # ORDER BY for sorting materialised candidates (SQLite: "+" keeps the index out)
    keys: tuple[str, ...]
    keyset: str  # rows after the last key
    sqlite_index: str | None  # the SQLite index that serves ``walk``


_ORDERS = {
    "name": _Order(
        "e.name, e.id",
        "+e.name, e.id",
        ("e.name", "e.id"),
        "(e.name, e.id) > (:k0, :k1)",
        "ix_enterprises_name",
    ),
    "date": _Order(
        "e.established_on DESC, e.id DESC",
        "+e.established_on DESC, e.id DESC",
        ("e.established_on", "e.id"),
        "(e.established_on, e.id) < (:k0, :k1)",
        "ix_enterprises_established_on",
    ),
    "date_null": _Order("e.id DESC", "+e.id DESC", ("e.id",), "e.id < :k0", None),
}


# --------------------------------------------------------------------------- the service


class SearchService(Service):
    """Enterprise search (Permission.VIEW_DATA)."""

    def __init__(self, db: Database, actor: Actor) -> None:
        super().__init__(db, actor)
        self._d = _Dialect(db.is_sqlite)

    # -- public API

    def search(
        self, query: SearchQuery, *, page_size: int = PAGE_SIZE, cancel: Cancel | None = None
    ) -> SearchPage:
        """The first page, with the (capped) count of all matching rows."""
        self.require(Permission.VIEW_DATA)
        page_size = _check_page_size(page_size)
        started = time.perf_counter()

        def first_page(s: Session) -> SearchPage:
            plan = _build_plan(s, query, self._d, None, self._has_filter_keys(s))
            exact = next((seg.fixed_ids for seg in plan.segments if seg.fixed_ids is not None), ())
            cursor = SearchCursor(query, 0, 0, None, tuple(None for _ in plan.segments), exact, 0)
            total, capped, cursor = self._count(s, plan, cursor, cancel)
            rows, next_cursor = self._fetch(s, plan, cursor, page_size, cancel)
            elapsed = (time.perf_counter() - started) * 1000
            return SearchPage(rows, total, capped, next_cursor, plan.parsed, elapsed)

        return self._run(first_page, cancel)

    def fetch_more(
        self, cursor: SearchCursor, *, page_size: int = PAGE_SIZE, cancel: Cancel | None = None
    ) -> SearchPage:
        """The rows after ``cursor`` (``total`` repeats what the first page said)."""
        self.require(Permission.VIEW_DATA)
        page_size = _check_page_size(page_size)
        started = time.perf_counter()
        total, capped = _known_total(cursor)

        def next_page(s: Session) -> SearchPage:
            plan = _build_plan(s, cursor.query, self._d, cursor.exact_ids)
            rows, next_cursor = self._fetch(s, plan, cursor, page_size, cancel)
            elapsed = (time.perf_counter() - started) * 1000
            return SearchPage(rows, total, capped, next_cursor, plan.parsed, elapsed)

        return self._run(next_page, cancel)

    def _run(self, work: Callable[[Session], SearchPage], cancel: Cancel | None) -> SearchPage:
        """``work`` in a guarded read session; once more on a fresh connection when the pooled one was
        gone (a server restart, a dropped network link: the search pool does not ping before each use).
        A search only reads, so running it again is safe."""
        for attempt in (1, 2):
            try:
                with _GuardedSession(self, cancel) as s:
                    return work(s)
            except DatabaseError as exc:
                lost = getattr(exc.__cause__, "connection_invalidated", False)
                if attempt == 2 or not lost:
                    raise
        raise AssertionError("unreachable")

    def iter_rows(
        self, query: SearchQuery, *, limit: int, batch: int = 1000, cancel: Cancel | None = None
    ) -> Iterator[tuple[SearchPage, tuple[EnterpriseRow, ...]]]:
        """All rows of ``query`` (at most ``limit``) in batches, each with the first page (its count)."""
        first = self.search(query, page_size=min(batch, limit), cancel=cancel)
        yield first, first.rows
        done = len(first.rows)
        cursor = first.cursor
        while cursor is not None and done < limit:
            _check(cancel)
            page = self.fetch_more(cursor, page_size=min(batch, limit - done), cancel=cancel)
            yield first, page.rows
            done += len(page.rows)
            cursor = page.cursor

    # -- deciding how to read each segment

    def _count(
        self, s: Session, plan: _Plan, cursor: SearchCursor, cancel: Cancel | None
    ) -> tuple[int, bool, SearchCursor]:
        """Decide segments in order until their sum passes the cap: (total, capped, cursor)."""
        decisions = list(cursor.decisions)
        if not self._d.sqlite:
            self._read_few_at_once(s, plan, cursor.exact_ids, decisions)
        total = 0
        capped = False
        for i in range(len(plan.segments)):
            before = total - sum(len(seg.fixed_ids or ()) for seg in plan.segments[:i])
            dec = decisions[i] or self._decide(s, plan, i, cursor.exact_ids, before, cancel, decisions)
            decisions[i] = dec
            if dec.count is None:
                capped = True
                break
            total += dec.count
            if total > COUNT_CAP:
                capped = True
                break
        cursor = replace(cursor, decisions=tuple(decisions))
        return (COUNT_CAP, True, cursor) if capped else (total, False, cursor)

    def _where(
        self,
        plan: _Plan,
        seg: _Segment,
        exact_ids: Sequence[int],
        decisions: Sequence[_Decision | None] = (),
    ) -> _Sql:
        where = seg.match
        for j, earlier in seg.excludes:
            dec = decisions[j] if j < len(decisions) else None
            if dec is not None and dec.count == 0:
                continue  # no row matches that tier: excluding it would only cost time
            where = where.and_(_not(earlier))
        if plan.filters is not None:
            where = where.and_(plan.filters)
        if plan.exclude_exact and seg.fixed_ids is None and exact_ids:
            where = where.and_(_Sql(f"e.id NOT IN ({_ids_sql(exact_ids)})"))
        return where

    def _decide(
        self,
        s: Session,
        plan: _Plan,
        index: int,
        exact_ids: Sequence[int],
        before: int | None,
        cancel: Cancel | None,
        decisions: Sequence[_Decision | None] = (),
    ) -> _Decision:
        """How to read a segment: materialised and sorted when it is small, else walked (see the module
        docstring); with its exact count when that is at most COUNT_CAP."""
        _check(cancel)
        seg = plan.segments[index]
        order = plan.orders[index]
        where = self._where(plan, seg, exact_ids, decisions)
        if seg.fixed_ids is not None:
            if len(seg.fixed_ids) <= 1 and where is seg.match and seg.match is TRUE:
                return _Decision("ids", seg.fixed_ids, len(seg.fixed_ids))  # nothing to check or sort
            fixed = _Cand(_Sql(f"e.id IN ({_ids_sql(seg.fixed_ids)})"), False)
            ids = self._materialise(s, fixed, where, order)
            return _Decision("ids", ids, len(ids))
        # A text tier under relevance sorting is sorted by name only while small; a big one is read
        # newest first through its index, which costs the same wherever its rows sit in name order.
        tier = order == "name" and seg.key != "all"
        sort_limit = SORT_LIMIT if tier else COUNT_CAP
        # Relevance (also with filters only): newest first when big — a walk in name order would cross
        # every name before the first match when the matches cluster in name order (个体工商户 are all
        # "西安高新区…"). An explicit name or date order walks that order's index.
        big = "idwalk" if plan.sort is SortOrder.RELEVANCE else "walk"
        several = sum(1 for a in plan.atoms if a.driver is not None) > 1
        filters_only = seg.candidates is None and seg.match is TRUE and not exact_ids
        if filters_only and plan.filter_keys is not None and self._has_filter_keys(s):
            # Exactly the matches, from the filter keys (the work follows the matches, not the sizes of
            # the filters' sets), one index range per group of the keys.
            if not self._d.sqlite:
                return self._listed_from_keys_pg(s, plan.filter_keys, order, big)
            sql = f"{plan.filter_keys.sql} LIMIT {COUNT_CAP + 1}"
            # (one JSON array: see _filter_matches)
            listed = s.execute(
                text(f"SELECT json_group_array(m.id) FROM ({sql}) AS m"), plan.filter_keys.dict
            )
            key_ids = [int(i) for i in json.loads(listed.scalar_one())]
            return self._listed(s, key_ids, order, big)
        if filters_only and several:
            found = (self._decide_filters if self._d.sqlite else self._decide_filters_pg)(s, plan, order, big)
            if found is not None:
                return found
        if plan.text_search:
            found = self._decide_by_keys(s, plan, seg, where, order, sort_limit, big)
            if found is not None:
                return found
        if not self._d.sqlite:
            taken = None if before is None else before + len(exact_ids)  # rows earlier segments show
            return self._decide_pg(s, plan, seg, where, order, sort_limit, big, taken)
        # Rows that earlier tiers took may still be among this tier's index candidates; while those
        # tiers are all empty, the index count of this one is still exact.
        earlier_empty = before == 0
        slack = (COUNT_CAP if before is None else before) + len(exact_ids)
        sources: list[tuple[int, _Cand | None, bool]] = []  # (capped estimate, candidates, exact)
        if seg.candidates is not None:
            cap = COUNT_CAP + 1 + slack
            sources.append((self._estimate(s, seg.candidates, cap), seg.candidates, seg.exact_candidates))
        for drv in plan.drivers:
            sources.append((self._estimate(s, drv, COUNT_CAP + 1), drv, False))
        if not sources:  # filters only (or no index for this tier): count through the planner's choice
            rows = self._count_where(s, None, where, COUNT_CAP + 1)
            if rows <= sort_limit:
                ids = self._materialise(s, None, where, order)
                return _Decision("ids", ids, len(ids))
            return _Decision(big, (), rows if rows <= COUNT_CAP else None)
        totals: dict[int, int] = {}  # id(candidates) → their full number, where counted
        if len(sources) > 1 and sum(1 for e, _, _ in sources if e > COUNT_CAP) > 1:
            # Several capped sets: which is smallest decides the cost of everything below.
            # (Index-only counts: about 50 ns per entry, 50 ms for a million.)
            refined = []
            for e, c, x in sources:
                if e > COUNT_CAP and c is not None:
                    e = self._estimate(s, c, 100 * COUNT_CAP)
                    totals[id(c)] = e
                refined.append((e, c, x))
            sources = refined
        est, cand, exact = min(sources, key=lambda x: x[0])
        _check(cancel)
        if est == 0:
            return _Decision("ids", (), 0)
        if est <= sort_limit + slack:
            ids = self._materialise(s, cand, where, order, sort_limit + 1)
            if len(ids) <= sort_limit:
                return _Decision("ids", ids, len(ids))
        if exact and earlier_empty and plan.filters is None and cand is seg.candidates:
            # The index counts exactly the rows that match (less the exact matches shown first).
            taken = 0
            if exact_ids:
                shown = _Cand(_Sql(f"e.id IN ({_ids_sql(exact_ids)})"), False)
                taken = self._count_where(s, shown, seg.match, slack + 1)
            return self._by_count(s, est - taken, cand, where, order, sort_limit, big)
        # Otherwise judge from the candidates themselves, read in their index's order.
        assert cand is not None
        sub = (
            cand
            if cand.subquery
            else _Cand(
                _Sql(f"SELECT e.id AS id FROM enterprises e WHERE {cand.sql.sql}", cand.sql.params), True
            )
        )
        verdict = self._judge(s, sub, where, totals.get(id(cand)))
        if verdict == "big":
            return _Decision(big, (), None)
        if isinstance(verdict, int) and verdict > sort_limit:
            return _Decision(big, (), verdict)
        if verdict == "unclear" and len(plan.flag_drivers) > 1:
            # Two big sets (经营异常 and 持有许可, a status and a date range …): their intersection from
            # the indexes alone is far cheaper than checking one set's rows one by one.
            common = self._intersect(s, plan.flag_drivers)
            if not common:
                return _Decision("ids", (), 0)
            if len(common) > COUNT_CAP and not plan.text_search:
                return _Decision(big, (), None)  # the filters are all there is: more than COUNT_CAP
            ids_json = json.dumps(common)  # a JSON array: SQLite reads it with json_each, no SQL text
            sub = _Cand(_Sql("SELECT value AS id FROM json_each(:ids)", (("ids", ids_json),)), True)
        return _counted(self._materialise(s, sub, where, order, COUNT_CAP + 1), sort_limit, big)

    def _decide_filters(self, s: Session, plan: _Plan, order: str, big: str) -> _Decision | None:
        """SQLite, filters only, several of them: the matching ids, counted exactly up to COUNT_CAP.

        Two big sets with a small intersection (经营异常 and 持有许可, a section and a subject
        category …) are the slow case: every id of one must be checked against the other. The
        smallest set drives; each other filter is checked for that id through its own index, most
        selective first, so a check is one index seek rather than a read of the wide row. The walk
        stops at COUNT_CAP + 1 matches. None: some index is missing (an old database), decide as before.
        """
        atoms = [a for a in plan.atoms if a.probe is not None]
        if len(atoms) != len(plan.atoms):
            return None
        needed = {a.probe_index for a in atoms if a.probe_index}
        if needed:
            names = ", ".join(f"'{n}'" for n in sorted(needed))
            found = s.execute(
                text(f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({names})")
            ).scalar_one()
            if found != len(needed):
                return None
        # Which set is smallest: each filter is checked for ids spread evenly over the table (a few
        # hundred index seeks each, one statement). This only chooses the driver, never a count:
        # counting a big set (存续, 900,000 rows) just to compare would cost more than it saves.
        lo, hi = s.execute(  # (two subqueries: each is one seek)
            text("SELECT (SELECT min(id) FROM enterprises), (SELECT max(id) FROM enterprises)")
        ).one()
        if lo is None:
            return _Decision("ids", (), 0)
        step = (hi - lo + 1) / RANK_SAMPLE
        spread = json.dumps(sorted({int(lo + step * (k + 0.5)) for k in range(RANK_SAMPLE)}))
        probes = [a.probe for a in atoms if a.probe is not None]
        sums = ", ".join(f"sum(CASE WHEN {p.sql} THEN 1 ELSE 0 END)" for p in probes)
        params = dict(itertools.chain(*(p.params for p in probes)), spread=spread)
        hits = s.execute(
            text(f"SELECT {sums} FROM (SELECT value AS id FROM json_each(:spread)) AS d"), params
        ).one()
        sizes = [
            float(h or 0) if a.driver is not None else math.inf for a, h in zip(atoms, hits, strict=True)
        ]
        ranked = sorted(zip(sizes, range(len(atoms)), strict=True))
        return self._drive_filters(s, atoms, [i for _, i in ranked], order, big)

    def _decide_filters_pg(self, s: Session, plan: _Plan, order: str, big: str) -> _Decision | None:
        """PostgreSQL, filters only, several of them: as on SQLite, one filter's ids drive and the
        others are semi-joins, each set read from an index that holds (value, id) — index-only, in id
        order, so the planner can merge them — rather than bitmaps that must visit the wide rows.
        The planner orders the joins itself (semi-joins can be turned round): no estimate is asked for."""
        atoms = [a for a in plan.atoms if a.probe is not None]
        if len(atoms) != len(plan.atoms):
            return None
        ranked = sorted(range(len(atoms)), key=lambda i: atoms[i].driver is None)
        return self._drive_filters(s, atoms, ranked, order, big)

    def _drive_filters(
        self, s: Session, atoms: Sequence[_Filter], ranked: Sequence[int], order: str, big: str
    ) -> _Decision:
        """The ids of the first atom (``ranked[0]``) that pass the others' checks, up to COUNT_CAP + 1."""
        drive = atoms[ranked[0]]
        assert drive.driver is not None
        checks = [p for i in ranked[1:] if (p := atoms[i].probe) is not None]
        cond = checks[0].and_(*checks[1:])  # (there are at least two filters)
        sql = f"SELECT d.id FROM ({drive.driver.sql}) AS d WHERE {cond.sql} LIMIT {COUNT_CAP + 1}"
        self._hint(s, "any")
        ids = [int(r[0]) for r in s.execute(text(sql), {**drive.driver.dict, **cond.dict})]
        return self._listed(s, ids, order, big)

    def _decide_by_keys(
        self, s: Session, plan: _Plan, seg: _Segment, where: _Sql, order: str, sort_limit: int, big: str
    ) -> _Decision | None:
        """A term with filters, through the filter keys (None: they cannot help; decide as before).

        The term's index candidates T are counted and, unless they are few, the filters' matches F are
        listed from the keys (the cost follows them). When F is few next to T — 迁出 registered since
        2024 and 限, which nearly every name holds (有限公司) — the rows of F are read and checked for
        the term. Otherwise each candidate of T is checked against its filter key (a seek in the narrow
        keys table, ~0.5 µs) and only those that pass are read, until COUNT_CAP + 1 have passed (when
        both sets are big, many pass and that comes early). Either way the count is exact up to
        COUNT_CAP. PostgreSQL: only the first way, for few filter matches (its planner reads the rest
        through its indexes)."""
        cand = seg.candidates
        if not self._d.sqlite:
            fids = self._filter_matches(s, plan, FEW_FILTER_MATCHES)
            if fids is None:
                return None
            return _counted(self._check_ids(s, fids, where, order), sort_limit, big)
        if cand is None or plan.filter_key_check is None or not self._has_filter_keys(s):
            return None
        sub = (
            cand
            if cand.subquery
            else _Cand(
                _Sql(f"SELECT e.id AS id FROM enterprises e WHERE {cand.sql.sql}", cand.sql.params), True
            )
        )
        total = self._estimate(s, sub, 2 * COUNT_CAP + 1)
        if total > FEW_FILTER_MATCHES:  # (few candidates: checking their keys is cheaper than listing F)
            fids = self._filter_matches(s, plan, FILTER_IDS_LIMIT)
            # Checking a row of F costs about eight times what a key check of a candidate of T does.
            if fids is not None and FILTER_COST_RATIO * len(fids) > 2 * COUNT_CAP:
                total = self._estimate(s, sub, FILTER_COST_RATIO * len(fids) + 1)
            if fids is not None and (
                len(fids) <= FEW_FILTER_MATCHES or total > FILTER_COST_RATIO * len(fids)
            ):
                return _counted(self._check_ids(s, fids, where, order), sort_limit, big)
        # A quick look at the first candidates (enough for a plainly big set); then the candidates one by
        # one, until COUNT_CAP + 1 pass (when both sets are big, many pass and the scan stops early).
        quick = min(total, 2 * COUNT_CAP + 1)
        if quick > 2 * COUNT_CAP and self._clearly_big(s, sub, where, quick, SAMPLE // 5):
            return _Decision(big, (), None)
        found = self._keyed(s, sub, plan.filter_key_check, where)
        if len(found) > COUNT_CAP or (len(found) > sort_limit and big == "idwalk"):
            return _counted(found, sort_limit, big)  # (no name order needed)
        return self._listed(s, found, order, big)

    def _keyed(self, s: Session, sub: _Cand, check: _Sql, where: _Sql) -> list[int]:
        """SQLite: the candidates ``sub`` that pass the filter-key ``check`` and then ``where`` on the
        row, at most COUNT_CAP + 1 (unsorted: the scan stops there). The keys are checked before any
        wide row is read."""
        sql = (
            f"SELECT DISTINCT e.id FROM ({sub.sql.sql}) AS c CROSS JOIN {search_index.FILTER_KEYS} k "
            f"CROSS JOIN enterprises e WHERE k.id = c.id AND {check.sql} AND e.id = c.id AND ({where.sql}) "
            f"LIMIT {COUNT_CAP + 1}"
        )
        return [int(r[0]) for r in s.execute(text(sql), {**sub.sql.dict, **check.dict, **where.dict})]

    def _filter_matches(self, s: Session, plan: _Plan, limit: int) -> list[int] | None:
        """The ids (sorted) of the enterprises that pass the filters, when the filter keys hold all the
        filters and at most ``limit`` enterprises pass (read from the keys: the cost follows the
        matches); else None. Remembered for the search's other tiers."""
        fk = plan.filter_keys
        if fk is None or not self._has_filter_keys(s):
            return None
        # (PostgreSQL reads at most COUNT_CAP + 1 keys per group: more would not show that it was cut.)
        limit = limit if self._d.sqlite else min(limit, COUNT_CAP)
        key = ("gxq_filter_matches", fk.sql, fk.params, limit)
        if key not in s.info:
            self._hint(s, "any")
            sql = f"{fk.sql} LIMIT {limit + 1}"
            if self._d.sqlite:  # (one JSON array: 25,000 rows one by one cost ~30 ms in Python)
                listed = s.execute(text(f"SELECT json_group_array(m.id) FROM ({sql}) AS m"), fk.dict)
                ids = [int(i) for i in json.loads(listed.scalar_one())]
            else:  # (one array: see _listed)
                sql = f"SELECT array_agg(m.id) FROM ({sql}) AS m"
                ids = [int(i) for i in s.execute(text(sql), fk.dict).scalar_one() or ()]
            s.info[key] = sorted(ids) if len(ids) <= limit else None
        found: list[int] | None = s.info[key]
        return found

    def _check_ids(self, s: Session, ids: Sequence[int], where: _Sql, order: str) -> tuple[int, ...]:
        """Those of ``ids`` whose row passes ``where``, in display order (each row read by its id)."""
        if not ids:
            return ()
        if self._d.sqlite:
            listed = _Cand(
                _Sql("SELECT value AS id FROM json_each(:few_ids)", (("few_ids", json.dumps(ids)),)), True
            )
        else:  # (the array as a literal: see _listed)
            literal = "{" + ",".join(map(str, ids)) + "}"
            listed = _Cand(_Sql("e.id = ANY(CAST(:few_ids AS integer[]))", (("few_ids", literal),)), False)
        return self._materialise(s, listed, where, order, len(ids))

    def _has_filter_keys(self, s: Session) -> bool:
        """Whether the filter keys exist (an older database may lack them: decide as before).
        PostgreSQL: remembered by the search's own connection for GRAM_STATS_MAX_AGE_S (a round trip
        per search otherwise); SQLite: by the session."""
        if self._d.sqlite:
            if "gxq_filter_keys" not in s.info:
                s.info["gxq_filter_keys"] = search_index.has_filter_keys(s.connection())
            return bool(s.info["gxq_filter_keys"])
        return bool(
            _per_connection(s, "gxq_filter_keys", lambda: search_index.has_filter_keys(s.connection()))
        )

    def _listed_from_keys_pg(self, s: Session, keys: _Sql, order: str, big: str) -> _Decision:
        """PostgreSQL, filters only: :meth:`_listed` of the filter keys' matches in one statement — their
        count and, when they are at most COUNT_CAP, their ids in display order (name and date from the
        narrow index keyed by id, as there). The ids need not travel to the client and back: 10,000 of
        them cost psycopg milliseconds each way."""
        # As in _listed: an index-only probe per id, in id order (neighbouring ids share index pages).
        self._hint(s, "index")
        o = _ORDERS[order]
        sql = (
            f"WITH m AS MATERIALIZED ({keys.sql} LIMIT {COUNT_CAP + 1}) "
            "SELECT n, CASE WHEN n <= :cap THEN (SELECT array_agg(e.id ORDER BY "
            f"{o.walk}) FROM (SELECT id FROM m ORDER BY id) AS m JOIN enterprises e ON e.id = m.id) END "
            "FROM (SELECT count(*) AS n FROM m) AS c"
        )
        n, found = s.execute(text(sql), {**keys.dict, "cap": COUNT_CAP}).one()
        if n > COUNT_CAP:
            return _Decision(big, (), None)
        sorted_ids = tuple(int(i) for i in found or ())
        return _Decision("ids", sorted_ids, len(sorted_ids))

    def _listed(self, s: Session, ids: list[int], order: str, big: str) -> _Decision:
        """The decision for the matches ``ids`` (at most COUNT_CAP + 1, each checked against every filter)."""
        if len(ids) > COUNT_CAP:
            return _Decision(big, (), None)
        if not ids:
            return _Decision("ids", (), 0)
        # The ids are the matches (each filter was checked): only their order is left to find.
        if self._has_filter_keys(s):
            # Name and date from a narrow index keyed by id rather than from the wide rows (a third of the
            # time for 10,000 ids); in id order, so that neighbouring ids share index pages.
            o = _ORDERS[order]
            if self._d.sqlite:
                sql = (
                    "SELECT e.id FROM (SELECT value AS id FROM json_each(:ids)) AS c "
                    f"JOIN enterprises e INDEXED BY {search_index.SORT_INDEX} ON e.id = c.id ORDER BY {o.sort}"
                )
                found = [r[0] for r in s.execute(text(sql), {"ids": json.dumps(sorted(ids))})]
            else:
                # PostgreSQL: an index-only scan of that index, one probe per id. The ids go and come back
                # as one array each: psycopg sends a list of 10,000 ints four times slower than its
                # literal, and reads rows one by one slowly, or all at once as 10,000 objects that then
                # survive into the collector's oldest generation and make its full collections (50–100 ms
                # in a big process) far more frequent.
                self._hint(s, "index")
                sql = (
                    f"SELECT array_agg(e.id ORDER BY {o.walk}) FROM unnest(CAST(:ids AS integer[])) AS c (id) "
                    "JOIN enterprises e ON e.id = c.id"
                )
                found = s.execute(
                    text(sql), {"ids": "{" + ",".join(map(str, sorted(ids))) + "}"}
                ).scalar_one()
            sorted_ids = tuple(int(i) for i in found or ())
            return _Decision("ids", sorted_ids, len(sorted_ids))
        if self._d.sqlite:
            listed = _Cand(_Sql("SELECT value AS id FROM json_each(:ids)", (("ids", json.dumps(ids)),)), True)
        else:
            listed = _Cand(_Sql("e.id = ANY(CAST(:ids AS integer[]))", (("ids", ids),)), False)
        found_ids = self._materialise(s, listed, TRUE, order, COUNT_CAP + 1)
        return _Decision("ids", found_ids, len(found_ids))

    def _decide_pg(
        self,
        s: Session,
        plan: _Plan,
        seg: _Segment,
        where: _Sql,
        order: str,
        sort_limit: int,
        big: str,
        taken: int | None,
    ) -> _Decision:
        """PostgreSQL: a GIN bitmap cannot stop early, and reading every candidate row to count "up to
        10,000" of a common gram is slow. The bitmap itself is cheap, though: its size (the number of
        candidates, from EXPLAIN ANALYZE of a one-row query) and the share of real matches among the
        first candidates decide, as on SQLite. Without a gram index (filters only), the planner's
        statistics say whether the set is big; a big one is counted by a scan that stops at
        COUNT_CAP + 1 matches."""
        quick = self._quick_read(s, seg, where, order, sort_limit)
        if quick is not None:
            # By the statistics few enough to sort even if every row changed since ANALYZE holds the
            # gram (most 3- and 4-character names, legal representatives), or a USCC range: read and
            # sort them at once — a probe or count would cost a statement of its own (~0.7 ms) and then
            # the same read. Should there be more after all, decide as below.
            ids = self._read_ids(s, *quick)
            if len(ids) <= sort_limit:
                return _Decision("ids", ids, len(ids))
        cand = seg.candidates
        # Counting stops where this segment and the rows shown before it pass COUNT_CAP together.
        need = COUNT_CAP + 1 - (taken or 0)
        total = None
        probe: tuple[int, int, int] | None = None
        sampled: _BlockSample | None = None
        probed = False  # a probe was asked (it may have come back without the bitmap's size)
        part_estimate = 0.0
        stats = self._gram_stats(s, cand.field) if cand is not None and cand.parts else None
        # One gram that is the whole term: its index entries are exactly the term's rows. (Not so for
        # the one gram _rarest_grams may leave of several.)
        whole = cand is not None and len(cand.parts) == 1
        if cand is not None and stats is not None and len(cand.parts) > 1:
            cand = _rarest_grams(cand, stats)
        if cand is not None and cand.parts:
            # A gram in most names ("科", "西安"): its bitmap alone takes tens of milliseconds; the
            # statistics of the gram index know it is common. Several grams hold at most the rows of
            # the rarest one; when even that is in most names ("有限公", "限公司") a scan finds the
            # matches long before the bitmaps are built. (Without statistics several grams are probed.)
            if stats is not None:
                part_estimate = min(stats.rows(g) for g in cand.grams)
            elif len(cand.parts) == 1:
                part_estimate = self._planner_rows(s, cand.parts[0])
            own = seg.exact_candidates and whole and plan.filters is None
            at_least = stats.at_least(cand.grams[0]) if stats is not None else 0.0
            if own and taken is not None and at_least > COUNT_CAP + taken:
                # The one gram is the whole term (one or two characters) and, by the statistics ANALYZE
                # keeps of the gram index, in more than COUNT_CAP rows even at the low end of their
                # sampling error and if every row changed since was one of them — as for "own" below,
                # all segments together hold more than COUNT_CAP. Its bitmap alone would cost 5–25 ms.
                return _Decision(big, (), None)
            if (
                stats is not None
                and part_estimate > BLOCK_SAMPLE_FROM * need
                and stats.table_rows >= BLOCK_SAMPLE_MIN_TABLE
            ):
                sampled = self._block_sample(s, where, stats.table_rows)
                if sampled is not None and sampled.clearly_above(need):
                    # The candidates may be many (an address, a business-scope word) and a sample of
                    # table blocks holds clearly more than the tier needs: no bitmap (~10 ms for 30,000
                    # rows) and no count (~30 ms for 10,000 rows).
                    return _Decision(big, (), None)
            if part_estimate <= 10 * COUNT_CAP:
                probed = True
                probe = self._pg_probe(s, cand, where, SAMPLE // 5)
                total = probe[0] if probe is not None else None
        if total is not None and probe is not None and cand is not None:
            total, examined, hits = probe
            if total == 0:
                return _Decision("ids", (), 0)
            if total <= sort_limit:
                ids = self._materialise(s, cand, where, order)
                return _Decision("ids", ids, len(ids))
            exact = seg.exact_candidates and plan.filters is None and not plan.exclude_exact
            if exact and whole and "NOT (" not in where.sql:
                n = total  # one gram that is the whole term: the index count is the answer
            elif own and taken is not None and total > COUNT_CAP and total - taken > sort_limit:
                # The bitmap holds exactly the rows this tier's own condition matches. Earlier segments
                # show at most ``taken`` of them, so this tier is big (walked), and all segments
                # together hold at least ``total`` rows: more than COUNT_CAP, without counting them.
                return _Decision(big, (), None)
            else:
                p = hits / max(examined, 1)
                margin = 2 * math.sqrt(max(p * (1 - p), 0.01) / max(examined, 1)) + 0.02
                if total * (p - margin) > 1.2 * COUNT_CAP:
                    return _Decision(big, (), None)
                if total * p <= sort_limit:
                    # Probably few enough to sort: read and sort them at once (one pass over the
                    # candidates instead of a count and then a read).
                    ids = self._materialise(s, cand, where, order, sort_limit + 1)
                    if len(ids) <= sort_limit:
                        return _Decision("ids", ids, len(ids))
                n = self._count_where(s, cand, where, need)
        elif sampled is not None and sampled.clearly_below(need):
            # The gram is common but the filters (or earlier tiers) leave few of its rows, and the
            # sample says so: a scan would read the whole table to find that out (店 founded 2018-2020
            # as a 企业: 835 rows, 360-530 ms). The gram's bitmap ANDed with the filters' own indexes
            # reads only the pages that can hold a match (80-110 ms).
            if sampled.clearly_below(sort_limit + 1):
                ids = self._materialise(s, cand, where, order, sort_limit + 1)
                if len(ids) <= sort_limit:
                    return _Decision("ids", ids, len(ids))
            n = self._count_where(s, cand, where, need)
        else:
            btree = cand is not None and not cand.parts  # a b-tree range: always counted by a scan
            estimate = (
                0.0 if btree else self._planner_rows(s, where if cand is None else cand.sql.and_(where))
            )
            estimate = max(estimate, part_estimate)
            # A gram bitmap of at most 10 × COUNT_CAP rows whose probe said nothing (the planner ANDed
            # it with a filter's index): counting through it reads at most those rows, and stops at
            # ``need`` like a scan — which reads the whole table whenever fewer match (口贸易 with
            # risk class A: 7,903 of 20,866 candidates, 44-67 ms against 654 ms).
            if (estimate > 2 * COUNT_CAP or btree) and not probed:
                # Many match (or a b-tree range: initials, USCC prefix): a scan finds COUNT_CAP + 1
                # of them soon — for a range, of an index that holds the column (index-only); for a
                # common gram, of the table in its physical order (the name index would cross whole
                # runs of similar names first: all 个体工商户 are "西安高新区…").
                self._hint(s, "scan" if cand is not None and cand.parts else "index")
                cond = where if cand is None or cand.parts else cand.sql.and_(where)
                sql = f"SELECT count(*) FROM (SELECT 1 FROM enterprises e WHERE {cond.sql} LIMIT {need}) AS n"
                n = int(s.execute(text(sql), cond.dict).scalar_one())
            else:
                n = self._count_where(s, cand, where, need)
        if n >= need:
            return _Decision(big, (), None)  # with the rows before it, more than COUNT_CAP
        return self._by_count(s, n, cand, where, order, sort_limit, big)

    def _quick_read(
        self, s: Session, seg: _Segment, where: _Sql, order: str, sort_limit: int
    ) -> tuple[str, _Sql, str] | None:
        """PostgreSQL: when a tier's rows are few by what is known before reading — the gram statistics
        bound its rarest gram to at most ``sort_limit`` rows even if every row changed since ANALYZE
        holds it, or it is a range of a USCC b-tree (the codes ending in "522D": a handful) — the
        statement that reads its ids in display order, at most ``sort_limit`` + 1 of them, and the plan
        hint it needs; else None. (Initials prefixes are often thousands: those are counted first.)"""
        cand = seg.candidates
        if cand is None:
            return None
        o = _ORDERS[order]
        if not cand.parts:
            if seg.key not in ("uscc_suffix", "uscc_prefix"):
                return None
            # (A range that holds many — "9161…" — is cut at sort_limit + 1 by an index scan.)
            cond = cand.sql.and_(where)
            sql = (
                "SELECT e.id FROM (SELECT e.id, e.name, e.established_on FROM enterprises e "
                f"WHERE {cond.sql} LIMIT {sort_limit + 1}) AS e ORDER BY {o.walk}"
            )
            return sql, cond, "index"
        stats = self._gram_stats(s, cand.field)
        if stats is None:
            return None
        if len(cand.parts) > 1:
            cand = _rarest_grams(cand, stats)
        if min(stats.rows(g) for g in cand.grams) + stats.changed > sort_limit:
            return None
        # (OFFSET 0: the order is not pushed into the scan, so no plan walks the name index instead.)
        source, cond = self._from(cand, where)
        sql = (
            f"SELECT e.id FROM (SELECT e.id, e.name, e.established_on FROM {source} WHERE {cond.sql} "
            f"OFFSET 0) AS e ORDER BY {o.walk} LIMIT {sort_limit + 1}"
        )
        return sql, cond, "candidates"

    def _read_ids(self, s: Session, sql: str, cond: _Sql, hint: str) -> tuple[int, ...]:
        """PostgreSQL: the ids ``sql`` selects, in its order, each once (an index may propose a row
        twice), read as one array: 2,000 ids took 4.4 ms row by row, 1.4 ms so (see _listed)."""
        self._hint(s, hint)
        return tuple(
            dict.fromkeys(int(i) for i in s.execute(text(f"SELECT ARRAY({sql})"), cond.dict).scalar_one())
        )

    def _read_few_at_once(
        self, s: Session, plan: _Plan, exact_ids: Sequence[int], decisions: list[_Decision | None]
    ) -> None:
        """PostgreSQL: when every tier still to decide is few by what is known before reading (see
        _quick_read), they are all read in one statement and decided here — each would otherwise be a
        round trip of its own (a last-4 code: its ending, its start, the codes and the names). Each tier
        leaves out the rows of every tier before it, as _decide's would while none of them is known to
        be empty; a tier with more rows after all is left to _decide. (Not when a tier may be many: it
        may fill the page and the count on its own, and the others are then never read. Nor with
        filters: the filter keys decide those.)"""
        if plan.filters is not None or not plan.text_search:
            return
        reads: list[tuple[int, str, _Sql, str]] = []
        for i, seg in enumerate(plan.segments):
            if decisions[i] is not None or seg.fixed_ids is not None:
                continue
            order = plan.orders[i]
            if order != "name" or seg.key == "all":
                return  # (a date order, or one tier for all: counted up to COUNT_CAP, not sorted)
            quick = self._quick_read(s, seg, self._where(plan, seg, exact_ids, decisions), order, SORT_LIMIT)
            if quick is None:
                return  # a tier of many may fill the page and the count alone: the rest wait for it
            reads.append((i, *quick))
        if len(reads) < 2:
            return  # (one read is one statement either way: _decide makes it)
        # The b-tree reads want an index scan that stops at the limit, the gram reads GIN bitmaps (their
        # order is kept out of their scans): both are open to the planner, a scan of the table is not.
        self._hint(s, "few" if any(r[3] == "index" for r in reads) else "candidates")
        params: dict[str, Any] = {}
        for _, _, cond, _ in reads:
            params.update(cond.dict)
        sql = "SELECT " + ", ".join(f"ARRAY({r[1]})" for r in reads)
        found = s.execute(text(sql), params).one()
        for (i, *_), arr in zip(reads, found, strict=True):
            ids = tuple(dict.fromkeys(int(x) for x in arr))
            if len(ids) <= SORT_LIMIT:
                decisions[i] = _Decision("ids", ids, len(ids))

    def _by_count(
        self, s: Session, n: int, cand: _Cand | None, where: _Sql, order: str, sort_limit: int, big: str
    ) -> _Decision:
        """From an exact count ``n`` of the matches: more than COUNT_CAP, few enough to sort (then the
        ids are read), or walked in index order with that count."""
        if n > COUNT_CAP:
            return _Decision(big, (), None)
        if n <= sort_limit:
            ids = self._materialise(s, cand, where, order)
            return _Decision("ids", ids, len(ids))
        return _Decision(big, (), n)

    def _gram_stats(self, s: Session, fld: str) -> _GramStats | None:
        """What ANALYZE knows of the gram index of ``fld`` (its most common grams), read once per
        connection and again after GRAM_STATS_MAX_AGE_S; None when it has no statistics yet."""

        def load() -> dict[str, _GramStats]:
            rows = s.execute(
                text(
                    "SELECT s.tablename, CAST(CAST(s.most_common_elems AS text) AS text[]),"
                    " s.most_common_elem_freqs, s.null_frac, c.reltuples, c.relpages, t.n_mod_since_analyze,"
                    # ANALYZE samples at least 300 rows per unit of the column's statistics target.
                    " 300 * CASE WHEN coalesce(a.attstattarget, -1) < 0"
                    " THEN CAST(current_setting('default_statistics_target') AS integer)"
                    " ELSE a.attstattarget END"
                    " FROM pg_stats s JOIN pg_class c ON c.relname = 'enterprises'"
                    " AND c.relnamespace = to_regnamespace(current_schema())"
                    " JOIN pg_stat_user_tables t ON t.relid = c.oid"
                    " JOIN pg_class ic ON ic.relname = s.tablename AND ic.relnamespace = c.relnamespace"
                    " JOIN pg_attribute a ON a.attrelid = ic.oid AND a.attname = s.attname"
                    " WHERE s.schemaname = current_schema() AND s.tablename LIKE 'ix\\_enterprises\\_search\\_%'"
                    " AND s.most_common_elems IS NOT NULL"
                )
            )
            by_field: dict[str, _GramStats] = {}
            for index, elems, freqs, null_frac, reltuples, pages, changed, sampled in rows:
                if not elems or not freqs or reltuples is None or reltuples <= 0:
                    continue
                with_value = 1.0 - float(null_frac or 0.0)
                live = float(reltuples) * with_value
                by_field[index.removeprefix("ix_enterprises_search_")] = _GramStats(
                    dict(zip(elems, (float(f) for f in freqs), strict=False)),
                    float(freqs[-3]),
                    live,
                    float(changed or 0),
                    min(float(sampled or 0) * with_value, live),
                    # ANALYZE samples at most as many blocks as rows: a table with fewer blocks gives
                    # several sampled rows per block (often alike: imported together), which count as
                    # fewer independent draws.
                    max(1.0, float(sampled or 0) / max(float(pages or 0), 1.0)),
                    float(reltuples),
                )
            return by_field

        stats: dict[str, _GramStats] = _per_connection(s, "gxq_gram_stats", load)
        return stats.get(fld)

    def _block_sample(self, s: Session, where: _Sql, table_rows: float) -> _BlockSample | None:
        """PostgreSQL: how many rows pass ``where``, estimated from whole table blocks picked at random
        (TABLESAMPLE SYSTEM, about BLOCK_SAMPLE_ROWS rows; the same blocks for the same conditions, so a
        search gives the same answer each time). None when too few blocks came (a small or empty
        table).

        Each block is taken with probability q, so the matches in the sampled blocks over q estimate
        all of them, with a variance of (1 − q) / q² times the sum of each sampled block's matches
        squared: rows of one block that match together (enterprises on one road imported together)
        widen the error as they should."""
        share = min(1.0, BLOCK_SAMPLE_ROWS / max(table_rows, 1.0))
        seed = zlib.crc32(repr(where.params).encode())
        self._hint(s, "any")
        sql = (
            "SELECT count(*), coalesce(sum(b.h), 0), coalesce(sum(b.h * b.h), 0) FROM ("
            f"SELECT count(*) FILTER (WHERE {where.sql}) AS h FROM enterprises e "
            f"TABLESAMPLE SYSTEM ({share * 100:.6f}) REPEATABLE ({seed}) "
            "GROUP BY (CAST(CAST(e.ctid AS text) AS point))[0]) AS b"
        )
        blocks, hits, squares = s.execute(text(sql), where.dict).one()
        if int(blocks) < BLOCK_SAMPLE_MIN_BLOCKS:
            return None
        return _BlockSample(
            float(hits) / share, math.sqrt((1.0 - share) * float(squares)) / share, 1.0 / share
        )

    def _pg_probe(self, s: Session, cand: _Cand, where: _Sql, sample: int) -> tuple[int, int, int] | None:
        """One statement for (candidates in the GIN bitmap, candidates read, real matches among them):
        EXPLAIN ANALYZE of a query that stops after ``sample`` matches (see :func:`_probe_counts`).
        None if the plan is not the bitmap scan expected."""
        self._hint(s, "candidates")
        both = cand.sql.and_(where)
        result = s.execute(
            text(
                "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "
                f"SELECT 1 FROM enterprises e WHERE {both.sql} LIMIT {int(sample)}"
            ),
            both.dict,
        ).scalar_one()
        data = json.loads(result) if isinstance(result, str) else result
        return _probe_counts(data[0]["Plan"], f"ix_enterprises_search_{cand.field}")

    def _planner_rows(self, s: Session, cond: _Sql) -> float:
        # (No plan hint: the row estimate does not depend on which scans are enabled.)
        plan = s.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM enterprises e WHERE {cond.sql}"), cond.dict
        )
        data = plan.scalar_one()
        if isinstance(data, str):
            data = json.loads(data)
        return float(data[0]["Plan"]["Plan Rows"])

    def _judge(self, s: Session, cand: _Cand, where: _Sql, total: int | None = None) -> str | int:
        """Whether a candidate set (a subquery) holds clearly more than COUNT_CAP real matches ("big"),
        few enough candidates to sort them all ("small"), exactly n matches (int, all candidates read),
        or many candidates and it is not clear ("unclear": sorting them all costs in proportion to the
        candidates).

        The index count (up to 10 × COUNT_CAP) and the share of real matches in a sample of the
        candidates (see :meth:`_sample`) decide. Only "10,000+" and the choice to walk rest on the
        estimate — every row shown is re-checked on the row itself."""

        # A quick look first (most big sets are plainly big: an address, a common word) …
        if total is None:
            total = self._estimate(s, cand, 2 * COUNT_CAP + 1)
            if total > 2 * COUNT_CAP and self._clearly_big(s, cand, where, total, SAMPLE // 5):
                return "big"
            if total > 2 * COUNT_CAP:
                total = self._estimate(s, cand, 10 * COUNT_CAP + 1)
        if total <= SAMPLE:
            return "small"
        # … then a closer one.
        if self._clearly_big(s, cand, where, total, SAMPLE):
            return "big"
        if total <= 3 * COUNT_CAP:
            return "small"
        read, n = self._sample(s, cand, where, total, VERIFY_LIMIT)
        if n > COUNT_CAP:
            return "big"  # (real matches: no estimate)
        if read >= total:
            return n  # every candidate was read: n is exact
        p = n / max(read, 1)
        if total * (p - 3 * math.sqrt(max(p * (1 - p), 0.0001) / max(read, 1))) > 1.2 * COUNT_CAP:
            return "big"
        return "unclear"

    def _clearly_big(self, s: Session, cand: _Cand, where: _Sql, total: int, sample: int) -> bool:
        """Whether the first ``total`` candidates hold clearly more than COUNT_CAP matches, judged from a
        sample of about ``sample`` of them."""
        read, hits = self._sample(s, cand, where, total, sample)
        p = hits / max(read, 1)
        margin = 2 * math.sqrt(max(p * (1 - p), 0.01) / max(read, 1)) + 0.02
        return total * (p - margin) > 1.2 * COUNT_CAP

    def _sample(self, s: Session, cand: _Cand, where: _Sql, total: int, size: int) -> tuple[int, int]:
        """(candidates read, real matches among them) for about ``size`` of the first ``total``
        candidates, picked by a hash of their id — or all of them when ``size`` ≥ ``total``.

        Not the first ``size`` in index order: FTS5 lists its candidates by id, and the matches of a
        term with a filter often sit together in id order (enterprises imported together, the older ones
        listed as 经营异常 more often). A prefix then shows a share of matches the whole set does not
        have, and a tier of a few thousand rows was called "10,000+". Hashed ids spread the sample over
        the whole set; listing the candidates costs only the index (about 50 ns each), re-checking
        costs a row read per sampled one. When the set is bigger than ``total`` (a capped count), the
        estimate holds for its first ``total`` candidates: a lower bound of the whole."""
        if size >= total:
            picked = ""
            params: tuple[tuple[str, Any], ...] = ()
        else:
            # Fibonacci hashing: ids in a run land evenly over [0, 2^32); keep the share size / total.
            picked = " WHERE ((f.id * 2654435761) % 4294967296) < :sample_below"
            params = (("sample_below", int(size / total * 4294967296)),)
        self._hint(s, "candidates")
        sql = (
            f"SELECT count(*), count(e.id) FROM (SELECT f.id FROM ({cand.sql.sql} LIMIT {int(total)}) AS f"
            f"{picked}) AS c LEFT JOIN enterprises e ON e.id = c.id AND ({where.sql})"
        )
        read, hits = s.execute(text(sql), dict(cand.sql.params + params + where.params)).one()
        return int(read), int(hits)

    def _intersect(self, s: Session, drivers: Sequence[_Sql]) -> list[int]:
        sql = " INTERSECT ".join(f"SELECT id FROM ({d.sql})" for d in drivers)
        params = dict(itertools.chain(*(d.params for d in drivers)))
        return [int(r[0]) for r in s.execute(text(sql), params)]

    # -- statements

    def _estimate(self, s: Session, cand: _Cand, cap: int) -> int:
        """Index candidates, counted up to ``cap`` (no row is read)."""
        self._hint(s, "candidates")
        if cand.subquery:
            sql = f"SELECT count(*) FROM ({cand.sql.sql} LIMIT {int(cap)}) AS c"
        else:
            sql = f"SELECT count(*) FROM (SELECT 1 FROM enterprises e WHERE {cand.sql.sql} LIMIT {int(cap)}) AS c"
        return int(s.execute(text(sql), cand.sql.dict).scalar_one())

    @staticmethod
    def _from(cand: _Cand | None, where: _Sql) -> tuple[str, _Sql]:
        if cand is None:
            return "enterprises e", where
        if cand.subquery:
            return f"({cand.sql.sql}) AS c JOIN enterprises e ON e.id = c.id", _Sql(
                where.sql, cand.sql.params + where.params
            )
        return "enterprises e", cand.sql.and_(where)

    def _count_where(
        self, s: Session, cand: _Cand | None, where: _Sql, cap: int, max_candidates: int | None = None
    ) -> int:
        """Rows that really match (re-checked on the row), counted up to ``cap``; with
        ``max_candidates``, among the first that many index candidates only."""
        self._hint(s, "any" if cand is None else "candidates")
        if cand is not None and cand.subquery and max_candidates is not None:
            cand = _Cand(_Sql(f"{cand.sql.sql} LIMIT {int(max_candidates)}", cand.sql.params), True)
        source, cond = self._from(cand, where)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {cond.sql} LIMIT {int(cap)}) AS n"
        return int(s.execute(text(sql), cond.dict).scalar_one())

    def _materialise(
        self, s: Session, cand: _Cand | None, where: _Sql, order: str, cap: int = COUNT_CAP
    ) -> tuple[int, ...]:
        """Ids of the matching rows in display order (at most ``cap``)."""
        # Few rows match (they are counted by now): collect them through bitmaps and sort them. Left to
        # itself, PostgreSQL may walk the whole name index expecting matches all along it.
        source, cond = self._from(cand, where)
        o = _ORDERS[order]
        sql = (
            f"SELECT e.id FROM {source} WHERE {cond.sql} "
            f"ORDER BY {o.sort if self._d.sqlite else o.walk} LIMIT {int(cap)}"
        )
        if not self._d.sqlite:
            return self._read_ids(s, sql, cond, "candidates")
        return tuple(dict.fromkeys(int(r[0]) for r in s.execute(text(sql), cond.dict)))  # (a row twice)

    def _walk(
        self, s: Session, where: _Sql, order: str, last_key: tuple[Any, ...] | None, n: int
    ) -> list[tuple[Any, ...]]:
        """The next ``n`` matching rows in index order after ``last_key``: [(key..., id)]."""
        o = _ORDERS[order]
        cond = where
        if last_key is not None:
            cond = where.and_(_Sql(o.keyset, tuple((f"k{i}", v) for i, v in enumerate(last_key))))
        self._hint(s, "walk")
        # SQLite: read the order index in order (a filter's own index would make it read and sort all).
        indexed = f" INDEXED BY {o.sqlite_index}" if self._d.sqlite and o.sqlite_index else ""
        sql = (
            f"SELECT {', '.join(o.keys)} FROM enterprises e{indexed} WHERE {cond.sql} "
            f"ORDER BY {o.walk} LIMIT {int(n)}"
        )
        return [tuple(r) for r in s.execute(text(sql), cond.dict)]

    def _walk_ids(
        self, s: Session, cand: _Cand | None, where: _Sql, last_key: tuple[Any, ...] | None, n: int
    ) -> list[tuple[Any, ...]]:
        """The next ``n`` matching rows, newest (highest id) first, after ``last_key`` = (id,).

        Through the FTS5 candidates when there are some (FTS5 returns them in rowid order), else along
        the primary key; either way the cost does not depend on where the rows sit in name order."""
        params = where.params
        if cand is not None and cand.subquery:
            after = " AND c.id < :k0" if last_key is not None else ""
            sql = (
                f"SELECT c.id FROM ({cand.sql.sql}) AS c JOIN enterprises e ON e.id = c.id "
                f"WHERE {where.sql}{after} ORDER BY c.id DESC LIMIT {int(n)}"
            )
            params = cand.sql.params + params
        else:
            # Along the primary key with the exact row predicate only: a b-tree candidate range (initials,
            # USCC prefix) would make the planner read the whole range and sort it.
            after = " AND e.id < :k0" if last_key is not None else ""
            # SQLite: a plain backwards scan of the table (a filter's index would be read whole and sorted).
            scan = " NOT INDEXED" if self._d.sqlite else ""
            sql = f"SELECT e.id FROM enterprises e{scan} WHERE {where.sql}{after} ORDER BY e.id DESC LIMIT {int(n)}"
        if last_key is not None:
            params = (*params, ("k0", last_key[-1]))
        self._hint(s, "walk")
        return [tuple(r) for r in s.execute(text(sql), dict(params))]

    def _hint(self, s: Session, kind: str) -> None:
        """PostgreSQL plan hints: here we know whether few or many rows match; the planner does not."""
        if self._d.sqlite:
            return
        settings = {
            "walk": ("on", "off", "on"),  # many rows match: read the order index in order
            "candidates": ("off", "on", "off"),  # few: collect them through GIN/b-tree bitmaps
            "scan": ("off", "off", "on"),  # many: a plain scan finds enough of them at once
            "index": ("on", "off", "off"),  # many: an (index-only) scan finds enough of them at once
            "any": ("on", "on", "on"),
            "few": ("on", "on", "off"),  # few, by the statistics: through the indexes, never a scan
        }[kind]
        info = s.connection().info  # (the search's own connection: the settings stay on it)
        if settings != info.get("gxq_plan_settings"):
            s.execute(
                text(
                    "SELECT set_config('enable_indexscan', :a, false),"
                    " set_config('enable_bitmapscan', :b, false), set_config('enable_seqscan', :c, false)"
                ),
                {"a": settings[0], "b": settings[1], "c": settings[2]},
            )
            info["gxq_plan_settings"] = settings

    @staticmethod
    def _plan_settings(s: Session) -> tuple[str, str, str]:
        """PostgreSQL: the plan hint the search's connection has (index scans, bitmaps, plain scans)."""
        return s.connection().info.get("gxq_plan_settings", ("on", "on", "on"))  # type: ignore[no-any-return]

    # -- reading pages

    def _fetch(
        self, s: Session, plan: _Plan, cursor: SearchCursor, n: int, cancel: Cancel | None
    ) -> tuple[tuple[EnterpriseRow, ...], SearchCursor | None]:
        picked: list[tuple[int, str]] = []  # (id, matched label)
        decisions = list(cursor.decisions)
        seg_i, offset, last_key = cursor.segment, cursor.offset, cursor.last_key
        while len(picked) < n and seg_i < len(plan.segments):
            _check(cancel)
            seg = plan.segments[seg_i]
            dec = decisions[seg_i]
            if dec is None:
                counts = [
                    d.count if d is not None else None
                    for d, sg in zip(decisions[:seg_i], plan.segments[:seg_i], strict=True)
                    if sg.fixed_ids is None
                ]
                before = None if None in counts else sum(c for c in counts if c is not None)
                dec = self._decide(s, plan, seg_i, cursor.exact_ids, before, cancel, decisions)
                decisions[seg_i] = dec
            want = n - len(picked)
            if dec.mode == "ids":
                chunk = dec.ids[offset : offset + want]
                picked += [(i, seg.label) for i in chunk]
                offset += len(chunk)
                exhausted = offset >= len(dec.ids)
            elif dec.mode == "idwalk":
                where = self._where(plan, seg, cursor.exact_ids, decisions)
                keys = self._walk_ids(s, seg.candidates, where, last_key, want)
                picked += [(int(k[-1]), seg.label) for k in keys]
                if keys:
                    last_key = keys[-1]
                exhausted = len(keys) < want
            else:
                where = self._where(plan, seg, cursor.exact_ids, decisions)
                keys = self._walk(s, where, plan.orders[seg_i], last_key, want)
                picked += [(int(k[-1]), seg.label) for k in keys]
                if keys:
                    last_key = keys[-1]
                exhausted = len(keys) < want
            if exhausted:
                seg_i, offset, last_key = seg_i + 1, 0, None
        rows = self._rows(s, picked, plan.known_rows)
        if seg_i >= len(plan.segments):
            return rows, None
        return rows, replace(
            cursor,
            segment=seg_i,
            offset=offset,
            last_key=last_key,
            decisions=tuple(decisions),
            delivered=cursor.delivered + len(rows),
        )

    def _rows(
        self, s: Session, ids: list[tuple[int, str]], known: dict[int, Any] | None = None
    ) -> tuple[EnterpriseRow, ...]:
        """The display rows of ``ids`` (with the label each was matched by); ``known``: rows already
        read (the exact matches, see _exact_lookup)."""
        by_id = dict(known or {})
        missing = [i for i, _ in ids if i not in by_id]
        if missing:
            if not self._d.sqlite and self._plan_settings(s)[:2] == ("off", "off"):
                # After a count by a plain scan, no index may be used: the rows of a page would be found
                # by reading the whole table (and the filter keys) for 50 ids — 290-450 ms.
                self._hint(s, "few")
            statement = _rows_statement(self._d.sqlite, self._has_filter_keys(s))
            by_id.update((r.id, r) for r in s.execute(statement, {"ids": missing}))
        out = []
        for i, label in ids:
            r = by_id.get(i)
            if r is None:
                continue  # deleted meanwhile
            out.append(
                EnterpriseRow(
                    id=r.id,
                    uscc=r.uscc,
                    reg_no=r.reg_no,
                    name=r.name,
                    legal_rep=r.legal_rep,
                    status=r.status,
                    subject_category=r.subject_category,
                    subject_type=r.subject_type,
                    industry_section=r.industry_section,
                    established_on=r.established_on,
                    address=r.address,
                    is_small_micro=bool(r.is_small_micro),
                    risk_class=r.risk_class,
                    abnormal=bool(r.abnormal),
                    serious_violation=bool(r.serious),
                    blacklist=bool(r.black),
                    redlist=bool(r.red),
                    judgment_debtor=bool(r.debtor),
                    matched=label,
                )
            )
        return tuple(out)


def _counted(ids: Sequence[int], sort_limit: int, big: str) -> _Decision:
    """The decision for a tier's matches counted exactly (``ids`` in name or date order, at most
    COUNT_CAP + 1): over COUNT_CAP it is big; a relevance tier too big to sort by name is shown newest
    first, like every big tier."""
    if len(ids) > COUNT_CAP:
        return _Decision(big, (), None)
    if len(ids) > sort_limit and big == "idwalk":
        return _Decision("ids", tuple(sorted(ids, reverse=True)), len(ids))
    return _Decision("ids", tuple(ids), len(ids))


def _per_connection(s: Session, key: str, load: Callable[[], Any]) -> Any:
    """PostgreSQL: ``load()``, kept in the search connection's info for GRAM_STATS_MAX_AGE_S (the
    connection is the search's own and lives across searches; asking each time is a round trip)."""
    info = s.connection().info
    known = info.get(key)
    if known is None or time.monotonic() - known[0] > GRAM_STATS_MAX_AGE_S:
        known = (time.monotonic(), load())
        info[key] = known
    return known[1]


@dataclass(frozen=True)
class _GramStats:
    """PostgreSQL: the most common grams of one gram index and their share of the rows (pg_stats)."""

    freqs: dict[str, float]
    min_freq: float  # a gram not listed is in fewer rows than this share
    live_rows: float  # rows with a value (the table's estimated rows less the NULLs)
    changed: float  # rows inserted, updated or deleted since that ANALYZE
    sampled: float  # rows with a value in ANALYZE's sample (at least; the frequencies are shares of them)
    per_block: float  # sampled rows per sampled block (1 for a big table), a bound of their clustering
    table_rows: float = 0.0  # the table's estimated rows (pg_class.reltuples)

    def rows(self, gram: str) -> float:
        """Estimated rows holding ``gram`` (for one not listed: about the most it can be)."""
        return self.freqs.get(gram, self.min_freq) * self.live_rows

    def at_least(self, gram: str) -> float:
        """Rows that still hold a listed ``gram`` at STATS_Z standard errors below the estimate and even
        if every change since ANALYZE took it away.

        The frequency is a share of a row sample: ``k`` of the ``n`` sampled rows held the gram, with a
        standard error of at most sqrt(k) for independent rows (times the rows per sampled block, when
        several come from one block), shrinking to nothing as the sample becomes the whole table.
        (ANALYZE's lossy counting only ever under-counts, which errs on the safe side.)"""
        if gram not in self.freqs or self.sampled <= 0:
            return 0.0
        k = self.freqs[gram] * self.sampled
        error = math.sqrt(k * self.per_block * max(0.0, 1.0 - self.sampled / self.live_rows))
        return max(0.0, k - STATS_Z * error) / self.sampled * self.live_rows - self.changed


def _probe_counts(top: dict[str, Any], index_name: str) -> tuple[int, int, int] | None:
    """From the EXPLAIN ANALYZE plan (JSON) of a probe: (candidates in the bitmap of the gram index
    ``index_name``, candidates read from ``enterprises``, rows that passed every condition) — or None
    when the plan is not one bitmap scan of ``enterprises`` on that index, run once (the planner may
    prefer a filter's index: then the bitmap holds that filter's rows, not the term's candidates).

    The nodes are found by what they scan, not by their type alone: a filter on a record table (经营异常,
    黑名单 …) joins that table's own bitmap scan, run once per candidate. The matches are the rows the
    top node returned — the candidates the heap scan lets through may still fail such a join."""
    heap = None
    stack = [top]
    while stack:
        node = stack.pop()
        if node.get("Node Type") == "Bitmap Heap Scan" and node.get("Relation Name") == "enterprises":
            if heap is not None:
                return None
            heap = node
        stack.extend(node.get("Plans", []))
    if heap is None or int(heap.get("Actual Loops", 1)) != 1:
        return None
    children = heap.get("Plans", [])
    if len(children) != 1:
        return None
    index = children[0]
    if index.get("Node Type") != "Bitmap Index Scan" or int(index.get("Actual Loops", 1)) != 1:
        return None  # (a BitmapAnd of several indexes: its size is not known)
    if index.get("Index Name") != index_name:
        return None
    read = (
        int(heap.get("Actual Rows", 0))
        + int(heap.get("Rows Removed by Filter", 0))
        + int(heap.get("Rows Removed by Index Recheck", 0))
    )
    return int(index.get("Actual Rows", 0)), read, int(top.get("Actual Rows", 0))


@dataclass(frozen=True, slots=True)
class _BlockSample:
    """A tier's matches estimated from a sample of table blocks (SearchService._block_sample)."""

    estimate: float
    error: float  # one standard error
    unit: float  # what one matching row of the sample stands for (1 / the share of blocks sampled)

    def clearly_above(self, n: float) -> bool:
        """More than ``n`` still at STATS_Z standard errors below the estimate. (The blocks are a true
        random sample, so the estimate is unbiased; a further factor of 1.2 on ``n`` left most roads of
        the million-row bench, 20,000-30,000 addresses each, to the 8-14 ms probe: est. 26,000 ± 3,700
        is 11,200 at four errors below.)"""
        return self.estimate - STATS_Z * self.error > n

    def clearly_below(self, n: float) -> bool:
        """Fewer than ``n`` even at STATS_Z standard errors above the estimate — an error of at least
        one sampled row's worth: with no match in the sample, the error computed is 0."""
        return self.estimate + STATS_Z * max(self.error, self.unit) < n


def _rarest_grams(cand: _Cand, stats: _GramStats) -> _Cand:
    """The gram candidates without the grams that are far more common than the rarest one: each gram's
    GIN bitmap costs in proportion to its rows ("公司" is in nearly every name), while the rows are
    re-checked anyway. The candidates stay a superset of the matches."""
    sizes = [stats.rows(g) for g in cand.grams]
    limit = 3 * min(sizes)
    keep = [i for i, n in enumerate(sizes) if n <= limit]
    if len(keep) == len(cand.parts):
        return cand
    parts = tuple(cand.parts[i] for i in keep)
    sql = parts[0].and_(*parts[1:]) if len(parts) > 1 else parts[0]
    return _Cand(sql, False, parts, cand.field, tuple(cand.grams[i] for i in keep))


@functools.cache
def _row_columns(keyed: bool) -> Select[Any]:
    """The display columns and badges of enterprises (built once: building it costs ~1 ms).

    ``keyed``: the badges are bits of the enterprise's filter key (one lookup by id), which the
    triggers keep in step with the record tables in the same transaction; without the keys (an older
    database), five EXISTS subqueries per row — on PostgreSQL 0.6 of the 1 ms that fifty rows took."""
    e = Enterprise.__table__.c
    badges: list[Any]
    if keyed:
        keys = table_clause(search_index.FILTER_KEYS, column("id"), column("fkey"))

        def bit(flag: str) -> Any:
            return keys.c.fkey.op("&")(search_index.FLAG_RECORDS[flag][0]) != 0

        badges = [
            bit(f) for f in ("abnormal", "serious_violation", "blacklist", "redlist", "judgment_debtor")
        ]
        source: Any = Enterprise.__table__.outerjoin(keys, keys.c.id == e.id)
    else:

        def flag(model: Any, *extra: Any) -> Any:
            t = model.__table__.c
            return exists().where(t.enterprise_id == e.id, t.removed_on.is_(None), *extra)

        le = ListEntry.__table__.c
        badges = [
            flag(AbnormalListing),
            flag(SeriousViolation),
            flag(ListEntry, le.kind == "black"),
            flag(ListEntry, le.kind == "red"),
            flag(ListEntry, le.kind == "judgment_debtor"),
        ]
        source = Enterprise.__table__
    labels = ("abnormal", "serious", "black", "red", "debtor")
    return select(
        e.id,
        e.uscc,
        e.reg_no,
        e.name,
        e.legal_rep,
        e.status,
        e.subject_category,
        e.subject_type,
        e.industry_section,
        e.established_on,
        e.address,
        e.is_small_micro,
        e.risk_class,
        *(b.label(n) for b, n in zip(badges, labels, strict=True)),
    ).select_from(source)


@functools.cache
def _rows_statement(sqlite: bool, keyed: bool) -> Select[Any]:
    """The display rows (:func:`_row_columns`) of the listed ids. PostgreSQL: the ids as one array
    parameter, so that the statement's text — and the plan the driver prepares for it — is the same for
    every page size."""
    e = Enterprise.__table__.c
    return _row_columns(keyed).where(
        e.id.in_(bindparam("ids", expanding=True))
        if sqlite
        else e.id == any_(bindparam("ids", type_=ARRAY(Integer)))
    )


@functools.cache
def _exact_rows_statement(keyed: bool, conds: tuple[str, ...]) -> Select[Any]:
    """The display rows (:func:`_row_columns`) of the enterprises each condition of ``conds`` finds
    (at most 20 per condition, in id order), in the order of the first condition that found each.
    (Few shapes: the code columns, or one to a few exact names.)"""
    lookup = " UNION ALL ".join(
        f"SELECT {k} AS k, x.id FROM (SELECT id FROM enterprises WHERE {c} ORDER BY id LIMIT 20) AS x"
        for k, c in enumerate(conds)
    )
    found = (
        text(f"SELECT min(k) AS k, id FROM ({lookup}) AS l GROUP BY id")
        .columns(column("k", Integer), column("id", Integer))
        .subquery("found")
    )
    e = Enterprise.__table__.c
    return _row_columns(keyed).join(found, found.c.id == e.id).order_by(found.c.k, e.id)


def _check_page_size(page_size: int) -> int:
    return max(1, min(int(page_size), MAX_PAGE_SIZE))


def _known_total(cursor: SearchCursor) -> tuple[int, bool]:
    total = 0
    for dec in cursor.decisions:
        if dec is None or dec.count is None:
            return COUNT_CAP, True
        total += dec.count
    return (COUNT_CAP, True) if total > COUNT_CAP else (total, False)


def _check(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("查询已取消。")


class _GuardedSession:
    """A read session that can be interrupted (``cancel``) and never runs away (statement timeout)."""

    def __init__(self, svc: SearchService, cancel: Cancel | None) -> None:
        self.svc = svc
        self.cancel = cancel
        self._cm: Any = None
        self._session: Session | None = None
        self._raw: Any = None

    def __enter__(self) -> Session:
        self._cm = self.svc.read(own_pool=True)
        s: Session = self._cm.__enter__()
        self._session = s
        deadline = time.monotonic() + STATEMENT_TIMEOUT_S
        cancel = self.cancel
        if self.svc.db.is_sqlite:
            raw: Any = s.connection().connection.dbapi_connection
            self._raw = raw

            def progress() -> int:
                return 1 if (cancel is not None and cancel()) or time.monotonic() > deadline else 0

            raw.set_progress_handler(progress, 20_000)
        else:
            # The gram functions are costed high (see db.search_index); JIT would then compile every
            # query for tens of milliseconds to save microseconds. Parallel workers take milliseconds
            # to start, for statements that stop after a page or a capped count. The connection is
            # the search's own (Database.read_engine): set once, the settings stay on it.
            # work_mem: a common gram's bitmap ANDed with a filter's index holds hundreds of thousands
            # of rows; at the default 4 MB the bitmaps turn lossy, and every row of a lossy page calls
            # the gram function again (店 with a date range and a subject category: 805 ms, 113 ms
            # with 64 MB). It is a ceiling per sort or bitmap, taken only as far as needed.
            want = (STATEMENT_TIMEOUT_S, LOCK_TIMEOUT_S, SEARCH_WORK_MEM)
            info = s.connection().info
            if info.get("gxq_search_limits") != want:
                s.execute(
                    text(
                        "SELECT set_config('statement_timeout', :t, false), set_config('jit', 'off', false),"
                        " set_config('max_parallel_workers_per_gather', '0', false),"
                        " set_config('lock_timeout', :l, false), set_config('work_mem', :w, false)"
                    ),
                    {
                        "t": f"{STATEMENT_TIMEOUT_S}s",
                        "l": f"{int(LOCK_TIMEOUT_S * 1000)}ms",
                        "w": SEARCH_WORK_MEM,
                    },
                )
                info["gxq_search_limits"] = want
        return s

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if self._raw is not None:
            with contextlib.suppress(Exception):  # the connection may be gone
                self._raw.set_progress_handler(None, 0)
        try:
            if exc is not None:
                translated = self._translate(exc)
                if translated is not None:
                    self._cm.__exit__(None, None, None)
                    raise translated from exc
            return bool(self._cm.__exit__(exc_type, exc, tb))
        finally:
            self._raw = None

    def _translate(self, exc: BaseException) -> Exception | None:
        message = str(getattr(exc, "orig", exc)).lower()
        if isinstance(exc, OperationalError | DatabaseError) and "lock timeout" in message:
            return DatabaseError(
                "企业数据正被另一项操作锁定（例如正在首次批量导入企业库），暂时无法查询。请等该操作完成后重试。"
            )
        interrupted = "interrupted" in message or "canceling statement" in message
        if isinstance(exc, OperationalError | DatabaseError) and interrupted:
            if self.cancel is not None and self.cancel():
                return CancelledError("查询已取消。")
            return DatabaseError(
                f"查询超过 {STATEMENT_TIMEOUT_S} 秒仍未完成，已停止。请输入更具体的关键词或增加筛选条件后重试。"
            )
        return None


# --------------------------------------------------------------------------- filters from text


def parse_filter(spec: str, filters: SearchFilters) -> SearchFilters:
    """Apply one ``key=value`` (command line) to ``filters``; raises ValidationError with a hint."""
    if "=" not in spec:
        raise ValidationError(f"筛选条件“{spec}”应写成 名称=值，可用的名称：{', '.join(FILTER_KEYS)}")
    key, value = (x.strip() for x in spec.split("=", 1))
    values = tuple(v.strip() for v in value.replace("，", ",").split(",") if v.strip())
    try:
        if key == "category":
            return replace(filters, subject_category=value)
        if key == "type":
            return replace(filters, subject_type=value)
        if key == "section":
            return replace(filters, industry_section=value.upper()[:1])
        if key == "status":
            return replace(filters, statuses=values)
        if key == "from":
            return replace(filters, established_from=dt.date.fromisoformat(value))
        if key == "to":
            return replace(filters, established_to=dt.date.fromisoformat(value))
        if key == "risk":
            return replace(filters, risk_classes=tuple(v.upper() for v in values))
    except ValueError as exc:
        raise ValidationError(f"筛选条件“{spec}”的日期应写成 YYYY-MM-DD。") from exc
    if key in FLAG_LABELS:
        on = value.lower() in ("1", "yes", "y", "true", "是", "on")
        flags: dict[str, Any] = {key: on}
        return replace(filters, **flags)
    raise ValidationError(f"未知的筛选条件“{key}”，可用的名称：{', '.join(FILTER_KEYS)}")


# --------------------------------------------------------------------------- index maintenance


def fill_missing_pinyin(db: Database, *, batch: int = 5000) -> int:
    """Compute name_pinyin/name_initials where a writer left them empty; returns rows updated."""
    e = Enterprise.__table__
    updated = 0
    last_id = 0
    while True:
        with db.transaction() as s:
            rows = s.execute(
                select(e.c.id, e.c.name)
                .where(e.c.id > last_id, e.c.name_pinyin.is_(None), e.c.name.is_not(None))
                .order_by(e.c.id)
                .limit(batch)
            ).all()
            if not rows:
                return updated
            params = []
            for r in rows:
                full, initials = pinyin_columns(r.name)
                params.append({"i": r.id, "p": full[:600], "n": initials[:200]})
            s.execute(
                text("UPDATE enterprises SET name_pinyin = :p, name_initials = :n WHERE id = :i"), params
            )
            updated += len(rows)
            last_id = rows[-1].id


def rebuild_search_index(db: Database) -> None:
    """Repair: fill missing pinyin, then drop and create the whole search index again (tables,
    triggers, indexes — also those a database migrated by an early build of 0002 lacks) and fill it.

    Not needed after ordinary writes (triggers and expression indexes keep the index in step); after
    a bulk load call :func:`optimize_search_index` instead. About 75 s per million rows on SQLite.
    """
    fill_missing_pinyin(db)
    with db.engine.begin() as conn:
        search_index.create(conn)
    optimize_search_index(db)


def optimize_search_index(db: Database) -> None:
    """After a bulk load (demo data, a large import): merge FTS segments, refresh planner statistics."""
    with db.engine.begin() as conn:
        search_index.optimize(conn)
