"""Turning cells into stored values, in the forms clerks actually type.

Every parser takes what a reader gives (``str`` from CSV; ``str``/``float``/``bool``/``date``/
``datetime`` from a workbook) and returns the value to store, or raises :class:`ValueProblem` with a
Chinese sentence saying what is wrong and how to write it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

Cell = object  # str | int | float | bool | date | datetime | time | timedelta | None


class ValueProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Full-width digits, Latin letters and the ideographic space → ASCII, leaving Chinese punctuation alone
# (NFKC would also turn the （） of enterprise names into ASCII brackets).
_HALF = {0xFF10 + i: 0x30 + i for i in range(10)}
_HALF.update({0xFF21 + i: 0x41 + i for i in range(26)})
_HALF.update({0xFF41 + i: 0x61 + i for i in range(26)})
_HALF.update({0x3000: 0x20, 0xFF0D: 0x2D, 0xFF0F: 0x2F, 0xFF0E: 0x2E})
_STRIP = " \t\r\n\u3000\xa0\u200b\ufeff"
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def cell_text(value: Cell) -> str:
    """A cell as the text a clerk sees (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


_SPECIAL_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\u3000\uff0d-\uff0f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)


def clean_text(value: Cell) -> str | None:
    """Trimmed text with half-width digits and letters; ``None`` when blank."""
    s = (value if type(value) is str else cell_text(value)).strip(_STRIP)
    if not s:
        return None
    if _SPECIAL_RE.search(s):  # rare: only then pay for the character-by-character work
        s = _ILLEGAL_RE.sub("", s.translate(_HALF)).strip(_STRIP)
    return s or None


def clean_name(value: Cell) -> str | None:
    """An enterprise name: trimmed, inner runs of spaces collapsed, Chinese names with （）."""
    s = clean_text(value)
    if s is None:
        return None
    if "  " in s or "\u3000" in s:
        s = " ".join(s.split())
    if _CJK_RE.search(s):
        s = s.replace("(", "（").replace(")", "）")
    return s


def clean_docno(value: Cell) -> str | None:
    """Document numbers, phone numbers, licence numbers: trimmed, half-width."""
    return clean_text(value)


def split_list(value: Cell) -> list[str]:
    s = clean_text(value)
    if not s:
        return []
    parts = re.split(r"[、，,；;/\n]+", s)
    seen: list[str] = []
    for p in parts:
        p = p.strip(_STRIP)
        if p and p not in seen:
            seen.append(p)
    return seen


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:\s*[T ]?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
MIN_SERIAL, MAX_SERIAL = 1462, 80000  # 1904-01-01 … 2119: anything else is not a date someone meant


def _make_date(y: int, mo: int, d: int, shown: str) -> dt.date:
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueProblem(f"日期“{shown}”不存在（{y} 年 {mo} 月没有 {d} 日）。") from None


def _from_serial(n: float, shown: str) -> dt.date:
    if not (MIN_SERIAL <= n <= MAX_SERIAL):
        raise ValueProblem(f"“{shown}”不是有效的日期，请写成 2023-01-05 的形式。")
    return _EXCEL_EPOCH + dt.timedelta(days=int(n))


def parse_date(value: Cell) -> dt.date | None:
    """2023-01-05, 2023/1/5, 2023.1.5, 2023年1月5日, 20230105, Excel serial numbers, dates/datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueProblem(f"“{cell_text(value)}”不是日期。")
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            s = str(int(value))
            return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]), s)
        return _from_serial(float(value), cell_text(value))
    if isinstance(value, dt.time | dt.timedelta):
        raise ValueProblem(f"“{value}”是时间，不是日期。")
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if not s:
        return None
    if m := _DATE_RE.match(s):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    if m := _COMPACT_RE.match(s):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    if _SERIAL_RE.match(s):
        return _from_serial(float(s), s)
    raise ValueProblem(f"无法识别的日期“{s[:40]}”，请写成 2023-01-05、2023/1/5 或 2023年1月5日 的形式。")


# --------------------------------------------------------------------------- numbers

_UNIT_FACTOR = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
_PLAIN_RE = re.compile(r"^\d{1,12}(?:\.\d{1,6})?$")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_FOREIGN = ("美元", "欧元", "港元", "港币", "日元", "英镑", "澳元", "加元", "新台币", "usd", "eur", "hkd")


def parse_amount(value: Cell, target_unit: str, column_unit: str | None = None) -> Decimal | None:
    """An amount in ``target_unit`` (元 or 万元). The cell may say 万元/亿元/元 itself; otherwise the
    header's unit applies, else the target unit. Thousands separators, ¥ and spaces are ignored."""
    if value is None or value == "":
        return None
    unit = column_unit or target_unit
    if type(value) is str and _PLAIN_RE.fullmatch(value):  # the common case: digits only
        number = Decimal(value)
        if unit == target_unit:
            return number
        return number * _UNIT_FACTOR[unit] / _UNIT_FACTOR[target_unit]
    if isinstance(value, bool):
        raise ValueProblem(f"“{cell_text(value)}”不是金额。")
    if isinstance(value, int | float):
        number = Decimal(cell_text(value)) if isinstance(value, float) else Decimal(value)
    else:
        s = unicodedata.normalize("NFKC", str(value)).strip().lower()
        if not s:
            return None
        if any(f in s for f in _FOREIGN):
            raise ValueProblem(f"金额“{s[:40]}”不是人民币，请换算为人民币后再导入。")
        for token in ("人民币", "rmb", "cny", "¥", "￥", ",", " ", "\u3000", "'"):
            s = s.replace(token, "")
        if s.endswith("亿元") or s.endswith("亿"):
            unit, s = "亿元", s.rstrip("元").removesuffix("亿")
        elif s.endswith("万元") or s.endswith("万"):
            unit, s = "万元", s.rstrip("元").removesuffix("万")
        elif s.endswith("元"):
            unit, s = "元", s.removesuffix("元")
        if not _NUMBER_RE.match(s):
            raise ValueProblem(f"无法识别的金额“{cell_text(value)[:40]}”，请只写数字（可带“万元”）。")
        try:
            number = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the pattern above guarantees a number
            raise ValueProblem(f"无法识别的金额“{s[:40]}”。") from None
    if number < 0:
        raise ValueProblem(f"金额不能为负数（{cell_text(value)}）。")
    result = number * _UNIT_FACTOR[unit] / _UNIT_FACTOR[target_unit]
    if result >= Decimal(10) ** 13:
        raise ValueProblem(f"金额“{cell_text(value)}”过大，请检查单位（本列以{target_unit}计）。")
    return result


def parse_int(value: Cell, *, minimum: int = 0, maximum: int = 10**9) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"“{cell_text(value)}”不是整数。")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueProblem(f"“{cell_text(value)}”不是整数。")
        n = int(value)
    elif isinstance(value, int):
        n = value
    else:
        s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
        s = s.rstrip("人名个家年度")
        if not s:
            return None
        try:
            f = float(s)
        except ValueError:
            raise ValueProblem(f"“{str(value)[:40]}”不是整数。") from None
        if not f.is_integer():
            raise ValueProblem(f"“{str(value)[:40]}”不是整数。")
        n = int(f)
    if not (minimum <= n <= maximum):
        raise ValueProblem(f"数值 {n} 超出合理范围（{minimum}–{maximum}）。")
    return n


def parse_year(value: Cell) -> int | None:
    if isinstance(value, dt.date):
        return value.year
    return parse_int(value, minimum=1949, maximum=2100)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "已", "按时", "已履约", "履约", "已履诺", "对"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "✘", "无", "未", "逾期", "未履约", "失约", "未履诺", "错"}


def parse_bool(value: Cell) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueProblem(f"“{cell_text(value)}”不是“是/否”。")
    s = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueProblem(f"“{s[:40]}”不是“是/否”。")


def to_json(value: object) -> object:
    """A stored value as JSON (for ImportChange.old_values)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def display(value: object) -> str:
    """A stored value as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)
