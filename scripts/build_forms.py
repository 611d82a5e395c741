#!/usr/bin/env python3
"""Compile the Qt Designer forms in ui/*.ui into gxq_desktop/gui/forms/ui_*.py with pyside6-uic.

    python scripts/build_forms.py           # (re)compile every form
    python scripts/build_forms.py --check   # exit 1 if a compiled form is missing, outdated or orphaned

The compiled files are committed (the program never calls loadUiType at run time), so the check keeps
them in step with the .ui sources; the output of uic is deterministic for a given Qt version.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "ui"
FORMS_DIR = ROOT / "gxq_desktop" / "gui" / "forms"


def uic_command() -> list[str]:
    here = Path(sys.executable).parent
    for candidate in (here / "pyside6-uic", here / "pyside6-uic.exe", shutil.which("pyside6-uic")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    sys.exit("pyside6-uic not found: install PySide6-Essentials into this Python environment")


def target_for(ui: Path) -> Path:
    return FORMS_DIR / f"ui_{ui.stem}.py"


def compile_form(ui: Path) -> bytes:
    result = subprocess.run(
        [*uic_command(), str(ui.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"pyside6-uic failed on {ui.name}:\n{result.stderr.decode(errors='replace')}")
    return result.stdout.replace(b"\r\n", b"\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if anything is out of date")
    args = parser.parse_args(argv)
    sources = sorted(UI_DIR.glob("*.ui"))
    problems: list[str] = []
    expected = {target_for(ui) for ui in sources}
    for ui in sources:
        target = target_for(ui)
        code = compile_form(ui)
        current = target.read_bytes() if target.exists() else None
        if current == code:
            continue
        if args.check:
            problems.append(f"{target.relative_to(ROOT)} is {'missing' if current is None else 'outdated'}")
        else:
            target.write_bytes(code)
            print(f"compiled {ui.relative_to(ROOT)} -> {target.relative_to(ROOT)}")
    for orphan in sorted(set(FORMS_DIR.glob("ui_*.py")) - expected):
        problems.append(f"{orphan.relative_to(ROOT)} has no ui/{orphan.stem[3:]}.ui source")
    if problems:
        print(
            "Compiled Designer forms are not current (run: python scripts/build_forms.py):", file=sys.stderr
        )
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(sources)} compiled forms are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
