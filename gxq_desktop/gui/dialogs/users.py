"""Small dialogs about accounts: 添加用户, 重置密码 (administrator), 修改密码 (every user), and the
shared-database password asked at start-up when it is not in the keyring."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain.roles import ROLE_LABELS, Role
from gxq_desktop.services.auth import MIN_PASSWORD_LENGTH, check_password_strength
from gxq_desktop.services.errors import ValidationError

from ..icons import app_icon

ERROR_STYLE = "color: #c62828;"


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class _FormDialog(QDialog):
    """A form with a rule line, an error line and OK/Cancel; subclasses validate in ``check()``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(420)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.rule = QLabel(
            self.tr("密码至少 {n} 个字符，且需同时包含字母和数字（或其他符号）。").format(
                n=MIN_PASSWORD_LENGTH
            )
        )
        self.rule.setWordWrap(True)
        self.rule.setStyleSheet("color: #6b7785;")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.layout_.addWidget(self.rule)
        self.layout_.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def check(self) -> str | None:  # pragma: no cover - overridden
        return None

    def _accept_if_valid(self) -> None:
        problem = self.check()
        if problem:
            self.show_error(problem)
            return
        self.accept()

    def _check_new_password(self, password: str, confirm: str) -> str | None:
        if password != confirm:
            return self.tr("两次输入的密码不一致，请重新输入。")
        try:
            check_password_strength(password)
        except ValidationError as exc:
            return exc.message
        return None


class AddUserDialog(_FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("添加用户"), parent)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in (Role.CLERK, Role.INSPECTOR, Role.SECTION_HEAD, Role.ADMIN):
            self.role.addItem(ROLE_LABELS[role], role.value)
        self.password = _password_edit()
        self.confirm = _password_edit()
        self.form.addRow(self.tr("用户名："), self.username)
        self.form.addRow(self.tr("姓名："), self.display_name)
        self.form.addRow(self.tr("角色："), self.role)
        self.form.addRow(self.tr("初始密码："), self.password)
        self.form.addRow(self.tr("确认密码："), self.confirm)

    def check(self) -> str | None:
        if not self.username.text().strip():
            return self.tr("请填写用户名。")
        return self._check_new_password(self.password.text(), self.confirm.text())

    def values(self) -> tuple[str, str, Role, str]:
        return (
            self.username.text().strip(),
            self.password.text(),
            Role(self.role.currentData()),
            self.display_name.text().strip(),
        )


class NewPasswordDialog(_FormDialog):
    """重置密码 (``ask_old=False``, for an administrator) or 修改密码 (``ask_old=True``, one's own)."""

    def __init__(self, title: str, *, ask_old: bool, intro: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            self.form.addRow(label)
        self.old = _password_edit() if ask_old else None
        if self.old is not None:
            self.form.addRow(self.tr("原密码："), self.old)
        self.password = _password_edit()
        self.confirm = _password_edit()
        self.form.addRow(self.tr("新密码："), self.password)
        self.form.addRow(self.tr("确认新密码："), self.confirm)

    def check(self) -> str | None:
        if self.old is not None and not self.old.text():
            return self.tr("请输入原密码。")
        return self._check_new_password(self.password.text(), self.confirm.text())

    def old_password(self) -> str:
        return self.old.text() if self.old is not None else ""

    def new_password(self) -> str:
        return self.password.text()


class DatabasePasswordDialog(QDialog):
    """Asked at start-up for the shared database's password when the keyring has none."""

    def __init__(
        self, where: str, username: str, *, secure_keyring: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("共享数据库密码"))
        self.setWindowIcon(app_icon())
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr("连接共享数据库 {where} 需要数据库用户“{user}”的密码。").format(
                where=where, user=username
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.password = _password_edit()
        form = QFormLayout()
        form.addRow(self.tr("密码："), self.password)
        layout.addLayout(form)
        self.remember = QCheckBox(self.tr("记住密码（保存在系统的凭据管理器中）"))
        self.remember.setChecked(secure_keyring)
        self.remember.setEnabled(secure_keyring)
        layout.addWidget(self.remember)
        why = QLabel(
            self.tr("密码只保存在系统的凭据管理器中，不会写入设置文件。")
            if secure_keyring
            else self.tr(
                "本机没有可用的安全密码存储（系统凭据管理器），为安全起见密码不会被保存，"
                "因此每次启动程序都需要输入。"
            )
        )
        why.setWordWrap(True)
        why.setStyleSheet("color: #6b7785;" if secure_keyring else "color: #b26a00;")
        layout.addWidget(why)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus()
