"""`gxq-desktop selftest` (the frozen bundle's smoke test) passes on a fresh basedir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.gui
def test_selftest_command_passes_in_a_fresh_basedir(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("GXQ_BASEDIR", None)
    proc = subprocess.run(
        [sys.executable, "-m", "gxq_desktop", "--basedir", str(tmp_path), "selftest", "--enterprises", "80"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "自检通过" in proc.stdout and "主窗口（8 个页面）" in proc.stdout
    pdf = tmp_path / "data" / "selftest-profile.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
