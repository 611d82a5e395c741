"""Start-up: QApplication set-up (Chinese Qt texts, fonts), opening the database with its problems,
demo data or the first administrator, and the crash dialog for uncaught exceptions."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from gxq_desktop import config, paths
from gxq_desktop.config import DatabaseSettings, Settings
from gxq_desktop.db import migrate
from gxq_desktop.gui import application
from gxq_desktop.gui.application import Startup, pick_font_family
from gxq_desktop.services import connection
from gxq_desktop.services.auth import AuthService

pytestmark = pytest.mark.gui


def _args(db: str | None = None, demo: bool = False) -> argparse.Namespace:
    return argparse.Namespace(db=db, demo=demo, basedir=None, command=None)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_qt_standard_buttons_speak_chinese(qapp: QApplication) -> None:
    application.create_application()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Ok)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    assert qapp.applicationName() == "GXQ Desktop" and not qapp.windowIcon().isNull()


def test_font_choice_per_platform() -> None:
    assert pick_font_family(["Noto Sans CJK JP", "Noto Sans CJK SC"], "linux") == "Noto Sans CJK SC"
    assert pick_font_family(["SimSun", "Microsoft YaHei UI"], "win32") == "Microsoft YaHei UI"
    assert pick_font_family(["DejaVu Sans"], "linux") is None


def test_logging_goes_to_the_log_file() -> None:
    import logging

    path = application.setup_logging()
    logging.getLogger("gxq_desktop").warning("测试日志")
    for h in logging.getLogger().handlers:
        h.flush()
    assert path == paths.log_dir() / "gxq-desktop.log" and "测试日志" in path.read_text(encoding="utf-8")
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(h)
        h.close()


def test_uncaught_exceptions_go_to_the_crash_dialog(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(application, "show_bug", lambda parent, exc, tb: shown.append(tb))
    try:
        raise RuntimeError("程序错误示例")
    except RuntimeError as exc:
        application.excepthook(RuntimeError, exc, exc.__traceback__)
    assert shown and "程序错误示例" in shown[0]


def test_wait_for_returns_results_and_raises_errors(qapp: QApplication) -> None:
    assert application.wait_for(lambda: 6 * 7, "…") == 42
    with pytest.raises(ZeroDivisionError):
        application.wait_for(lambda: 1 / 0, "…")


def test_local_database_is_created_in_the_basedir(qapp: QApplication) -> None:
    startup = Startup(qapp, _args(), Settings())
    db = startup.open_database()
    assert db is not None and db.sqlite_path == paths.default_sqlite_path()
    assert migrate.schema_status(db).state is migrate.SchemaState.CURRENT
    assert startup.login_message == "已创建新的本地数据库。"
    db.dispose()


def test_unreachable_shared_database_offers_the_local_one(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql+psycopg://gxq:pw@127.0.0.1:{_closed_port()}/gxq"
    asked: list[str] = []

    def answer(self: Startup, message: str, *, allow_retry: bool = True) -> str:
        asked.append(message)
        return "local"

    monkeypatch.setattr(Startup, "_problem", answer)
    startup = Startup(qapp, _args(db=url), Settings())
    db = startup.open_database()
    assert asked and "无法连接到数据库服务器" in asked[0]
    assert db is not None and db.is_sqlite
    assert "本次使用本地数据库" in startup.login_message
    assert config.load().database.kind == "sqlite"  # the saved settings were not changed
    db.dispose()


def test_shared_password_is_asked_when_the_keyring_has_none(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch, memory_keyring
) -> None:  # type: ignore[no-untyped-def]
    d = DatabaseSettings(
        kind="postgresql", host="127.0.0.1", port=_closed_port(), database="gxq", username="gxq"
    )
    asked: list[str] = []
    monkeypatch.setattr(Startup, "_ask_password", lambda self, s: (asked.append(s.username), ("pw", True))[1])
    monkeypatch.setattr(Startup, "_problem", lambda self, message, allow_retry=True: "quit")
    assert Startup(qapp, _args(), Settings(database=d)).open_database() is None
    assert asked == ["gxq"]
    assert memory_keyring.store == {}  # a password is remembered only after it worked

    connection.store_password(d, "stored")
    asked.clear()
    assert Startup(qapp, _args(), Settings(database=d)).open_database() is None
    assert asked == []  # taken from the keyring


def test_empty_database_asks_for_the_first_administrator(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = Startup(qapp, _args(), Settings())
    db = startup.open_database()
    assert db is not None

    def create(dialog: QDialog) -> int:
        dialog.created = AuthService(db).create_first_admin("chief", "Admin@2026")  # type: ignore[attr-defined]
        return 1

    monkeypatch.setattr(application.FirstAdminDialog, "exec", create)
    assert startup.ensure_users(db)
    assert startup.settings.last_username == "chief" and "已创建系统管理员" in startup.login_message
    assert startup.ensure_users(db)  # now there is a user: nothing to do
    db.dispose()


@pytest.mark.slow
def test_demo_mode_fills_an_empty_database(
    qtbot: QtBot, qapp: QApplication, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GXQ_DEMO_ENTERPRISES", "200")
    startup = Startup(qapp, _args(demo=True), Settings())
    db = startup.open_database()
    assert db is not None
    assert startup.ensure_users(db)
    assert "已生成演示数据：200 户市场主体" in startup.login_message
    assert AuthService(db).login("admin", "Admin@2026").username == "admin"
    db.dispose()
