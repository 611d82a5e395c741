"""Derived search columns: normalised text and pinyin of names.

Pinyin is computed per character with a cache: a district's names reuse a few thousand characters,
so after warm-up a name costs a dictionary lookup per character instead of a pypinyin call.
Polyphonic characters take pypinyin's most common reading (e.g. 银行 → yinhang is handled by phrase
lookup only for whole names; per-character is a deliberate speed trade-off).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin


def normalize_text(text: str | None) -> str:
    """Full-width → half-width, lower case, whitespace removed (what search compares)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text.lower() if not ch.isspace())


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
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
