"""Start-up time: process start → main window shown, and → 工作台 filled, on a given database.

    python bench/startup.py --db sqlite:///bench/data/demo-143k.sqlite3 [--runs 3]
        [--user admin --password Admin@2026]

Each run is a fresh process that takes the program's real start-up path: imports, QApplication with
translations and fonts, database open + schema check (``prepare_database``), login (Argon2), main
window, and the 工作台 counts loaded off the GUI thread. Only the typing in the login dialog is
skipped. Without a display the Qt "offscreen" platform is used; under ``xvfb-run`` the real one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def child(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()

    def mark(name: str) -> None:
        print(f"{name} {time.perf_counter() - t0:.3f}", flush=True)

    from gxq_desktop import paths

    paths.set_basedir(args.basedir)
    from PySide6.QtCore import QTimer

    from gxq_desktop.gui.application import create_application, setup_logging, wait_for
    from gxq_desktop.gui.main_window import MainWindow
    from gxq_desktop.services import connection
    from gxq_desktop.services.auth import AuthService

    mark("imported")
    setup_logging()
    app = create_application()
    mark("qapplication")
    prepared = wait_for(lambda: connection.prepare_database(args.db, backup_dir=paths.backup_dir()), "…")
    if not prepared.ok:
        print(f"error {prepared.message}", flush=True)
        return 2
    db = prepared.db
    mark("database")
    actor = wait_for(lambda: AuthService(db).login(args.user, args.password), "…")
    mark("login")
    window = MainWindow(db, actor)
    window.show()
    app.processEvents()
    mark("shown")
    dashboard = window.panes["dashboard"]

    def poll() -> None:
        if getattr(dashboard, "summary", None) is not None:
            mark("filled")
            app.quit()
        else:
            QTimer.singleShot(5, poll)

    poll()
    app.exec()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (the schema must be current)")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="Admin@2026")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--basedir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    shown: list[float] = []
    filled: list[float] = []
    with tempfile.TemporaryDirectory(prefix="gxq-startup-") as base:
        for run in range(args.runs):
            cmd = [sys.executable, __file__, "--child", "--db", args.db, "--user", args.user]
            cmd += ["--password", args.password, "--basedir", base]
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
            assert proc.stdout is not None
            phases: dict[str, float] = {}
            for line in proc.stdout:
                name, _, value = line.strip().partition(" ")
                if name == "error":
                    print(f"run {run + 1}: {value}", file=sys.stderr)
                    return 2
                phases[name] = time.perf_counter() - start
                phases[f"{name}_in_process"] = float(value)
            proc.wait()
            shown.append(phases["shown"])
            filled.append(phases["filled"])
            steps = ", ".join(
                f"{k} {phases[k + '_in_process']:.2f}"
                for k in ("imported", "qapplication", "database", "login", "shown", "filled")
            )
            print(
                f"run {run + 1}: main window shown {phases['shown']:.2f} s, 工作台 filled "
                f"{phases['filled']:.2f} s after process start (in-process: {steps})"
            )
    print(
        f"median: main window shown {statistics.median(shown):.2f} s, 工作台 filled {statistics.median(filled):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
