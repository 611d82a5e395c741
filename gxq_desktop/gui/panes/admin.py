"""系统管理: 数据库连接 (MANAGE_SYSTEM), 用户管理 (MANAGE_USERS) and 审计日志 (VIEW_AUDIT)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop import config
from gxq_desktop.db import migrate
from gxq_desktop.domain.roles import Permission
from gxq_desktop.services import connection
from gxq_desktop.services.audit_log import AuditLogService
from gxq_desktop.services.auth import UserInfo, UserService

from ..dialogs.db_connection import DbConnectionDialog
from ..dialogs.users import AddUserDialog, NewPasswordDialog
from ..models.table import DANGER_COLOR, MUTED_COLOR, Column, PagedTableModel, RowTableModel
from ..widgets import MessageBar, make_table_view, report_error, section_title
from ..workers import run_op
from .base import Pane, PaneContext

SCHEMA_LABELS = {
    migrate.SchemaState.CURRENT: "最新",
    migrate.SchemaState.OLDER: "较旧，需要升级",
    migrate.SchemaState.NEWER: "比本程序新",
    migrate.SchemaState.EMPTY: "空数据库",
    migrate.SchemaState.FOREIGN: "不是 GXQ Desktop 数据库",
}


def user_state(u: UserInfo) -> str:
    if not u.is_active:
        return "已停用"
    if u.locked_until is not None and u.locked_until > dt.datetime.now(dt.UTC):
        return f"已锁定（至 {u.locked_until.astimezone():%H:%M}）"
    return "正常"


class DatabaseTab(QWidget):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(section_title(self.tr("当前数据库")))
        form = QFormLayout()
        db = ctx.db
        self.kind_label = QLabel(
            self.tr("本地数据库（SQLite）") if db.is_sqlite else self.tr("共享数据库（PostgreSQL）")
        )
        self.location_label = QLabel(db.location_label)
        self.location_label.setWordWrap(True)
        self.schema_label = QLabel(self.tr("正在检查…"))
        secure = connection.secure_keyring_available()
        self.keyring_label = QLabel(
            self.tr("系统凭据管理器（安全）")
            if secure
            else self.tr("没有可用的安全密码存储：共享数据库的密码不会保存，每次启动时询问。")
        )
        self.keyring_label.setWordWrap(True)
        form.addRow(self.tr("类型："), self.kind_label)
        form.addRow(self.tr("位置："), self.location_label)
        form.addRow(self.tr("结构版本："), self.schema_label)
        form.addRow(self.tr("密码保存："), self.keyring_label)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.change_button = QPushButton(self.tr("更改数据库连接…"))
        self.change_button.clicked.connect(self.change_connection)
        buttons.addWidget(self.change_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = MessageBar()
        layout.addWidget(self.message)
        layout.addStretch(1)

    def refresh(self) -> None:
        db = self.ctx.db
        run_op(self, lambda: migrate.schema_status(db), on_success=self._show_schema, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.schema_label.setText(self.tr("无法读取"))
        report_error(self, exc, self.message)

    def _show_schema(self, status: migrate.SchemaStatus) -> None:
        label = SCHEMA_LABELS.get(status.state, status.state.value)
        self.schema_label.setText(f"{status.database_revision or '—'}（{label}）")

    def change_connection(self) -> None:
        dialog = DbConnectionDialog(config.load(), self)
        if dialog.exec() and dialog.saved:
            note = getattr(dialog, "saved_note", "")
            self.message.show_info(
                self.tr("数据库连接设置已保存。重新登录（系统 → 注销）或重新启动程序后使用新的连接。") + note
            )


class UsersTab(QWidget):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = UserService(ctx.db, ctx.actor)
        layout = QVBoxLayout(self)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.model = RowTableModel(
            [
                Column(self.tr("用户名"), lambda u: u.username, width=120),
                Column(self.tr("姓名"), lambda u: u.display_name, width=180),
                Column(self.tr("角色"), lambda u: u.role.label, width=100),
                Column(
                    self.tr("状态"),
                    lambda u: user_state(u),
                    width=150,
                    foreground=lambda u: (
                        MUTED_COLOR
                        if not u.is_active
                        else (DANGER_COLOR if user_state(u).startswith("已锁定") else None)
                    ),
                ),
                Column(self.tr("最近登录"), lambda u: u.last_login_at),
            ],
            self,
        )
        self.view = make_table_view(self.model)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("添加用户…"))
        self.toggle_button = QPushButton(self.tr("停用"))
        self.reset_button = QPushButton(self.tr("重置密码…"))
        self.add_button.clicked.connect(self.add_user)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.reset_button.clicked.connect(self.reset_password)
        for b in (self.add_button, self.toggle_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._update_buttons()
        ctx.signals.users_changed.connect(self.refresh)

    def selected(self) -> UserInfo | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        u = self.selected()
        self.toggle_button.setEnabled(u is not None and u.id != self.ctx.actor.user_id)
        self.reset_button.setEnabled(u is not None)
        self.toggle_button.setText(self.tr("启用") if u is not None and not u.is_active else self.tr("停用"))

    def refresh(self) -> None:
        run_op(self, self.service.list_users, on_success=self._show, on_error=self._failed)

    def _show(self, users: list[UserInfo]) -> None:
        keep = self.selected()
        self.model.set_rows(users)
        if keep is not None:
            for i, u in enumerate(users):
                if u.id == keep.id:
                    self.view.selectRow(i)
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        report_error(self, exc, self.message)

    def _done(self, text: str) -> None:
        self.message.show_info(text)
        self.ctx.signals.users_changed.emit()

    def add_user(self) -> None:
        dialog = AddUserDialog(self)
        if not dialog.exec():
            return
        username, password, role, display = dialog.values()
        service = self.service
        run_op(
            self,
            lambda: service.add_user(username, password, role, display),
            on_success=lambda info: self._done(
                self.tr("已添加用户“{name}”（{role}）。").format(name=info.username, role=info.role.label)
            ),
            on_error=self._failed,
        )

    def toggle_active(self) -> None:
        u = self.selected()
        if u is None:
            return
        service = self.service
        active = not u.is_active
        if not active:
            answer = QMessageBox.question(
                self,
                self.tr("停用用户"),
                self.tr(
                    "确定停用用户“{name}”（{display}）吗？停用后该用户不能再登录，可随时重新启用。"
                ).format(name=u.username, display=u.display_name),
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        run_op(
            self,
            lambda: service.set_active(u.id, active),
            on_success=lambda info: self._done(
                (self.tr("已启用用户“{name}”。") if active else self.tr("已停用用户“{name}”。")).format(
                    name=info.username
                )
            ),
            on_error=self._failed,
        )

    def reset_password(self) -> None:
        u = self.selected()
        if u is None:
            return
        dialog = NewPasswordDialog(
            self.tr("重置密码"),
            ask_old=False,
            intro=self.tr("为用户“{name}”（{display}）设置新密码，并解除锁定。").format(
                name=u.username, display=u.display_name
            ),
            parent=self,
        )
        if not dialog.exec():
            return
        password = dialog.new_password()
        service = self.service
        run_op(
            self,
            lambda: service.reset_password(u.id, password),
            on_success=lambda _r: self._done(self.tr("已重置用户“{name}”的密码。").format(name=u.username)),
            on_error=self._failed,
        )


class AuditTab(QWidget):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = AuditLogService(ctx.db, ctx.actor)
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        self.count_label = QLabel()
        head.addWidget(self.count_label)
        head.addStretch(1)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("按用户、操作或内容筛选"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        head.addWidget(self.search)
        layout.addLayout(head)
        self.message = MessageBar()
        layout.addWidget(self.message)
        self.model = PagedTableModel(
            [
                Column(self.tr("时间"), lambda r: r.at, width=140),
                Column(self.tr("用户"), lambda r: r.username, width=110),
                Column(self.tr("操作"), lambda r: r.action_label, width=110, tooltip=lambda r: r.action),
                Column(self.tr("对象"), lambda r: r.entity, width=120),
                Column(self.tr("内容"), lambda r: r.summary),
            ],
            parent=self,
        )
        self.model.total_changed.connect(
            lambda n, capped: self.count_label.setText(
                self.tr("共 {n}{more} 条，最新的在前").format(
                    n=f"{n:,}", more=self.tr("以上") if capped else ""
                )
            )
        )
        self.model.load_failed.connect(lambda exc: report_error(self, exc, self.message))
        self.view = make_table_view(self.model)
        layout.addWidget(self.view, 1)

    def refresh(self) -> None:
        self.message.clear_message()
        text = self.search.text().strip() or None
        service = self.service
        self.model.set_fetcher(lambda o, n: service.page(o, n, text=text))
        self.model.reload()


class AdminPane(Pane):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.database_tab: DatabaseTab | None = None
        self.users_tab: UsersTab | None = None
        self.audit_tab: AuditTab | None = None
        actor = ctx.actor
        if actor.can(Permission.MANAGE_SYSTEM):
            self.database_tab = DatabaseTab(ctx)
            self.tabs.addTab(self.database_tab, self.tr("数据库连接"))
        if actor.can(Permission.MANAGE_USERS):
            self.users_tab = UsersTab(ctx)
            self.tabs.addTab(self.users_tab, self.tr("用户管理"))
        if actor.can(Permission.VIEW_AUDIT):
            self.audit_tab = AuditTab(ctx)
            self.tabs.addTab(self.audit_tab, self.tr("审计日志"))

    def refresh(self) -> None:
        for tab in (self.database_tab, self.users_tab, self.audit_tab):
            if tab is not None:
                tab.refresh()

    def show_tab(self, tab: QWidget) -> None:
        self.tabs.setCurrentWidget(tab)
