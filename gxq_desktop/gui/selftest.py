"""``gxq-desktop selftest``: prove an installation works end to end, without a person.

Used on the frozen bundle after every build (installer/build-windows.ps1, scripts/test): in the basedir
it creates a small demo database, logs in as the demo administrator, opens the main window and every
pane, renders one enterprise profile PDF with the embedded Chinese font, and exits with 0. Any failure
prints what failed and exits with 1.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QThreadPool
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from gxq_desktop import paths
from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database, sqlite_url
from gxq_desktop.db.models import Enterprise
from gxq_desktop.reports.enterprise_profile import render_profile_pdf
from gxq_desktop.services.auth import AuthService
from gxq_desktop.services.demo_data import generate_demo_data
from gxq_desktop.services.profile import ProfileService

from .application import create_application
from .main_window import MainWindow


def _settle(app: QApplication, seconds: float) -> None:
    """Let queued worker results arrive and the window paint."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if QThreadPool.globalInstance().activeThreadCount() == 0:
            app.processEvents()
            time.sleep(0.02)


def run_selftest(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    steps: list[str] = []
    try:
        db_path = paths.data_dir() / "selftest.sqlite3"
        db_path.unlink(missing_ok=True)
        db = Database(sqlite_url(db_path))
        migrate.upgrade(db)
        steps.append("数据库")
        generate_demo_data(db, enterprises=int(getattr(args, "enterprises", 200)), seed=1)
        steps.append("演示数据")
        actor = AuthService(db).login("admin", "Admin@2026")
        steps.append("登录")
        app = create_application()
        window = MainWindow(db, actor)
        window.show()
        for key in window.pane_keys():
            if window.show_pane(key) is None:
                raise RuntimeError(f"pane {key} did not open")
            _settle(app, 0.5)
        steps.append(f"主窗口（{len(window.pane_keys())} 个页面）")
        with db.session() as s:
            first = s.scalar(select(Enterprise.id).order_by(Enterprise.id).limit(1))
        assert first is not None
        profile = ProfileService(db, actor).profile_for_print(first, ["basic"])
        pdf = render_profile_pdf(profile, ["basic"], user=actor.display_name)
        if not pdf.startswith(b"%PDF") or b"FontFile2" not in pdf:
            raise RuntimeError("profile PDF without an embedded TrueType font")
        (paths.data_dir() / "selftest-profile.pdf").write_bytes(pdf)
        steps.append(f"PDF（{len(pdf):,} 字节）")
        window.close()
        _settle(app, 0.2)
        QCoreApplication.processEvents()
        db.dispose()
    except Exception as exc:
        out(f"自检失败（已通过：{'、'.join(steps) or '无'}）：{type(exc).__name__}: {exc}")
        return 1
    out("自检通过：" + "、".join(steps))
    return 0
