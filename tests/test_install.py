"""`pip install .` (not editable) gives a working program: resources, forms and migrations included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("install")
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        cwd=tmp,
    )
    (wheel,) = wheels.glob("gxq_desktop-*.whl")
    site = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        cwd=tmp,
    )
    return site


def run_installed(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("GXQ_BASEDIR", None)
    return subprocess.run(
        [sys.executable, "-m", "gxq_desktop", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_wheel_contains_everything_the_program_reads(installed: Path) -> None:
    pkg = installed / "gxq_desktop"
    assert (pkg / "resources" / "reference" / "inspection_items.csv").is_file()
    assert len(list((pkg / "resources" / "laws").glob("*.md"))) >= 37
    assert (pkg / "db" / "migrations" / "env.py").is_file()
    assert list((pkg / "db" / "migrations" / "versions").glob("0001_*.py"))
    assert list((pkg / "gui" / "forms").glob("ui_*.py")), "compiled Designer forms missing from the wheel"
    entry_points = next(installed.glob("gxq_desktop-*.dist-info")) / "entry_points.txt"
    assert "gxq-desktop = gxq_desktop.app:main" in entry_points.read_text()


@pytest.mark.slow
def test_installed_program_runs_outside_the_source_tree(installed: Path, tmp_path: Path) -> None:
    base = tmp_path / "base"
    version = run_installed(installed, "--version", cwd=tmp_path)
    assert version.returncode == 0 and "GXQ Desktop" in version.stdout
    up = run_installed(installed, "--basedir", str(base), "db", "upgrade", cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    assert (base / "data" / "gxq.sqlite3").is_file()
    code = (
        "import gxq_desktop.paths as p, sys; r = p.resources_dir(); "
        f"sys.exit(0 if str(r).startswith({str(installed)!r}) else 1)"
    )
    env = {**os.environ, "PYTHONPATH": str(installed)}
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env).returncode == 0


def test_source_tree_wheel_config_lists_resources() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '"resources" = "gxq_desktop/resources"' in text
