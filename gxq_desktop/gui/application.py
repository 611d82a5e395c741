"""Start the GUI: QApplication set-up, then database → (demo data | first administrator) → login →
main window, and back to login after 注销.

Opening the database, checking and upgrading its schema, generating demo data and checking passwords
all run off the GUI thread (``wait_for``): the window system keeps painting and a progress dialog
appears when something takes longer than a moment.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QLibraryInfo,
    QLocale,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from gxq_desktop import __version__, config, paths
from gxq_desktop.config import DatabaseSettings, Settings
from gxq_desktop.db.engine import Database
from gxq_desktop.services import connection
from gxq_desktop.services.auth import AuthService
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import CancelledError, GxqError

from .dialogs.errors import show_bug, show_error
from .dialogs.login import FirstAdminDialog, LoginDialog
from .icons import app_icon
from .main_window import MainWindow
from .workers import run_op

log = logging.getLogger("gxq_desktop")

APP_NAME = "GXQ Desktop"
ORGANIZATION = "GXQ"
DEMO_ENTERPRISES = 5_000  # quick to generate; GXQ_DEMO_ENTERPRISES=143000 gives the real scale
DEMO_SEED = 2026
DEMO_ACCOUNTS_HINT = "演示账户：admin / Admin@2026（系统管理员）；kezhang、zhifa、luru / Demo@2026"

# Chinese UI fonts by platform, most preferred first. Noto CJK must be named by its SC family, or Qt
# takes the Japanese glyph variants.
FONT_PREFERENCES = {
    "win32": ("Microsoft YaHei UI", "Microsoft YaHei", "SimSun"),
    "darwin": ("PingFang SC", "Hiragino Sans GB", "Heiti SC"),
    "linux": (
        "WenQuanYi Micro Hei",
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "Noto Sans SC",
        "Droid Sans Fallback",
    ),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Startup", text)


# --------------------------------------------------------------------------- process set-up


def setup_logging() -> Path:
    """Log to ``logs/gxq-desktop.log`` (rotated), and Qt's own warnings with it."""
    path = paths.log_dir() / "gxq-desktop.log"
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def qt_message(kind: QtMsgType, _context: Any, message: str) -> None:
        logging.getLogger("qt").log(levels.get(kind, logging.WARNING), message)

    qInstallMessageHandler(qt_message)
    return path


_in_excepthook = False


def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """An exception nobody caught is a bug: log it and show the crash dialog, keep the program alive."""
    global _in_excepthook
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    if _in_excepthook or QApplication.instance() is None:
        log.critical("uncaught exception\n%s", text)
        sys.__excepthook__(exc_type, exc, tb)
        return
    _in_excepthook = True
    try:
        show_bug(None, exc, text)  # logs it too
    finally:
        _in_excepthook = False


def pick_font_family(families: list[str] | None = None, platform: str | None = None) -> str | None:
    available = set(families if families is not None else QFontDatabase.families())
    key = platform or (
        "win32" if sys.platform == "win32" else "darwin" if sys.platform == "darwin" else "linux"
    )
    for family in FONT_PREFERENCES.get(key, FONT_PREFERENCES["linux"]):
        if family in available:
            return family
    return None


def load_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own Chinese texts (standard buttons, file dialogs …), and ours if shipped."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded: list[QTranslator] = []
    candidates = [
        ("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("gxq_zh_CN", str(paths.resources_dir() / "translations")),
    ]
    for name, folder in candidates:
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            loaded.append(translator)
        elif name.startswith("qtbase"):
            log.warning("Qt translation %s not found in %s", name, folder)
    return loaded


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(argv if argv is not None else sys.argv[:1])
    )
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    app.setProperty("gxq_translators", load_translations(app))
    family = pick_font_family()
    if family:
        font = QFont(family)
        font.setPointSizeF(max(app.font().pointSizeF(), 9.0))
        app.setFont(font)
    return app


# --------------------------------------------------------------------------- waiting without freezing


def wait_for(
    fn: Callable[..., Any],
    label: str,
    *,
    parent: QWidget | None = None,
    cancellable: bool = False,
) -> Any:
    """Run ``fn`` off the GUI thread and return its result, keeping the GUI alive meanwhile.

    For the linear start-up sequence only (inside the main window use run_op with callbacks). ``fn``
    may take a ``task`` keyword (TaskState) for progress and cancellation. Exceptions are re-raised.
    """
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def done(result: Any) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: BaseException) -> None:
        outcome["error"] = exc
        loop.quit()

    run_op(parent, fn, on_success=done, on_error=failed, progress_label=label, cancellable=cancellable)
    if not outcome:
        loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


# --------------------------------------------------------------------------- the start-up sequence


class Startup:
    """Database → users → login → main window; ``run()`` returns the process exit code."""

    def __init__(self, app: QApplication, args: argparse.Namespace, settings: Settings | None = None) -> None:
        self.app = app
        self.args = args
        self.settings = settings or config.load()
        self.url_override: str | None = getattr(args, "db", None) or None
        self.db_settings: DatabaseSettings = self.settings.database
        self.demo = bool(getattr(args, "demo", False) or self.settings.demo_mode)
        self.login_message = ""
        self.db: Database | None = None
        self.window: MainWindow | None = None

    # ---- database

    def _ask_password(self, d: DatabaseSettings) -> tuple[str | None, bool]:
        from .dialogs.users import DatabasePasswordDialog

        secure = connection.secure_keyring_available()
        dialog = DatabasePasswordDialog(f"{d.host}:{d.port}/{d.database}", d.username, secure_keyring=secure)
        if not dialog.exec():
            return None, False
        return dialog.password.text(), dialog.remember.isChecked() and secure

    def _problem(self, message: str, *, allow_retry: bool = True) -> str:
        """Ask what to do about a database that cannot be used: settings / local / retry / quit."""
        box = QMessageBox(QMessageBox.Icon.Warning, _tr("无法使用数据库"), message)
        box.setWindowIcon(app_icon())
        box.setStyleSheet("QLabel { min-width: 420px; }")
        settings_button = box.addButton(_tr("数据库连接设置…"), QMessageBox.ButtonRole.ActionRole)
        local_button = None
        if not (self.db_settings.kind == "sqlite" and self.url_override is None):
            local_button = box.addButton(_tr("使用本地数据库"), QMessageBox.ButtonRole.ActionRole)
        retry_button = box.addButton(_tr("重试"), QMessageBox.ButtonRole.AcceptRole) if allow_retry else None
        box.addButton(_tr("退出"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(retry_button or settings_button)
        box.exec()
        clicked = box.clickedButton()
        if clicked is settings_button:
            return "settings"
        if local_button is not None and clicked is local_button:
            return "local"
        if retry_button is not None and clicked is retry_button:
            return "retry"
        return "quit"

    def open_database(self) -> Database | None:
        """Open (and for SQLite create/upgrade) the database; None when the user gives up."""
        while True:
            remember = False
            password: str | None = None
            if self.url_override:
                url: Any = self.url_override
            else:
                d = self.db_settings
                if d.kind == "postgresql":
                    password = connection.load_password(d)
                    if password is None:
                        password, remember = self._ask_password(d)
                        if password is None:
                            choice = self._problem(
                                _tr("未输入共享数据库的密码，无法连接。"), allow_retry=True
                            )
                            if not self._apply_choice(choice):
                                return None
                            continue
                try:
                    url = connection.url_for(d, password)
                except GxqError as exc:
                    if not self._apply_choice(self._problem(exc.message, allow_retry=False)):
                        return None
                    continue
            backup_dir = paths.backup_dir()
            try:
                prepared = wait_for(
                    lambda u=url, b=backup_dir: connection.prepare_database(u, backup_dir=b),
                    _tr("正在打开数据库…"),
                )
            except GxqError as exc:
                prepared = connection.PreparedDatabase(None, False, exc.message, "error")
            if prepared.ok and prepared.db is not None:
                if remember and password:
                    connection.store_password(self.db_settings, password)
                if prepared.message:
                    log.info("database prepared: %s", prepared.message)
                    self.login_message = "\n".join(m for m in (self.login_message, prepared.message) if m)
                log.info("database open: %s", prepared.db.location_label)
                return prepared.db
            log.warning("database not usable (%s): %s", prepared.problem, prepared.message)
            if prepared.problem == "wrong_password" and not self.url_override:
                connection.forget_password(self.db_settings)
            if not self._apply_choice(self._problem(prepared.message)):
                return None

    def _apply_choice(self, choice: str) -> bool:
        """Act on the problem dialog's answer; False means quit."""
        if choice == "quit":
            return False
        if choice == "local":
            self.url_override = None
            self.db_settings = DatabaseSettings(kind="sqlite")
            self.login_message = _tr("本次使用本地数据库（{path}）。数据库连接设置未改变。").format(
                path=self.db_settings.effective_sqlite_path()
            )
        elif choice == "settings":
            from .dialogs.db_connection import DbConnectionDialog  # only when needed: faster start-up

            dialog = DbConnectionDialog(self.settings)
            if dialog.exec() and dialog.saved:
                self.settings = dialog.settings
                self.db_settings = self.settings.database
                self.url_override = None
        return True

    # ---- users

    def ensure_users(self, db: Database) -> bool:
        """A database without users gets demo data (demo mode) or its first administrator."""
        auth = AuthService(db)
        if not wait_for(auth.needs_first_admin, _tr("正在检查用户…")):
            return True
        if self.demo and self.generate_demo(db):
            return True
        dialog = FirstAdminDialog(db)
        if not dialog.exec() or dialog.created is None:
            return False
        self.settings.last_username = dialog.created.username
        self.login_message = _tr("已创建系统管理员“{name}”，请登录。").format(name=dialog.created.username)
        return True

    def generate_demo(self, db: Database) -> bool:
        from gxq_desktop.services.demo_data import generate_demo_data

        try:
            n = int(os.environ.get("GXQ_DEMO_ENTERPRISES", DEMO_ENTERPRISES))
        except ValueError:
            n = DEMO_ENTERPRISES
        seed = int(os.environ.get("GXQ_DEMO_SEED", DEMO_SEED))

        def work(task: Any) -> Any:
            return generate_demo_data(
                db,
                enterprises=n,
                seed=seed,
                progress=lambda done, total, phase: task.report(done, total, phase),
                cancel=lambda: task.cancelled,
            )

        try:
            summary = wait_for(
                work, _tr("正在生成演示数据（{n} 户市场主体）…").format(n=f"{n:,}"), cancellable=True
            )
        except CancelledError:
            QMessageBox.information(
                None, _tr("演示数据"), _tr("已取消生成演示数据，数据库未改变。请创建系统管理员账户。")
            )
            return False
        except GxqError as exc:
            show_error(None, exc, _tr("无法生成演示数据"))
            return False
        log.info("demo data generated: %s", summary)
        self.settings.last_username = self.settings.last_username or "admin"
        self.login_message = _tr("已生成演示数据：{n} 户市场主体。").format(n=f"{summary.enterprises:,}")
        return True

    def login(self, db: Database) -> Actor | None:
        message = self.login_message
        if self.demo:
            message = (message + "\n" if message else "") + _tr(DEMO_ACCOUNTS_HINT)
        dialog = LoginDialog(db, last_username=self.settings.last_username, message=message)
        self.login_message = ""
        if not dialog.exec() or dialog.actor is None:
            return None
        if dialog.username != self.settings.last_username:
            self.settings.last_username = dialog.username
            self._save_settings()
        return dialog.actor

    def _save_settings(self) -> None:
        try:
            current = config.load()  # keep what the connection dialog may have saved meanwhile
            current.last_username = self.settings.last_username
            config.save(current)
        except OSError as exc:
            log.warning("cannot save settings: %s", exc)

    # ---- the whole sequence

    def run(self) -> int:
        self.db = self.open_database()
        if self.db is None:
            return 0
        while True:
            db = self.db
            assert db is not None
            if not self.ensure_users(db):
                return 0
            actor = self.login(db)
            if actor is None:
                return 0
            log.info("login: %s (%s)", actor.username, actor.role.value)
            window = MainWindow(db, actor)
            self.window = window
            window.show()
            code = self.app.exec()
            if not window.logging_out:
                return int(code)
            log.info("logout: %s", actor.username)
            window.deleteLater()
            self.window = None
            if self._connection_changed():
                db.dispose()
                self.db = self.open_database()
                if self.db is None:
                    return 0

    def _connection_changed(self) -> bool:
        """After 注销: did someone save a different database connection meanwhile?"""
        if self.url_override:
            return False
        saved = config.load().database
        if saved != self.db_settings:
            self.settings = config.load()
            self.db_settings = saved
            return True
        return False


def run_gui(args: argparse.Namespace) -> int:
    log_file = setup_logging()
    log.info("GXQ Desktop %s starting (log: %s)", __version__, log_file)
    app = create_application()
    app.setQuitOnLastWindowClosed(True)
    sys.excepthook = excepthook
    try:
        return Startup(app, args).run()
    finally:
        log.info("GXQ Desktop exiting")
