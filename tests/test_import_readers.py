"""Import: reading files of every format and encoding, bad files, headers and value forms (no database)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from gxq_desktop.domain.enums import ImportRecordType
from gxq_desktop.domain.search_text import pinyin_columns
from gxq_desktop.domain.uscc import check_uscc
from gxq_desktop.services.importing import fast
from gxq_desktop.services.importing.errors import ImportFileError
from gxq_desktop.services.importing.fields import spec_for
from gxq_desktop.services.importing.headers import MergeFiller, detect_header
from gxq_desktop.services.importing.readers import open_table
from gxq_desktop.services.importing.values import (
    ValueProblem,
    clean_name,
    clean_text,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
)

from .import_files import code, encrypted_workbook, write_csv, write_xls, write_xlsx

ROWS = [
    ["统一社会信用代码", "企业名称"],
    [code(1), "西安秦岭科技有限公司"],
    [code(2), "长安（西安）商贸有限公司"],
]


def _read(path: Path) -> tuple[list[list[object]], object]:
    reader = open_table(path)
    try:
        return [cells for _n, cells, _note in reader.rows()], reader.info
    finally:
        reader.close()


# --------------------------------------------------------------------------- formats and encodings


def test_xlsx_rows_and_row_numbers(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", [[], [], *ROWS])  # data starts on row 3
    reader = open_table(f)
    rows = [(n, cells) for n, cells, _ in reader.rows() if any(cells)]
    assert [n for n, _ in rows] == [3, 4, 5]
    assert rows[1][1] == [code(1), "西安秦岭科技有限公司"]
    assert reader.info.format == "xlsx"


def test_xls_is_read(tmp_path: Path) -> None:
    pytest.importorskip("xlwt")
    f = write_xls(tmp_path / "a.xls", [*ROWS, [code(3), "日期", dt.date(2023, 1, 5)]])
    rows, info = _read(f)
    assert info.format == "xls"  # type: ignore[attr-defined]
    assert rows[1] == [code(1), "西安秦岭科技有限公司", ""]
    assert rows[3][2] in (dt.date(2023, 1, 5), dt.datetime(2023, 1, 5))


@pytest.mark.parametrize(
    ("encoding", "bom", "label"),
    [
        ("utf-8", False, "UTF-8"),
        ("utf-8", True, "UTF-8（带 BOM）"),
        ("gbk", False, "GBK/GB18030"),
        ("gb18030", False, "GBK/GB18030"),
    ],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, bom: bool, label: str) -> None:
    f = write_csv(tmp_path / "a.csv", ROWS, encoding=encoding, bom=bom)
    rows, info = _read(f)
    assert rows == ROWS
    assert info.encoding == label  # type: ignore[attr-defined]


def test_csv_utf16_tab_separated_as_excel_unicode_text(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes("\n".join("\t".join(r) for r in ROWS).encode("utf-16"))
    rows, info = _read(f)
    assert [r for r in rows if r] == ROWS
    assert info.delimiter == "\t"  # type: ignore[attr-defined]


def test_csv_semicolon_and_sep_line(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("sep=;\n" + "\n".join(";".join(r) for r in ROWS) + "\n", encoding="utf-8")
    rows, _ = _read(f)
    assert rows == ROWS


def test_csv_mixed_encodings_are_decoded_line_by_line_with_a_notice(tmp_path: Path) -> None:
    utf8 = "\r\n".join(",".join(r) for r in ROWS).encode("utf-8")
    gbk_line = f"\r\n{code(3)},西安高新区某某餐饮店\r\n".encode("gbk")
    f = tmp_path / "mixed.csv"
    f.write_bytes(utf8 + gbk_line)
    reader = open_table(f)
    rows = list(reader.rows())
    assert rows[3][1] == [code(3), "西安高新区某某餐饮店"]
    assert rows[3][2] is not None and "编码" in rows[3][2]
    assert all(note is None for _, _, note in rows[:3])


def test_gbk_file_with_a_utf8_line(tmp_path: Path) -> None:
    gbk = "\r\n".join(",".join(r) for r in ROWS).encode("gbk")
    f = tmp_path / "mixed.csv"
    f.write_bytes(gbk + f"\r\n{code(4)},雁塔区测试有限公司\r\n".encode())
    rows = list(open_table(f).rows())
    assert rows[1][1][1] == "西安秦岭科技有限公司"
    assert rows[3][1][1] == "雁塔区测试有限公司"
    assert rows[3][2] is not None


def test_xlsx_renamed_to_csv_is_read_as_a_workbook_with_a_notice(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", ROWS)
    renamed = f.rename(tmp_path / "报送数据.csv")
    rows, info = _read(renamed)
    assert rows == ROWS
    assert "扩展名是 .csv" in info.notices[0]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- bad files


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "空.xlsx"
    f.write_bytes(b"")
    with pytest.raises(ImportFileError, match="是空的"):
        open_table(f)


def test_truncated_xlsx(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", ROWS * 50)
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFileError, match="损坏或不完整"):
        open_table(f)


def test_corrupt_sheet_inside_a_valid_zip(tmp_path: Path) -> None:
    import zipfile

    f = write_xlsx(tmp_path / "a.xlsx", ROWS)
    with zipfile.ZipFile(f) as z:
        items = {n: z.read(n) for n in z.namelist()}
    items["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>9"
    with zipfile.ZipFile(f, "w") as z:
        for n, d in items.items():
            z.writestr(n, d)
    with pytest.raises(ImportFileError):
        reader = open_table(f)
        list(reader.rows())


def test_password_protected_workbook(tmp_path: Path) -> None:
    f = encrypted_workbook(tmp_path / "加密.xlsx")
    with pytest.raises(ImportFileError, match="密码"):
        open_table(f)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"%PDF-1.7\n...", "PDF"),
        (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "网页"),
        (b"\x00\x01\x02\x03binary\x00junk", "无法识别"),
    ],
)
def test_files_that_are_not_tables(tmp_path: Path, content: bytes, match: str) -> None:
    f = tmp_path / "x.xls"
    f.write_bytes(content)
    with pytest.raises(ImportFileError, match=match):
        open_table(f)


def test_word_document_renamed(tmp_path: Path) -> None:
    import zipfile

    f = tmp_path / "x.xlsx"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportFileError, match="Word"):
        open_table(f)


def test_workbook_with_only_empty_sheets(tmp_path: Path) -> None:
    f = write_xlsx(tmp_path / "a.xlsx", [])
    with pytest.raises(ImportFileError, match="没有任何数据"):
        open_table(f)


def test_first_sheet_with_data_is_chosen(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"  # type: ignore[union-attr]
    data = wb.create_sheet("数据")
    for r in ROWS:
        data.append(r)
    wb.save(tmp_path / "a.xlsx")
    reader = open_table(tmp_path / "a.xlsx")
    assert reader.info.sheet_name == "数据"
    assert reader.info.sheet_names == ("说明", "数据")


def test_one_megabyte_cells_in_csv(tmp_path: Path) -> None:
    big = "经营范围" * 262_144  # 1,048,576 characters
    f = write_csv(tmp_path / "a.csv", [*ROWS, [code(5), big]])
    rows, _ = _read(f)
    assert rows[3][1] == big


# --------------------------------------------------------------------------- headers


def _header(rows: list[list[object]], rt: ImportRecordType = ImportRecordType.ENTERPRISE, merged=()):  # type: ignore[no-untyped-def]
    filler = MergeFiller(merged)
    numbered = [
        (i + 1, filler.fill(i, list(r), header=True) if filler else list(r)) for i, r in enumerate(rows)
    ]
    return detect_header(numbered, spec_for(rt), merged_info=bool(merged))


def test_header_below_a_merged_title() -> None:
    rows = [
        ["2024年高新区经营异常名录", "", ""],
        ["填报单位：市场监管局", "", ""],
        ["社会信用代码", "单位名称", "列入日期"],
        [code(1), "x", "2024-01-01"],
    ]
    h = _header(rows, ImportRecordType.ABNORMAL, merged=[(0, 0, 0, 2)])
    assert h.rows == (3,)
    assert dict(h.auto) == {0: "uscc", 1: "enterprise_name", 2: "listed_on"}


def test_two_level_header() -> None:
    rows = [
        ["序号", "许可证信息", "", "有效期", ""],
        ["", "许可证编号", "许可证名称", "自", "至"],
        ["1", "JY1", "食品经营许可证", "2023-01-01", "2028-01-01"],
    ]
    h = _header(rows, ImportRecordType.LICENSE, merged=[(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 0, 4)])
    assert h.rows == (1, 2)
    assert h.labels[3] == "有效期/自"
    assert dict(h.auto) == {1: "license_no", 2: "name", 3: "valid_from", 4: "valid_until"}


def test_two_level_header_in_csv_without_merge_information() -> None:
    rows = [["企业信息", "", "处罚信息", ""], ["统一社会信用代码", "企业名称", "决定书文号", "处罚日期"]]
    h = _header(rows, ImportRecordType.PENALTY)
    assert set(h.auto.values()) == {"uscc", "enterprise_name", "decision_no", "decided_on"}


def test_synonyms_and_trailing_empty_columns() -> None:
    rows = [["信用代码", "主体名称", "法定代表人（负责人）", "注册资本(万元)", "", "", ""]]
    h = _header(rows)
    assert h.labels == ("信用代码", "主体名称", "法定代表人（负责人）", "注册资本(万元)")
    assert list(h.auto.values()) == ["uscc", "name", "legal_rep", "registered_capital"]


def test_published_item_list_columns_are_recognised() -> None:
    rows = [
        ["序号", "抽查类别", "抽查事项", "检查对象", "事项类别", "检查方式", "检查主体", "检查依据", "备注"]
    ]
    h = _header(rows, ImportRecordType.INSPECTION_ITEM)
    assert list(h.auto.values()) == [
        "seq",
        "category",
        "name",
        "object_desc",
        "item_kind",
        "check_method",
        "subject",
        "legal_basis",
        "remark",
    ]


def test_no_recognisable_header_falls_back_to_first_row() -> None:
    h = _header([["a", "b"], ["1", "2"]])
    assert not h.recognized and h.rows == (1,)


def test_merge_filler_repeats_vertical_runs_down_data_rows_only() -> None:
    f = MergeFiller([(1, 0, 3, 0), (1, 1, 1, 2)])
    assert f.fill(1, ["类", "x", ""], header=False) == ["类", "x", ""]  # horizontal: not copied
    assert f.fill(2, ["", "y", ""], header=False) == ["类", "y", ""]
    assert f.fill(3, ["", "z", ""], header=False) == ["类", "z", ""]
    assert f.fill(4, ["", "w", ""], header=False) == ["", "w", ""]


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    "value",
    [
        "2023-01-05",
        "2023/1/5",
        "2023.1.5",
        "2023年1月5日",
        "2023年01月05日",
        "20230105",
        20230105,
        44931,
        44931.0,
        "44931",
        "２０２３－０１－０５",
        " 2023-01-05 00:00:00 ",
        dt.date(2023, 1, 5),
        dt.datetime(2023, 1, 5, 14, 30),
    ],
)
def test_date_forms(value: object) -> None:
    assert parse_date(value) == dt.date(2023, 1, 5)


@pytest.mark.parametrize("value", ["2023-02-30", "明年", "5", 3.5, "2023-13-01", True])
def test_bad_dates(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "unit", "column_unit", "expected"),
    [
        ("1,000", "万元", None, Decimal("1000")),
        ("50万元", "万元", None, Decimal("50")),
        ("50万", "元", None, Decimal("500000")),
        ("1.5亿元", "万元", None, Decimal("15000")),
        ("¥1,234.50", "元", None, Decimal("1234.50")),
        ("１２３４", "元", None, Decimal("1234")),
        (2000, "元", "万元", Decimal("20000000")),
        ("3", "元", "万元", Decimal("30000")),
        (" 12.5 ", "万元", None, Decimal("12.5")),
        ("500000元", "万元", None, Decimal("50")),
    ],
)
def test_amount_forms(value: object, unit: str, column_unit: str | None, expected: Decimal) -> None:
    assert parse_amount(value, unit, column_unit) == expected


@pytest.mark.parametrize("value", ["十万", "-5", "100万美元", "1e5x"])
def test_bad_amounts(value: str) -> None:
    with pytest.raises(ValueProblem):
        parse_amount(value, "元")


def test_text_cleaning() -> None:
    assert clean_text("  \u3000ＡＢＣ１２３\t") == "ABC123"
    assert clean_text("   ") is None
    assert clean_text(13912345678.0) == "13912345678"
    assert clean_name("西安 乙 (陕西)  有限公司") == "西安 乙 （陕西） 有限公司"
    assert clean_name("ABC (Xi'an) Ltd") == "ABC (Xi'an) Ltd"
    assert clean_text("a\x00b\x1fc") == "abc"


def test_bool_and_int_forms() -> None:
    assert [parse_bool(v) for v in ("是", "否", "Y", "n", "√", "×", 1, 0.0, "已履约")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert parse_int("1,200人") == 1200
    with pytest.raises(ValueProblem):
        parse_int("一百")


# --------------------------------------------------------------------------- fast paths equal the domain functions


def test_fast_uscc_agrees_with_check_uscc() -> None:
    rnd = random.Random(7)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    samples = [code(i) for i in range(1, 300)] + ["916101312206074534", "91610131MAC9KMEQ8J"]
    for c in list(samples):
        for _ in range(3):
            pos = rnd.randrange(18)
            samples.append(c[:pos] + rnd.choice(alphabet) + c[pos + 1 :])
    for c in samples:
        assert fast.uscc_is_valid(c) == check_uscc(c).ok, c


def test_fast_pinyin_agrees_with_pinyin_columns() -> None:
    names = [
        "西安高新科技有限公司",
        "万森（陕西）机器人有限公司",
        "ＡＢＣ 科技・西安 Co., Ltd.",
        "长安银行股份有限公司",
        "鑫淼犇骉有限公司",
        "",
        "  空 格 ",
    ]
    for name in names:
        assert fast.pinyin(name) == pinyin_columns(name), name
