import pytest

from gxq_desktop.domain.uscc import (
    UsccProblem,
    check_org_code,
    check_uscc,
    make_uscc,
    org_check_char,
    uscc_check_char,
)

REAL = ["916101312206074534", "91610131MAC9KMEQ8J"]  # FACTS.md §5, public


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code: str) -> None:
    result = check_uscc(code)
    assert result.ok, result.message
    assert result.normalized == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91610131mac9kmeq8j", "91610131MAC9KMEQ8J"),  # lower case
        ("９１６１０１３１ＭＡＣ９ＫＭＥＱ８Ｊ", "91610131MAC9KMEQ8J"),  # full-width
        (" 9161 0131 MAC9 KMEQ 8J\t", "91610131MAC9KMEQ8J"),  # spaces
        ("\u3000916101312206074534\u3000", "916101312206074534"),  # ideographic spaces
    ],
)
def test_typing_variants_normalise(typed: str, expected: str) -> None:
    result = check_uscc(typed)
    assert result.ok, result.message
    assert result.normalized == expected


@pytest.mark.parametrize(
    ("code", "problem", "fragment"),
    [
        ("", UsccProblem.EMPTY, "为空"),
        ("91610131MAC9KMEQ8", UsccProblem.LENGTH, "实际为 17 位"),
        ("91610131MAC9KMEQ8JX", UsccProblem.LENGTH, "实际为 19 位"),
        ("91610131MAC9KMEO8J", UsccProblem.CHARACTERS, "第 16 位“O”"),
        ("Z1610131MAC9KMEQ8J", UsccProblem.CHARACTERS, "第 1 位"),
        ("B1610131MAC9KMEQ8J", UsccProblem.DEPARTMENT, "第 1 位登记管理部门码“B”"),
        ("95610131MAC9KMEQ8J", UsccProblem.CATEGORY, "第 2 位机构类别码“5”"),
        ("916A0131MAC9KMEQ8J", UsccProblem.REGION, "第 3–8 位"),
        ("91610131MAC9KMEQ9J", UsccProblem.ORG_CODE, "第 9 位应为“8”"),
        ("91610131MAC9KMEQ8K", UsccProblem.CHECK_DIGIT, "第 18 位应为“J”"),
    ],
)
def test_each_wrong_part_is_named(code: str, problem: UsccProblem, fragment: str) -> None:
    result = check_uscc(code)
    assert result.problem is problem
    assert fragment in result.message


def test_only_check_digit_wrong_is_flagged_for_acceptance() -> None:
    result = check_uscc("916101312206074535")
    assert result.only_check_digit_wrong
    assert result.expected_check == "4"
    assert not check_uscc("91610131MAC9KMEQ9J").only_check_digit_wrong


def test_check_characters_match_the_standard_formula() -> None:
    # GB 32100 check: 31 − (Σ value × weight mod 31), 31 → 0; recomputed independently here.
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    for code in REAL:
        total = sum(alphabet.index(c) * w for c, w in zip(code[:17], weights, strict=True))
        assert alphabet[(31 - total % 31) % 31] == uscc_check_char(code[:17]) == code[17]


def test_org_code_check_digit_x_and_zero() -> None:
    assert check_org_code("MAC9KMEQ8") is None
    # Find bodies whose check digit is X (10) and 0 (11) and confirm both round-trip.
    seen = set()
    for n in range(10_000_000, 10_000_400):
        body = str(n)[:8]
        c = org_check_char(body)
        seen.add(c)
        assert check_org_code(body + c) is None
    assert {"X", "0"} <= seen


def test_make_uscc_builds_valid_codes() -> None:
    code = make_uscc("610131", "MA6TXY12", category="2")
    assert check_uscc(code).ok
    assert code.startswith("92610131")
