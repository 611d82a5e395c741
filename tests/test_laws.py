"""Legal library: numerals, law files, legal-basis citations, the version in force on a day."""

from __future__ import annotations

import datetime as dt

import pytest

from gxq_desktop import paths
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.laws import (
    article_label,
    chinese_numeral_to_int,
    int_to_chinese_numeral,
    normalize_law_title,
    parse_law_markdown,
    parse_legal_basis,
    pick_version,
)
from gxq_desktop.services.context import Actor
from gxq_desktop.services.reference_data import install_reference_data, law_in_force


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("四十二", 42),
        ("一百", 100),
        ("一百零九", 109),
        ("一百一十", 110),
        ("二百一十三", 213),
        ("二百六十六", 266),
        ("一千零一", 1001),
        ("36", 36),
    ],
)
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_numeral_to_int(text) == value


def test_numerals_round_trip_and_reject_garbage() -> None:
    for n in range(1, 1200):
        assert chinese_numeral_to_int(int_to_chinese_numeral(n)) == n
    assert int_to_chinese_numeral(110) == "一百一十"
    assert article_label(42) == "第四十二条"
    with pytest.raises(ValueError):
        chinese_numeral_to_int("第四条")
    with pytest.raises(ValueError):
        chinese_numeral_to_int("")


def _law(name: str) -> str:
    return (paths.laws_dir() / name).read_text(encoding="utf-8")


def test_parse_administrative_penalty_law() -> None:
    law = parse_law_markdown(_law("行政处罚法.md"))
    assert law.title == "中华人民共和国行政处罚法"
    assert law.short_title == "行政处罚法"
    assert [a.number for a in law.articles] == list(range(1, 87))
    a42 = law.article(42)
    assert a42 is not None and a42.label == "第四十二条"
    assert "执法人员不得少于两人" in a42.text
    # Two paragraphs (款) are kept, separated by a line break.
    assert len(a42.text.split("\n")) == 2
    assert a42.chapter is not None and a42.chapter.startswith("第五章")
    a43 = law.article(43)
    assert a43 is not None and "回避" in a43.text
    # 2021 revision adopted 2021-01-22, in force 2021-07-15 (its last article says so).
    assert law.effective_on == dt.date(2021, 7, 15)
    assert any("2021年1月22日" in h for h in law.history)


def test_effective_date_comes_from_the_text() -> None:
    # History says the 2024 amendment took effect on 2024-05-01.
    assert parse_law_markdown(_law("企业信息公示暂行条例.md")).effective_on == dt.date(2024, 5, 1)
    # No history lines at all: the body's 施行 clause decides.
    assert parse_law_markdown(_law("市场主体登记管理条例.md")).effective_on == dt.date(2022, 3, 1)
    # A 2018 amendment of a 1993 law is in force from the amendment, not from 1993.
    assert parse_law_markdown(_law("产品质量法.md")).effective_on == dt.date(2018, 12, 29)
    pending = next((paths.laws_dir() / "pending").glob("商标法*.md"))
    assert parse_law_markdown(pending.read_text(encoding="utf-8")).effective_on == dt.date(2027, 1, 1)


def test_every_law_file_parses_without_gaps() -> None:
    files = [p for p in paths.laws_dir().rglob("*.md") if p.name != "README.md"]
    assert len(files) >= 38
    for path in files:
        law = parse_law_markdown(path.read_text(encoding="utf-8"))
        numbers = [a.number for a in law.articles]
        assert numbers == list(range(1, len(numbers) + 1)), path.name
        assert len(numbers) >= 20, path.name
        assert law.effective_on is not None, path.name
        assert all(a.text for a in law.articles), path.name


def test_paragraph_that_cites_an_article_is_not_a_new_article() -> None:
    text = "# 测试条例\n\n<!-- INFO END -->\n\n第一条 总则。\n\n第三条规定的情形除外。\n\n第二条 本条例自2020年1月1日起施行。\n"
    law = parse_law_markdown(text)
    assert [a.number for a in law.articles] == [1, 2]
    assert law.articles[0].text == "总则。\n第三条规定的情形除外。"
    assert law.effective_on == dt.date(2020, 1, 1)


def test_legal_basis_example_gives_three_citations() -> None:
    cites = parse_legal_basis(
        "《中华人民共和国市场主体登记管理条例》第三十六条、第三十七条第一款；《电子商务法》第十五条"
    )
    assert [(c.law_key, c.article_label, c.article_number) for c in cites] == [
        ("市场主体登记管理条例", "第三十六条", 36),
        ("市场主体登记管理条例", "第三十七条第一款", 37),
        ("电子商务法", "第十五条", 15),
    ]
    assert cites[1].law_title == "中华人民共和国市场主体登记管理条例"


def test_legal_basis_ranges_paragraphs_and_laws_without_articles() -> None:
    cites = parse_legal_basis("《个人独资企业登记管理办法》第四十条至第四十三条")
    assert [c.article_number for c in cites] == [40, 41, 42, 43]
    assert all(c.raw_text.endswith("第四十条至第四十三条") for c in cites)

    cites = parse_legal_basis("《广告法》第三十七条第一款、第二款")
    assert [c.article_label for c in cites] == ["第三十七条第一款", "第三十七条第二款"]

    cites = parse_legal_basis("《食品安全法》第一百零九条、《食品生产经营日常监督检查管理办法》相关规定")
    assert [(c.law_key, c.article_number) for c in cites] == [
        ("食品安全法", 109),
        ("食品生产经营日常监督检查管理办法", None),
    ]
    assert cites[1].raw_text.endswith("相关规定")

    # A ministry notice with its document number stays one unresolvable citation, text intact.
    cites = parse_legal_basis(
        "《医疗器械监督管理条例》、《关于印发某某规程的通知》（浙食药监规〔2015〕25号）"
    )
    assert len(cites) == 2
    assert cites[1].raw_text == "《关于印发某某规程的通知》（浙食药监规〔2015〕25号）"

    assert parse_legal_basis("") == []
    assert parse_legal_basis(None) == []
    only_text = parse_legal_basis("根据省局有关文件")
    assert len(only_text) == 1 and only_text[0].article_number is None


def test_title_normalisation() -> None:
    assert normalize_law_title("《中华人民共和国电子商务法》") == "电子商务法"
    assert normalize_law_title("中国人民共和国食品安全法") == "食品安全法"
    assert normalize_law_title("企业信息公示暂行条例") == "企业信息公示暂行条例"


class _V:
    def __init__(self, name: str, start: dt.date | None, end: dt.date | None) -> None:
        self.name, self.effective_on, self.superseded_on = name, start, end


def test_pick_version_by_date() -> None:
    old = _V("2019", dt.date(2019, 4, 23), dt.date(2027, 1, 1))
    new = _V("2027", dt.date(2027, 1, 1), None)
    assert pick_version([old, new], dt.date(2026, 12, 31)) is old
    assert pick_version([old, new], dt.date(2027, 1, 1)) is new
    assert pick_version([old, new], dt.date(2010, 1, 1)) is None


@pytest.mark.db
def test_law_in_force_in_the_database(db: Database, admin: Actor) -> None:
    install_reference_data(db, admin)
    with db.session() as s:
        before = law_in_force(s, "《中华人民共和国商标法》", dt.date(2026, 12, 31))
        after = law_in_force(s, "商标法", dt.date(2027, 1, 1))
        penalty = law_in_force(s, "行政处罚法", dt.date(2026, 11, 1))
    assert before is not None and after is not None and before.id != after.id
    assert before.superseded_on == dt.date(2027, 1, 1)
    assert after.effective_on == dt.date(2027, 1, 1) and after.superseded_on is None
    assert after.source_file is not None and after.source_file.startswith("pending/")
    assert penalty is not None and penalty.title == "中华人民共和国行政处罚法"
