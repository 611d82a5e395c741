"""Enterprise profile (sections, badges, masking by role), the .xlsx export and the profile PDF."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import Enterprise, Inspection
from gxq_desktop.domain.roles import Role
from gxq_desktop.reports import fonts
from gxq_desktop.reports.enterprise_profile import render_profile_pdf, write_pdf
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import CancelledError, NotFound, PermissionDenied
from gxq_desktop.services.export import ExportService
from gxq_desktop.services.profile import SECTION_TITLES, ProfileService, mask_id_number
from gxq_desktop.services.search import SearchFilters, SearchQuery

from .search_builders import add_department, add_enterprises, add_records, enterprise_row
from .workflow_seed import seed_workflow


@pytest.fixture
def ent(db: Database) -> int:
    rows = [enterprise_row("西安秦岭科技有限公司", former_names="西安终南科技有限公司；西安太白科技有限公司")]
    rows[0]["legal_rep_id_no"] = "610113198001011234"
    eid = add_enterprises(db, rows)[0]
    dept = add_department(db)
    add_records(
        db,
        eid,
        dept,
        abnormal=True,
        serious=True,
        black=True,
        red=True,
        debtor=True,
        party=True,
        license=True,
    )
    return eid


def test_mask_id_number() -> None:
    assert mask_id_number("610113198001011234") == "610113********1234"
    assert mask_id_number("1234") == "****"
    assert mask_id_number(None) == ""


@pytest.mark.db
def test_profile_sections_badges_and_sources(db: Database, ent: int, actors: dict[Role, Actor]) -> None:
    p = ProfileService(db, actors[Role.SECTION_HEAD]).profile(ent)
    assert p.name == "西安秦岭科技有限公司"
    assert p.former_names == ("西安终南科技有限公司", "西安太白科技有限公司")
    assert dict(p.basic)["曾用名"] == "西安终南科技有限公司；西安太白科技有限公司"
    assert [b.text for b in p.badges][:3] == ["经营异常", "严重违法失信", "黑名单"]
    assert {b.text: b.level for b in p.badges}["失信被执行人"] == "warning"
    assert [s.key for s in p.sections] == [k for k in SECTION_TITLES if k != "basic"]
    for key in ("abnormal", "serious", "lists", "judgment_debtor", "licenses", "party"):
        sec = p.section(key)
        assert sec.count >= 1, key
        assert sec.columns[-1] == "来源部门"
        assert sec.rows[0][-1] == "西安市市场监督管理局高新区分局"
    assert p.section("lists").count == 2  # red and black in one tab
    assert p.section("abnormal").rows[0][0] == "在列"
    assert p.section("abnormal").row_levels[0] == "danger"


@pytest.mark.db
def test_personal_id_is_masked_for_roles_without_the_right(
    db: Database, ent: int, actors: dict[Role, Actor]
) -> None:
    clerk = ProfileService(db, actors[Role.CLERK]).profile(ent)
    assert dict(clerk.basic)["法定代表人身份证号"] == "610113********1234"
    assert clerk.id_masked
    inspector = ProfileService(db, actors[Role.INSPECTOR]).profile(ent)
    assert "********" in dict(inspector.basic)["法定代表人身份证号"]
    head = ProfileService(db, actors[Role.SECTION_HEAD]).profile(ent)
    assert dict(head.basic)["法定代表人身份证号"] == "610113198001011234"
    assert not head.id_masked


@pytest.mark.db
def test_profile_inspection_history(db: Database, actors: dict[Role, Actor]) -> None:
    seed_workflow(db)
    with db.session() as s:
        eid = s.scalar(select(Inspection.enterprise_id).limit(1))
    assert eid is not None
    sec = ProfileService(db, actors[Role.CLERK]).profile(eid).section("inspections")
    assert sec.count >= 1
    row = dict(zip(sec.columns, sec.rows[0], strict=True))
    assert row["任务编号"] and row["检查人员"] and row["检查状态"]


@pytest.mark.db
def test_profile_of_a_missing_enterprise(db: Database, actors: dict[Role, Actor]) -> None:
    with pytest.raises(NotFound):
        ProfileService(db, actors[Role.CLERK]).profile(999_999)


# --------------------------------------------------------------------------- export


@pytest.mark.db
def test_export_workbook_contents(db: Database, actors: dict[Role, Actor], tmp_path: Path) -> None:
    rows = [enterprise_row(f"西安秦岭{i:03d}科技有限公司") for i in range(120)]
    rows.append(enterprise_row('=HYPERLINK("http://x")秦岭有限公司'))
    ids = add_enterprises(db, rows)
    add_records(db, ids[0], add_department(db), abnormal=True)
    seen: list[tuple[int, int]] = []
    target = tmp_path / "名单.xlsx"
    result = ExportService(db, actors[Role.CLERK]).export_search(
        SearchQuery("秦岭"), target, progress=lambda done, total, _text: seen.append((done, total))
    )
    assert result.rows == 121 and not result.truncated and result.path == target
    assert seen[-1] == (121, 121)
    wb = load_workbook(target, read_only=True)
    ws = wb["企业名单"]
    values = list(ws.values)
    assert values[0][:3] == ("序号", "企业名称", "统一社会信用代码/注册号")
    assert len(values) == 122
    names = {v[1] for v in values[1:]}
    assert "西安秦岭000科技有限公司" in names
    assert any(str(n).startswith("=HYPERLINK") for n in names)  # stored as text, not a formula
    first = next(v for v in values[1:] if v[1] == "西安秦岭000科技有限公司")
    assert first[values[0].index("经营异常")] == "在列"
    assert "信用风险分类" not in values[0]  # internal: never exported
    meta = dict(wb["查询条件"].values)
    assert meta["查询内容"] == "秦岭" and meta["导出行数"] == 121
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.db
def test_export_cancel_leaves_nothing(db: Database, actors: dict[Role, Actor], tmp_path: Path) -> None:
    add_enterprises(db, [enterprise_row(f"西安渭河{i}有限公司") for i in range(50)])
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "out.xlsx"
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(CancelledError):
        ExportService(db, actors[Role.CLERK]).export_search(SearchQuery("渭河"), target, cancel=cancel)
    assert list(folder.iterdir()) == []


@pytest.mark.db
def test_export_limit_and_filters(db: Database, actors: dict[Role, Actor], tmp_path: Path) -> None:
    ids = add_enterprises(db, [enterprise_row(f"西安沣河{i}有限公司") for i in range(30)])
    add_records(db, ids[3], add_department(db), serious=True)
    r = ExportService(db, actors[Role.CLERK]).export_search(
        SearchQuery("沣河"), tmp_path / "a.xlsx", limit=10
    )
    assert r.rows == 10 and r.truncated
    r = ExportService(db, actors[Role.CLERK]).export_search(
        SearchQuery("", SearchFilters(serious_violation=True)), tmp_path / "b"
    )
    assert r.rows == 1 and r.path.suffix == ".xlsx"


def test_export_needs_the_export_right(sqlite_db: Database, tmp_path: Path) -> None:
    class NoExport(Actor):
        def can(self, permission: object) -> bool:
            return str(permission) != "export_reports"

    actor = NoExport(None, "x", "x", Role.CLERK)
    with pytest.raises(PermissionDenied):
        ExportService(sqlite_db, actor).export_search(SearchQuery(""), tmp_path / "x.xlsx")


# --------------------------------------------------------------------------- PDF

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@needs_poppler
@pytest.mark.db
def test_profile_pdf_text_and_embedded_fonts(
    db: Database, ent: int, actors: dict[Role, Actor], tmp_path: Path
) -> None:
    profile = ProfileService(db, actors[Role.CLERK]).profile(ent)
    data = render_profile_pdf(profile, ["basic", "abnormal", "licenses"], user="张丽", watermark=True)
    pdf = write_pdf(data, tmp_path / "档案.pdf")
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out += "\n" + "".join(out.split())  # pdftotext may drop the spaces between CJK words
    for expected in (
        "企业信用档案",
        "西安秦岭科技有限公司",
        "基本信息",
        "经营异常名录",
        "行政许可",
        "食品经营许可证",
        "打印人：张丽",
        "第1页共1页",
        "内部资料",
    ):
        assert expected in out, expected
    assert "行政处罚" not in out  # not ticked
    assert "610113********1234" in out and "610113198001011234" not in out
    fonts_out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    lines = fonts_out.splitlines()[2:]
    assert lines, fonts_out
    for line in lines:
        cols = line.split()
        assert cols[-5] == "yes", line  # emb
    plain = render_profile_pdf(profile, ["basic"], user="张丽", watermark=False)
    (tmp_path / "plain.pdf").write_bytes(plain)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "plain.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "内部资料" not in text


def test_missing_chinese_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "candidates", lambda: [])
    fonts.reset_for_tests()
    try:
        with pytest.raises(fonts.ReportFontError) as err:
            fonts.register_cjk_fonts()
        assert "中文字体" in err.value.message
    finally:
        fonts.reset_for_tests()


def test_font_from_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if not path.exists():
        pytest.skip("no WenQuanYi font here")
    monkeypatch.setenv(fonts.FONT_ENV, f"{path}#0")
    assert fonts.candidates()[0][0] == fonts.FontFile(path, 0)


def test_enterprise_model_is_unchanged_by_search() -> None:
    assert "name_pinyin" in Enterprise.__table__.c
