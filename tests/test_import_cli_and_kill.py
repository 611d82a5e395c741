"""``gxq-desktop import`` from the command line, and an import process killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from gxq_desktop.cli import main
from gxq_desktop.db import models as m
from gxq_desktop.db.engine import Database

from .import_files import (
    ENTERPRISE_HEADER,
    add_enterprises,
    code,
    make_departments,
    table_snapshot,
    write_csv,
)


@pytest.fixture(autouse=True)
def _temporary_files_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejected-rows workbooks are temporary files: keep the tests' ones out of the system temp dir."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["import", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_import_dry_run_history_and_undo_from_the_command_line(
    sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deps = make_departments(sqlite_db)
    url = str(sqlite_db.url)
    good = write_csv(
        tmp_path / "好.csv", [ENTERPRISE_HEADER, [code(1), "甲有限公司", "张三", "100", "2023-01-05", "存续"]]
    )
    bad = write_csv(
        tmp_path / "坏.csv",
        [
            ENTERPRISE_HEADER,
            [code(2), "乙有限公司", "", "", "", ""],
            ["123", "丙有限公司", "", "", "", "营业"],
        ],
        encoding="gbk",
    )

    rc, out, _ = _cli(
        capsys,
        str(bad),
        "--type",
        "enterprise",
        "--department",
        "市场监管局",
        "--db",
        url,
        "--dry-run",
        "--errors",
        str(tmp_path / "e.xlsx"),
    )
    assert rc == 1 and "GBK/GB18030" in out and "未写入" in out and "拒绝 1" in out
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx").active
    assert [c.value for c in next(ws.iter_rows())][-1] == "错误原因"  # type: ignore[union-attr]
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 0

    rc, out, _ = _cli(capsys, str(good), "--type", "市场主体登记信息", "--department", "SJJ", "--db", url)
    assert rc == 0 and "新增 1" in out
    rc, out, err = _cli(capsys, str(bad), "--type", "enterprise", "--db", url, "--all-or-nothing")
    assert rc == 1 and "没有导入任何数据" in out
    rc, out, err = _cli(capsys, str(good), "--type", "enterprise", "--db", url)
    assert rc == 2 and "已经导入过" in err and "--yes" in err
    rc, out, err = _cli(
        capsys, str(bad), "--type", "enterprise", "--db", url, "--errors", str(tmp_path / "e2.xlsx")
    )
    assert rc == 1 and (tmp_path / "e2.xlsx").exists()

    rc, out, _ = _cli(capsys, "history", "--db", url)
    assert rc == 0 and out.count("\n") == 3 and "坏.csv" in out and str(deps["SJJ"]) not in out.split("\n")[0]
    rc, out, err = _cli(capsys, "undo", "2", "--db", url)
    assert rc == 2 and "--yes" in err  # no terminal to confirm on
    rc, out, _ = _cli(capsys, "undo", "2", "--db", url, "--yes")
    assert rc == 0 and "已撤销批次 #2" in out
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 1


def test_command_line_errors(sqlite_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(sqlite_db.url)
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    rc, _, err = _cli(capsys, str(empty), "--type", "enterprise", "--db", url)
    assert rc == 2 and "是空的" in err
    rc, _, err = _cli(capsys, str(empty), "--type", "nonsense", "--db", url)
    assert rc == 2 and "不认识的数据类型" in err
    rc, _, err = _cli(capsys, str(empty), "--db", url)
    assert rc == 2 and "--type" in err
    rc, _, err = _cli(capsys, str(empty), "--type", "penalty", "--department", "不存在的局", "--db", url)
    assert rc == 2 and "没有找到部门" in err


# --------------------------------------------------------------------------- SIGKILL in the middle

CHILD = """
import sys
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.context import Actor
from gxq_desktop.services.importing import ImportService

class Progress:
    chunks = 0
    def check(self):
        pass
    def report(self, done, total=0, text=""):
        Progress.chunks += 1
        print(f"chunk {Progress.chunks}", flush=True)
        if Progress.chunks >= 3:
            import time
            time.sleep(60)  # wait here to be killed, with 6,000 rows written but not committed

db = Database(sys.argv[1])
ImportService(db, Actor(None, "t", "t", Role.ADMIN)).run(sys.argv[2], "enterprise", task=Progress())
print("finished", flush=True)
"""


@pytest.mark.slow
def test_console_progress_shows_the_finishing_report_however_soon_it_comes() -> None:
    import io

    from gxq_desktop.cli.import_commands import _ConsoleProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    progress = _ConsoleProgress(out)
    progress.report(10, 1000, "已处理 2,000 行")
    progress.report(20, 1000, "已处理 4,000 行")  # within 0.3 s: not shown
    progress.report(1000, 1000, "已读完 5,000 行，正在完成写入并更新索引，请稍候……")
    shown = out.getvalue()
    assert "2,000" in shown and "4,000" not in shown
    assert shown.endswith("100% 已读完 5,000 行，正在完成写入并更新索引，请稍候……\033[K")


def test_killed_import_leaves_the_database_consistent(db: Database, tmp_path: Path) -> None:
    add_enterprises(db, [(code(1), "旧名称有限公司")])
    rows = [["统一社会信用代码", "企业名称", "住所"], [code(1), "新名称有限公司", "科技路"]]
    rows += [[code(i), f"西安第{i}有限公司", "锦业路"] for i in range(2, 9000)]
    f = write_csv(tmp_path / "big.csv", rows)
    tables = (m.Enterprise, m.ImportBatch, m.ImportChange, m.AuditEvent)
    before = table_snapshot(db, *tables)
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(CHILD), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, str(script), url, str(f)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if line.strip() == "chunk 3":
                break
        else:
            pytest.fail("the import finished or failed before it could be killed")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    db.dispose()
    assert table_snapshot(db, *tables) == before
    with db.session() as s:
        if db.is_sqlite:
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            triggers = set(s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            assert "enterprise_fts_ai" in triggers  # dropped for the bulk load, inside the lost transaction
        assert s.scalar(select(func.count()).select_from(m.Enterprise)) == 1
