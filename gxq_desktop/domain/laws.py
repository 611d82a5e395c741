"""The offline legal library: parsing law texts and legal-basis citations (pure functions, no database).

Law files (``resources/laws/*.md``) have a title line, history lines (adoption, amendments, 施行)
before ``<!-- INFO END -->``, then ``## 第X章`` / ``### 第X节`` headings and articles that start with
``第X条``. Article numbers run without gaps, which the parser uses to tell a new article from a
paragraph that merely starts by citing another article.

Inspection items cite their legal basis as free text, e.g.
``《中华人民共和国市场主体登记管理条例》第三十六条、第三十七条第一款；《电子商务法》第十五条``.
:func:`parse_legal_basis` splits that into one :class:`Citation` per article; an article listed after
``、`` inherits the law named before it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

# --------------------------------------------------------------------------- Chinese numerals

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "零〇一二三四五六七八九两十百千"


def chinese_numeral_to_int(text: str) -> int:
    """``"四十二"`` → 42, ``"一百零九"`` → 109, ``"十五"`` → 15, ``"二百一十三"`` → 213.

    Arabic digits are accepted too (``"42"``). Raises ValueError for anything else.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    total = 0
    current = 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            # A bare unit means one of it: "十五" = 15.
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + current


def int_to_chinese_numeral(n: int) -> str:
    """42 → ``"四十二"``, 109 → ``"一百零九"``, 10 → ``"十"``, 110 → ``"一百一十"`` (as laws write them)."""
    if n < 0 or n >= 10000:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return "零"
    digits = "零一二三四五六七八九"
    parts: list[str] = []
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d == 0:
            if parts:
                zero_pending = True
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(digits[d] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def article_label(n: int) -> str:
    return f"第{int_to_chinese_numeral(n)}条"


# --------------------------------------------------------------------------- law titles

_TITLE_PREFIXES = ("中华人民共和国", "中国人民共和国")  # the second is a frequent typo in published lists


def normalize_law_title(title: str) -> str:
    """The key laws are matched by: no book-title marks, no state-name prefix, no spaces.

    ``"《中华人民共和国电子商务法》"`` and ``"电子商务法"`` give the same key.
    """
    key = re.sub(r"[《》〈〉\s　]", "", title)
    for prefix in _TITLE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    return key


# --------------------------------------------------------------------------- law texts


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    number: int
    label: str  # 第四十二条
    chapter: str | None  # "第五章 行政处罚的决定 · 第一节 一般规定"
    text: str  # the article body without its label; paragraphs (款) separated by "\n"


@dataclass(frozen=True, slots=True)
class ParsedLaw:
    title: str
    short_title: str
    history: tuple[str, ...]
    effective_on: dt.date | None
    articles: tuple[ParsedArticle, ...]

    def article(self, number: int) -> ParsedArticle | None:
        for a in self.articles:
            if a.number == number:
                return a
        return None


_END_MARKERS = ("<!-- INFO END -->", "<!-- LEGAL_HEADER_END -->")
_ARTICLE_RE = re.compile(rf"^第([{NUMERAL_CHARS}]+)条(?:[\s　]+|(?=\S))(.*)$")
_CHAPTER_RE = re.compile(rf"^(第[{NUMERAL_CHARS}]+[章编])[\s　]*(.*)$")
_SECTION_RE = re.compile(rf"^(第[{NUMERAL_CHARS}]+节)[\s　]*(.*)$")
_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_EFFECTIVE_CLAUSE_RE = re.compile(r"自(\d{4})年(\d{1,2})月(\d{1,2})日起施行")
_EFFECTIVE_LINE_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*施行")
_EFFECTIVE_META_RE = re.compile(r"<!--\s*EFFECTIVE_FROM:\s*(\d{4})-(\d{2})-(\d{2})\s*-->")


def _squash(text: str) -> str:
    """Collapse runs of ASCII/ideographic spaces to one space (headings are typeset as "总    则")."""
    return re.sub(r"[ \t　]+", " ", text).strip()


def _heading_text(text: str) -> str:
    label_rest = _squash(text)
    # "第一章 总 则" → "第一章 总则": spaces inside a two-character heading are only typesetting.
    m = re.match(r"^(\S+)\s+(.*)$", label_rest)
    if m and len(m.group(2).replace(" ", "")) <= 4:
        return f"{m.group(1)} {m.group(2).replace(' ', '')}"
    return label_rest


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def derive_effective_date(history: Iterable[str], body: str) -> dt.date | None:
    """The day the version in the file took effect, from what the text says.

    Candidates: an explicit ``EFFECTIVE_FROM`` note, "自…起施行" in the history or in the body,
    "YYYY年M月D日 施行" lines, and the date of the latest adoption/amendment line. The version in the
    file cannot be in force before its latest amendment, nor before a stated 施行 date, so the latest
    candidate wins (a 2018 amendment of a 1993 law is in force from 2018, not from 1993).
    """
    candidates: list[dt.date] = []
    for line in history:
        for m in _DATE_RE.finditer(line):
            d = _date(*m.groups())
            if d:
                candidates.append(d)
    for regex in (_EFFECTIVE_META_RE, _EFFECTIVE_CLAUSE_RE):
        for m in regex.finditer(body):
            d = _date(*m.groups())
            if d:
                candidates.append(d)
    return max(candidates) if candidates else None


def parse_law_markdown(text: str) -> ParsedLaw:
    """Parse one law file into its title, history, effective date and numbered articles."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = ""
    start = 0
    for i, line in enumerate(lines):
        if line.startswith("# "):
            title = _squash(line[2:])
            start = i + 1
            break
    if not title:
        raise ValueError("law file has no '# title' line")
    end = next((i for i in range(start, len(lines)) if lines[i].strip() in _END_MARKERS), None)
    history: list[str] = []
    if end is not None:
        history = [_squash(x) for x in lines[start:end] if x.strip() and not x.strip().startswith("<!--")]
        body_lines = lines[end + 1 :]
    else:
        body_lines = lines[start:]

    chapter: str | None = None
    section: str | None = None
    articles: list[ParsedArticle] = []
    current_no: int | None = None
    current_paras: list[str] = []
    current_chapter: str | None = None

    def flush() -> None:
        if current_no is not None:
            articles.append(
                ParsedArticle(
                    current_no, article_label(current_no), current_chapter, "\n".join(current_paras).strip()
                )
            )

    for raw in body_lines:
        line = raw.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            if m := _CHAPTER_RE.match(heading):
                chapter, section = _heading_text(heading), None
                continue
            if m := _SECTION_RE.match(heading):
                section = _heading_text(heading)
                continue
            # other headings carry no structure we need
            continue
        m = _ARTICLE_RE.match(line)
        if m:
            try:
                number = chinese_numeral_to_int(m.group(1))
            except ValueError:
                number = -1
            expected = 1 if current_no is None else current_no + 1
            if number == expected:
                flush()
                current_no = number
                current_paras = [m.group(2).strip()] if m.group(2).strip() else []
                current_chapter = " · ".join(x for x in (chapter, section) if x) or None
                continue
        if current_no is None:
            # Text before the first article: a bracketed history note "（2018年…公布 根据…修正）".
            history.append(_squash(line))
            continue
        current_paras.append(line)
    flush()

    body = "\n".join(body_lines)
    effective = derive_effective_date(history, body)
    return ParsedLaw(
        title=title,
        short_title=normalize_law_title(title),
        history=tuple(history),
        effective_on=effective,
        articles=tuple(articles),
    )


# --------------------------------------------------------------------------- versions in force


class LawVersionLike(Protocol):
    @property
    def effective_on(self) -> dt.date | None: ...

    @property
    def superseded_on(self) -> dt.date | None: ...


V = TypeVar("V", bound=LawVersionLike)


def in_force_on(version: LawVersionLike, day: dt.date) -> bool:
    started = version.effective_on is None or version.effective_on <= day
    ended = version.superseded_on is not None and version.superseded_on <= day
    return started and not ended


def pick_version(versions: Sequence[V], day: dt.date) -> V | None:
    """The version in force on ``day`` (the latest that has started and is not superseded)."""
    live = [v for v in versions if in_force_on(v, day)]
    if not live:
        return None
    return max(live, key=lambda v: v.effective_on or dt.date.min)


def supersession_dates(effective_dates: Sequence[dt.date | None]) -> list[dt.date | None]:
    """For versions of one law, each version's ``superseded_on``: the next version's start."""
    order = sorted(range(len(effective_dates)), key=lambda i: effective_dates[i] or dt.date.min)
    result: list[dt.date | None] = [None] * len(effective_dates)
    for a, b in itertools.pairwise(order):
        result[a] = effective_dates[b]
    return result


# --------------------------------------------------------------------------- legal-basis citations


@dataclass(frozen=True, slots=True)
class Citation:
    law_title: str  # as cited, without 《》: "中华人民共和国市场主体登记管理条例"
    law_key: str  # normalize_law_title(law_title): "市场主体登记管理条例"
    article_label: str | None  # "第三十七条第一款" (None when no article is named)
    article_number: int | None  # 37
    raw_text: str  # the cited text this citation came from, never lost


_N = rf"[{NUMERAL_CHARS}\d]+"
_ART_RANGE_RE = re.compile(rf"第({_N})条(?:至|到|—|-|－|~|～)第({_N})条")
_ART_RE = re.compile(rf"第({_N})条((?:第{_N}款)?(?:第{_N}项)?)")
_PARA_ONLY_RE = re.compile(rf"第{_N}[款项](?:第{_N}项)?")
_SEP_RE = re.compile(r"[、，,；;及和与\s　]*")
_TITLE_RE = re.compile(r"《([^《》]+)》")
MAX_RANGE = 50  # "第四十条至第四十三条" expands to one citation per article, within reason


def parse_legal_basis(text: str | None) -> list[Citation]:
    """Split a published 检查依据 into citations (law + article), one per cited article.

    - Articles after ``、`` inherit the law named before them; ``第三十七条第一款、第二款`` gives two.
    - ``第四十条至第四十三条`` gives one citation per article (raw text keeps the range as written).
    - A law cited without an article (``《食品安全法》相关规定``) gives one citation with no article.
    - Text without any 《》 title gives a single citation holding the whole text, so that nothing
      cited is ever dropped; empty text gives none.
    """
    if text is None or not text.strip():
        return []
    text = text.strip()
    titles = list(_TITLE_RE.finditer(text))
    if not titles:
        t = text.strip("。.；; ")
        return [Citation(t, normalize_law_title(t), None, None, t)]
    citations: list[Citation] = []
    prefix = text[: titles[0].start()].strip(" 　、；;，,")
    for i, m in enumerate(titles):
        tail_end = titles[i + 1].start() if i + 1 < len(titles) else len(text)
        tail = text[m.end() : tail_end]
        law_title = m.group(1).strip()
        key = normalize_law_title(law_title)
        pos = 0
        found: list[tuple[str | None, int | None, str]] = []  # (label, number, raw label)
        last_number: int | None = None
        while True:
            sep = _SEP_RE.match(tail, pos)
            at = sep.end() if sep else pos
            if rm := _ART_RANGE_RE.match(tail, at):
                a = chinese_numeral_to_int(rm.group(1))
                b = chinese_numeral_to_int(rm.group(2))
                raw = rm.group(0)
                if a <= b and b - a < MAX_RANGE:
                    found += [(article_label(n), n, raw) for n in range(a, b + 1)]
                    last_number = b
                else:
                    found.append((raw, a, raw))
                    last_number = a
                pos = rm.end()
                continue
            if am := _ART_RE.match(tail, at):
                n = chinese_numeral_to_int(am.group(1))
                found.append((am.group(0), n, am.group(0)))
                last_number = n
                pos = am.end()
                continue
            if last_number is not None and (pm := _PARA_ONLY_RE.match(tail, at)):
                # "第三十七条第一款、第二款": the paragraph belongs to the article before it.
                para_label = f"{article_label(last_number)}{pm.group(0)}"
                found.append((para_label, last_number, pm.group(0)))
                pos = pm.end()
                continue
            break
        rest = tail[pos:]
        # What follows the articles up to a separator belongs here ("相关规定", "（…令第13号）");
        # what follows the last separator introduces the next title ("浙江省…关于印发").
        split = max(rest.rfind(c) for c in "、；;，,") if i + 1 < len(titles) else -1
        own_rest, next_prefix = (rest[:split], rest[split + 1 :]) if split >= 0 else (rest, "")
        own_rest = own_rest.rstrip(" 　、；;，,。")
        head = f"{prefix}{m.group(0)}" if prefix else m.group(0)
        if found:
            for cited_label, number, raw_label in found:
                citations.append(Citation(law_title, key, cited_label, number, f"{head}{raw_label}"))
            if own_rest.strip():
                # Trailing words such as "等一款" stay visible on the last citation's raw text.
                last = citations[-1]
                citations[-1] = Citation(
                    last.law_title,
                    last.law_key,
                    last.article_label,
                    last.article_number,
                    f"{last.raw_text}{own_rest}",
                )
        else:
            citations.append(Citation(law_title, key, None, None, f"{head}{own_rest}".strip()))
        prefix = next_prefix.strip(" 　、；;，,")
    return citations
