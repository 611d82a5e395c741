"""The main window: a navigation list on the left, the panes on the right, the status bar below.

Panes are created the first time they are shown (fast start-up) and only those the role may use are
listed. Ctrl+1 … Ctrl+8 switch to the n-th listed pane.
"""

from __future__ import annotations

import logging
import platform
import traceback

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop import __version__, config, paths
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Permission
from gxq_desktop.services.auth import UserService
from gxq_desktop.services.context import Actor

from .icons import app_icon, icon
from .panes import PaneSpec, visible_panes
from .panes.base import Pane, PaneContext
from .signals import AppSignals
from .widgets import report_error
from .workers import run_op

log = logging.getLogger("gxq_desktop")

NAV_STYLE = """
QListWidget#navigation { background: #f3f6fa; border: none; border-right: 1px solid #d9e1ea;
    outline: 0; padding-top: 8px; }
QListWidget#navigation::item { padding: 9px 10px; margin: 1px 6px; border-radius: 6px; color: #22364a; }
QListWidget#navigation::item:hover { background: #e3ebf5; }
QListWidget#navigation::item:selected { background: #d6e6fa; color: #174a8f; border-left: 3px solid #2f74c8; }
"""


class PaneLoadError(QWidget):
    """Shown in place of a pane whose module failed to load (a bug: it is logged)."""

    def __init__(self, title: str, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(
            self.tr("“{title}”页面无法加载：{error}\n详细信息已写入日志 {log}。").format(
                title=title, error=exc, log=paths.log_dir() / "gxq-desktop.log"
            )
        )
        label.setWordWrap(True)
        label.setStyleSheet("color: #8a1c1c;")
        layout.addWidget(label)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        signals: AppSignals | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = PaneContext(db, actor, signals or AppSignals())
        self.specs: list[PaneSpec] = visible_panes(actor)
        self.panes: dict[str, QWidget] = {}
        self.logging_out = False
        self.setWindowTitle(self.tr("高新区综合市场监管 — GXQ Desktop"))
        self.setWindowIcon(app_icon())
        self.resize(1280, 800)
        self.setMinimumSize(960, 600)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setStyleSheet(NAV_STYLE)
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setFixedWidth(max(150, self.navigation.fontMetrics().horizontalAdvance("中") * 8))
        self.stack = QStackedWidget()
        for i, spec in enumerate(self.specs):
            item = QListWidgetItem(icon(spec.icon), self._title(spec))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if i < 9:
                item.setToolTip(f"{self._title(spec)}（Ctrl+{i + 1}）")
            self.navigation.addItem(item)
            self.stack.addWidget(QWidget())  # placeholder until first shown
        row.addWidget(self.navigation)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.navigation.currentRowChanged.connect(self._row_changed)

        self._build_menus()
        self._build_status_bar()
        if self.specs:
            self.navigation.setCurrentRow(0)

    # ---- panes

    @staticmethod
    def _title(spec: PaneSpec) -> str:
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate("Panes", spec.title)

    def pane_keys(self) -> list[str]:
        return [s.key for s in self.specs]

    def _create(self, index: int) -> QWidget:
        spec = self.specs[index]
        widget: QWidget
        try:
            cls = spec.load()
            widget = cls(self.ctx)
        except Exception as exc:
            log.error("cannot load pane %s: %s\n%s", spec.key, exc, traceback.format_exc())
            widget = PaneLoadError(self._title(spec), exc)
        widget.setObjectName(f"pane_{spec.key}")
        old = self.stack.widget(index)
        self.stack.insertWidget(index, widget)
        self.stack.removeWidget(old)
        old.deleteLater()
        self.panes[spec.key] = widget
        if isinstance(widget, Pane):
            widget.refresh()
        return widget

    def _row_changed(self, index: int) -> None:
        if not (0 <= index < len(self.specs)):
            return
        key = self.specs[index].key
        existing = self.panes.get(key)
        widget = existing or self._create(index)
        self.stack.setCurrentWidget(widget)
        # Cheap panes (工作台) show fresh numbers each time they come back; the others keep their
        # place (scroll position, selection) until F5 or an app-wide signal refreshes them.
        if existing is not None and isinstance(widget, Pane) and getattr(widget, "refresh_on_show", False):
            widget.refresh()

    def show_pane(self, key: str) -> QWidget | None:
        """Switch to a pane (creating it if needed); None if the role may not see it."""
        keys = self.pane_keys()
        if key not in keys:
            return None
        self.navigation.setCurrentRow(keys.index(key))
        return self.panes.get(key)

    def current_pane(self) -> QWidget | None:
        index = self.navigation.currentRow()
        return self.panes.get(self.specs[index].key) if 0 <= index < len(self.specs) else None

    def refresh_current(self) -> None:
        pane = self.current_pane()
        if isinstance(pane, Pane):
            pane.refresh()

    # ---- menus, shortcuts, status bar

    def _build_menus(self) -> None:
        bar = self.menuBar()
        system = bar.addMenu(self.tr("系统(&S)"))
        self.change_password_action = QAction(self.tr("修改密码(&P)…"), self)
        self.change_password_action.triggered.connect(self.change_password)
        system.addAction(self.change_password_action)
        if self.ctx.actor.can(Permission.MANAGE_SYSTEM):
            connection_action = QAction(self.tr("数据库连接(&D)…"), self)
            connection_action.triggered.connect(self.edit_connection)
            system.addAction(connection_action)
        system.addSeparator()
        self.logout_action = QAction(self.tr("注销(&L)"), self)
        self.logout_action.triggered.connect(self.logout)
        system.addAction(self.logout_action)
        self.quit_action = QAction(self.tr("退出(&X)"), self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        if self.quit_action.shortcut().isEmpty():
            self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        system.addAction(self.quit_action)

        view = bar.addMenu(self.tr("视图(&V)"))
        refresh = QAction(self.tr("刷新(&R)"), self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.refresh_current)
        view.addAction(refresh)
        view.addSeparator()
        self.pane_actions: list[QAction] = []
        for i, spec in enumerate(self.specs[:9]):
            action = QAction(self._title(spec), self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, row=i: self.navigation.setCurrentRow(row))
            view.addAction(action)
            self.pane_actions.append(action)

        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        about = QAction(self.tr("关于(&A)"), self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        db, actor = self.ctx.db, self.ctx.actor
        kind = "SQLite" if db.is_sqlite else "PostgreSQL"
        self.db_label = QLabel(
            self.tr("数据库：{where}（{kind}）").format(where=db.location_label, kind=kind)
        )
        self.db_label.setToolTip(self.db_label.text())
        self.user_label = QLabel(self.tr("用户：{name}").format(name=actor.display_name))
        self.role_label = QLabel(self.tr("角色：{role}").format(role=actor.role_label))
        status = self.statusBar()
        status.addWidget(self.db_label, 1)
        status.addPermanentWidget(self.user_label)
        status.addPermanentWidget(self.role_label)

    def status_text(self) -> str:
        return "　".join(w.text() for w in (self.db_label, self.user_label, self.role_label))

    # ---- actions

    def change_password(self) -> None:
        from .dialogs.users import NewPasswordDialog

        dialog = NewPasswordDialog(self.tr("修改密码"), ask_old=True, parent=self)
        if not dialog.exec():
            return
        old, new = dialog.old_password(), dialog.new_password()
        service = UserService(self.ctx.db, self.ctx.actor)
        run_op(
            self,
            lambda: service.change_own_password(old, new),
            on_success=lambda _r: QMessageBox.information(
                self, self.tr("修改密码"), self.tr("密码已修改，下次登录请使用新密码。")
            ),
            on_error=lambda exc: report_error(self, exc),
        )

    def edit_connection(self) -> None:
        from .dialogs.db_connection import DbConnectionDialog

        dialog = DbConnectionDialog(config.load(), self)
        if dialog.exec() and dialog.saved:
            QMessageBox.information(
                self,
                self.tr("数据库连接"),
                self.tr("设置已保存。重新登录（系统 → 注销）或重新启动程序后使用新的数据库连接。")
                + getattr(dialog, "saved_note", ""),
            )

    def logout(self) -> None:
        self.logging_out = True
        self.logout_requested.emit()
        self.close()

    def about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("关于 GXQ Desktop"),
            self.tr(
                "<h3>高新区综合市场监管桌面端</h3>"
                "<p>“双随机、一公开”监管：数据归集、企业查询、随机抽查、检查录入、结果公示、统计分析。</p>"
                "<p>版本 {version}<br>Python {python}，Qt for Python {qt}<br>{where}</p>"
                "<p>日志：{log}</p>"
            ).format(
                version=__version__,
                python=platform.python_version(),
                qt=pyside_version,
                where=self.ctx.db.location_label,
                log=paths.log_dir() / "gxq-desktop.log",
            ),
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        log.info("main window closed (%s)", "logout" if self.logging_out else "quit")
        for pane in self.panes.values():
            if isinstance(pane, Pane):
                pane.release()
        super().closeEvent(event)
