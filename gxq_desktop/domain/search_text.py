"""Search text: normalisation, pinyin columns and the parser that says what a clerk typed.

Pinyin is computed per character with a cache: a district's names reuse a few thousand characters,
so after warm-up a name costs a dictionary lookup per character instead of a pypinyin call.
Polyphonic characters take pypinyin's most common reading (a deliberate speed trade-off).

:func:`parse_query` turns the search box's text into a :class:`ParsedQuery`: its kind (统一社会信用代码,
注册号, code fragment, pinyin, Chinese text …) and its *terms*. Terms are the runs of letters and
digits of the normalised text (NFKC, lower case, whitespace dropped); every other character — SQL
wildcards, quotes, brackets, emoji, control characters — only separates terms, so it can never reach
SQL or an FTS expression and never changes what a term means. A row matches when every term occurs in
the same field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from .uscc import USCC_ALPHABET

MAX_QUERY_CHARS = 100  # of normalised text; longer input is cut (names are at most 200 characters)
MAX_TERMS = 6
# Terms shorter than this search names, former names and legal representatives only: one or two
# characters of an address or a business scope match a large part of the district and say nothing.
LONG_TERM = 3


def normalize_text(text: str | None) -> str:
    """Full-width → half-width, lower case, whitespace removed (what search compares)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text.lower() if not ch.isspace())


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    if is_cjk(ch):
        return lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")[0] if ch else ""
    return ch


def pinyin_columns(name: str | None) -> tuple[str, str]:
    """(full pinyin without separators, initials) for a name; non-Chinese characters kept as typed.

    "西安高新科技有限公司" → ("xiangaoxinkejiyouxiangongsi", "xagxkjyxgs")
    """
    norm = normalize_text(name)
    full: list[str] = []
    initials: list[str] = []
    for ch in norm:
        py = _char_pinyin(ch)
        if not py or (py == ch and not ch.isalnum()):
            continue  # punctuation such as （ ） · carries no pinyin
        full.append(py)
        initials.append(py[0])
    return "".join(full), "".join(initials)


# --------------------------------------------------------------------------- query parser


class QueryKind(StrEnum):
    EMPTY = "empty"  # nothing typed: filters only
    NOTHING_SEARCHABLE = "nothing"  # only symbols/emoji typed
    USCC = "uscc"  # 18 characters of the USCC alphabet
    REG_NO = "reg_no"  # 15-digit 注册号
    CODE = "code"  # part of a code (e.g. the last 4 characters of a USCC), or 组织机构代码
    PINYIN = "pinyin"  # Latin letters only: pinyin initials / full pinyin (or Latin letters in a name)
    TEXT = "text"  # Chinese (or mixed) text: name, former names, legal rep, address, business scope


QUERY_KIND_LABELS = {
    QueryKind.EMPTY: "全部（按筛选条件）",
    QueryKind.NOTHING_SEARCHABLE: "无可搜索的文字",
    QueryKind.USCC: "统一社会信用代码",
    QueryKind.REG_NO: "注册号",
    QueryKind.CODE: "代码片段",
    QueryKind.PINYIN: "拼音",
    QueryKind.TEXT: "名称、法定代表人、地址等",
}

_USCC_SET = frozenset(USCC_ALPHABET)
_WILDCARDS = frozenset("%_*?\\'\"`")
WILDCARD_NOTE = "通配符、引号和表情不参与查询，按其余文字查找。"


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    raw: str
    kind: QueryKind
    terms: tuple[str, ...] = ()  # lower case; every one must occur in the same field
    code: str = ""  # upper case, for the code kinds
    exact_names: tuple[str, ...] = ()  # spellings an exactly typed name may be stored with
    notes: tuple[str, ...] = ()  # what the parser did that the user should know (Chinese)

    @property
    def label(self) -> str:
        return QUERY_KIND_LABELS[self.kind]

    @property
    def longest_term(self) -> int:
        return max((len(t) for t in self.terms), default=0)

    @property
    def is_text_search(self) -> bool:
        return self.kind not in (QueryKind.EMPTY, QueryKind.NOTHING_SEARCHABLE)


def _clean(raw: str) -> str:
    """NFKC, lower case; control characters and whitespace removed."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text.lower() if not ch.isspace() and unicodedata.category(ch)[0] != "C")


def split_terms(normalized: str) -> list[str]:
    terms: list[str] = []
    current: list[str] = []
    for ch in normalized:
        if ch.isalnum():
            current.append(ch)
        elif current:
            terms.append("".join(current))
            current = []
    if current:
        terms.append("".join(current))
    return terms


def _exact_name_variants(raw: str) -> tuple[str, ...]:
    stripped = "".join(ch for ch in raw if not ch.isspace() and unicodedata.category(ch)[0] != "C")
    if not stripped:
        return ()
    half = unicodedata.normalize("NFKC", stripped)
    full_brackets = half.replace("(", "（").replace(")", "）")
    variants = dict.fromkeys((stripped, half, full_brackets))  # ordered, unique
    return tuple(v for v in variants if v and len(v) <= 200)


def parse_query(raw: str | None) -> ParsedQuery:
    """What the search box's text means. Never raises; see the module docstring."""
    raw = raw or ""
    if len(raw) > 4 * MAX_QUERY_CHARS:
        raw = raw[: 4 * MAX_QUERY_CHARS]  # no need to normalise megabytes pasted by mistake
    notes: list[str] = []
    cleaned = _clean(raw)
    if not cleaned:
        return ParsedQuery(raw, QueryKind.EMPTY)
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notes.append(f"输入过长，只按前 {MAX_QUERY_CHARS} 个字查询。")
    terms = split_terms(cleaned)
    if not terms:
        return ParsedQuery(
            raw,
            QueryKind.NOTHING_SEARCHABLE,
            notes=("请输入名称、代码、拼音或人名等文字；符号和表情不参与查询。",),
        )
    if len(terms) > MAX_TERMS:
        terms = sorted(terms, key=len, reverse=True)[:MAX_TERMS]
        notes.append(f"关键词过多，只按最长的 {MAX_TERMS} 个查询。")
    if any(ch in _WILDCARDS or unicodedata.category(ch) == "So" for ch in cleaned):
        notes.append(WILDCARD_NOTE)
    joined = "".join(terms)
    if any(is_cjk(ch) for ch in joined) or not joined.isascii():
        return ParsedQuery(
            raw, QueryKind.TEXT, tuple(terms), exact_names=_exact_name_variants(raw), notes=tuple(notes)
        )
    code = joined.upper()
    if joined.isalpha():
        return ParsedQuery(raw, QueryKind.PINYIN, (joined,), code=code, notes=tuple(notes))
    # Letters and digits: a code (USCC, 注册号, 组织机构代码 or a part of one).
    if len(code) == 18 and set(code) <= _USCC_SET:
        return ParsedQuery(raw, QueryKind.USCC, (joined,), code=code, notes=tuple(notes))
    if len(code) == 15 and code.isdigit():
        return ParsedQuery(raw, QueryKind.REG_NO, (joined,), code=code, notes=tuple(notes))
    if len(code) >= 4:
        return ParsedQuery(raw, QueryKind.CODE, (joined,), code=code, notes=tuple(notes))
    # One to three digits (perhaps with letters): too short for a code, search names for it.
    return ParsedQuery(
        raw, QueryKind.TEXT, tuple(terms), exact_names=_exact_name_variants(raw), notes=tuple(notes)
    )


# The syllables of Mandarin (what pypinyin writes, without the interjections m, n, hm).
PINYIN_SYLLABLES = frozenset(
    """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao ce
    cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun chuo
    ci cong cou cu cuan cui cun cuo da dai dan dang dao de den deng di dian diao die ding diu dong dou du duan
    dui dun duo e ei en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong
    gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang
    hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng
    kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin
    ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming
    miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nun
    nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao
    qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai
    san sang sao se sen seng sha shai shan shang shao she shen sheng shi shou shu shua shuai shuan shuang shui
    shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu
    tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan
    xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
    zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou
    zu zuan zui zun zuo""".split()  # noqa: SIM905 - 400 syllables read better as text
)
_SYLLABLE_PREFIXES = frozenset(s[:i] for s in PINYIN_SYLLABLES for i in range(1, len(s) + 1))


@lru_cache(maxsize=4096)
def is_pinyin_sequence(term: str) -> bool:
    """Whether ``term`` reads as full pinyin ("qinling", "xian", still typing: "qinl"), not initials
    ("xagx", "qlkj"): whole syllables, the last one possibly unfinished."""
    n = len(term)
    ok = [False] * (n + 1)
    ok[0] = True
    for i in range(n):
        if not ok[i]:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = term[i:j]
            if piece in PINYIN_SYLLABLES or (j == n and piece in _SYLLABLE_PREFIXES):
                ok[j] = True
    return ok[n]


def fts_phrase_chars(term: str) -> str:
    """An FTS5 phrase over single-character tokens: "秦岭" → '"秦 岭"'. Terms are alphanumeric only."""
    return '"' + " ".join(term) + '"'


def fts_trigrams(term: str, limit: int = 8) -> list[str]:
    """Distinct trigrams of ``term`` (len ≥ 3) for an AND query on a trigram index without positions:
    all of them (the more, the fewer false candidates), at most ``limit`` spread over the term."""
    return ngrams(term, 3, limit)


def ngrams(term: str, size: int, limit: int = 8) -> list[str]:
    """Distinct ``size``-character substrings of ``term`` (len ≥ ``size``), at most ``limit`` spread over
    the term (see :func:`fts_trigrams`)."""
    grams = list(dict.fromkeys(term[i : i + size] for i in range(len(term) - size + 1)))
    if len(grams) > limit:
        step = (len(grams) - 1) / (limit - 1)
        grams = list(dict.fromkeys(grams[round(i * step)] for i in range(limit)))
    return grams
