"""统一社会信用代码 (GB 32100-2015) and its embedded 组织机构代码 (GB 11714).

``check_uscc`` normalises what a clerk typed (case, full-width characters, spaces) and says exactly which
part is wrong. A failed check digit is reported as such, because some real codes fail it and a section
head may accept them (FACTS.md §5).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}

# 登记管理部门码 → allowed 机构类别码 (GB 32100-2015 附录 A)
REGISTRATION_DEPARTMENTS: dict[str, tuple[str, frozenset[str]]] = {
    "1": ("机构编制", frozenset("129")),
    "2": ("外交", frozenset("19")),
    "3": ("司法行政", frozenset("12345679")),
    "4": ("文化", frozenset("19")),
    "5": ("民政", frozenset("1239")),
    "6": ("旅游", frozenset("129")),
    "7": ("宗教", frozenset("129")),
    "8": ("工会", frozenset("129")),
    "9": ("市场监管（工商）", frozenset("123")),
    "A": ("中央军委改革和编制办公室", frozenset("19")),
    "N": ("农业", frozenset("129")),
    "Y": ("其他", frozenset("1")),
}
MARKET_CATEGORY_LABELS = {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}


class UsccProblem(StrEnum):
    EMPTY = "empty"
    LENGTH = "length"
    CHARACTERS = "characters"
    DEPARTMENT = "department"  # position 1
    CATEGORY = "category"  # position 2
    REGION = "region"  # positions 3–8
    ORG_CODE = "org_code"  # positions 9–17 (its own check digit)
    CHECK_DIGIT = "check_digit"  # position 18


@dataclass(frozen=True, slots=True)
class UsccCheck:
    normalized: str
    problem: UsccProblem | None
    message: str  # Chinese, empty when valid
    expected_check: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def only_check_digit_wrong(self) -> bool:
        """The code is well-formed but its 18th character is not the computed one (may be accepted)."""
        return self.problem is UsccProblem.CHECK_DIGIT


def normalize_code(text: str) -> str:
    """Full-width → half-width, upper case, spaces and dashes dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-‐－—")


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_check_char(first8: str) -> str:
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def check_org_code(code: str) -> str | None:
    """None when the 9-character 组织机构代码 is valid, else a Chinese reason."""
    code = normalize_code(code)
    if len(code) != 9:
        return f"组织机构代码应为 9 位，实际为 {len(code)} 位。"
    body, check = code[:8], code[8]
    if not all(c.isdigit() or "A" <= c <= "Z" for c in body):
        return "组织机构代码前 8 位只能是数字或大写字母。"
    expected = org_check_char(body)
    if check != expected:
        return f"组织机构代码校验位错误：第 9 位应为“{expected}”，实际为“{check}”。"
    return None


def check_uscc(text: str) -> UsccCheck:
    code = normalize_code(text)
    if not code:
        return UsccCheck(code, UsccProblem.EMPTY, "统一社会信用代码为空。")
    if len(code) != 18:
        return UsccCheck(code, UsccProblem.LENGTH, f"统一社会信用代码应为 18 位，实际为 {len(code)} 位。")
    bad = [(i + 1, c) for i, c in enumerate(code) if c not in _USCC_VALUE]
    if bad:
        pos, ch = bad[0]
        return UsccCheck(
            code,
            UsccProblem.CHARACTERS,
            f"统一社会信用代码第 {pos} 位“{ch}”不是有效字符（不使用 I、O、Z、S、V）。",
        )
    dept = REGISTRATION_DEPARTMENTS.get(code[0])
    if dept is None:
        return UsccCheck(code, UsccProblem.DEPARTMENT, f"第 1 位登记管理部门码“{code[0]}”无效。")
    if code[1] not in dept[1]:
        return UsccCheck(
            code,
            UsccProblem.CATEGORY,
            f"第 2 位机构类别码“{code[1]}”不适用于登记管理部门“{dept[0]}”（第 1 位“{code[0]}”）。",
        )
    region = code[2:8]
    if not region.isdigit() or region[:2] in ("00",):
        return UsccCheck(
            code, UsccProblem.REGION, f"第 3–8 位登记管理机关行政区划码“{region}”无效，应为 6 位数字。"
        )
    org_problem = check_org_code(code[8:17])
    if org_problem is not None:
        return UsccCheck(
            code, UsccProblem.ORG_CODE, f"第 9–17 位主体标识码（组织机构代码）有误：{org_problem}"
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return UsccCheck(
            code,
            UsccProblem.CHECK_DIGIT,
            f"统一社会信用代码校验位错误：第 18 位应为“{expected}”，实际为“{code[17]}”。",
            expected_check=expected,
        )
    return UsccCheck(code, None, "")


def is_valid_uscc(text: str) -> bool:
    return check_uscc(text).ok


def make_uscc(region: str, org_body8: str, *, department: str = "9", category: str = "1") -> str:
    """Build a valid code from a region code and the first 8 characters of the organisation code."""
    org = org_body8 + org_check_char(org_body8)
    first17 = department + category + region + org
    return first17 + uscc_check_char(first17)
