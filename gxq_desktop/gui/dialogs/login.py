"""登录 and 创建系统管理员: the dialogs before the main window. The forms come from ui/*.ui; the
behaviour is here. Password checks (Argon2, deliberately slow) run off the GUI thread."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget

from gxq_desktop.db.engine import Database
from gxq_desktop.services.auth import MIN_PASSWORD_LENGTH, AuthService, UserInfo, check_password_strength
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import AccountLocked, GxqError, ValidationError

from ..forms.ui_first_admin_dialog import Ui_FirstAdminDialog
from ..forms.ui_login_dialog import Ui_LoginDialog
from ..icons import app_icon
from ..widgets import report_error
from ..workers import run_op

ERROR_STYLE = "color: #c62828;"
WARNING_STYLE = "color: #b26a00;"


class LoginDialog(QDialog):
    """User name + password. ``actor`` holds the logged-in user after ``accept()``."""

    def __init__(
        self,
        db: Database,
        *,
        last_username: str = "",
        message: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_LoginDialog()
        self.ui.setupUi(self)
        self.db = db
        self.auth = AuthService(db)
        self.actor: Actor | None = None
        self.setWindowIcon(app_icon())
        self.ui.iconLabel.setPixmap(app_icon().pixmap(96, 96))
        title_font = self.ui.titleLabel.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        self.ui.titleLabel.setFont(title_font)
        self.ui.subtitleLabel.setStyleSheet("color: #4a5a6c;")
        self.ui.databaseLabel.setStyleSheet("color: #6b7785;")
        self.ui.databaseLabel.setText(self.tr("数据库：{where}").format(where=db.location_label))
        self.login_button = self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
        self.login_button.setText(self.tr("登录"))
        self.ui.buttonBox.accepted.connect(self._try_login)
        self.ui.buttonBox.rejected.connect(self.reject)
        self.ui.usernameEdit.setText(last_username)
        self._show_message(message, WARNING_STYLE)
        (self.ui.passwordEdit if last_username else self.ui.usernameEdit).setFocus()

    def _show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.ui.messageLabel.setStyleSheet(style)
        self.ui.messageLabel.setText(text)
        self.ui.messageLabel.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.login_button.setEnabled(not busy)
        self.ui.usernameEdit.setEnabled(not busy)
        self.ui.passwordEdit.setEnabled(not busy)

    def _try_login(self) -> None:
        username = self.ui.usernameEdit.text().strip()
        password = self.ui.passwordEdit.text()
        if not username:
            self._show_message(self.tr("请输入用户名。"))
            self.ui.usernameEdit.setFocus()
            return
        if not password:
            self._show_message(self.tr("请输入密码。"))
            self.ui.passwordEdit.setFocus()
            return
        self._set_busy(True)
        self._show_message(self.tr("正在验证…"), "color: #4a5a6c;")
        auth = self.auth
        run_op(
            self, lambda: auth.login(username, password), on_success=self._logged_in, on_error=self._failed
        )

    def _logged_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.actor = actor
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, GxqError):
            self._show_message("")
            report_error(self, exc)
            return
        self._show_message(exc.message)
        self.ui.passwordEdit.clear()
        if isinstance(exc, AccountLocked):
            self.ui.usernameEdit.setFocus()
        else:
            self.ui.passwordEdit.setFocus()

    @property
    def username(self) -> str:
        return self.ui.usernameEdit.text().strip()


class FirstAdminDialog(QDialog):
    """Only on a database without any user: the first 系统管理员 (``created`` holds it afterwards)."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_FirstAdminDialog()
        self.ui.setupUi(self)
        self.setWindowIcon(app_icon())
        self.auth = AuthService(db)
        self.created: UserInfo | None = None
        self.ui.ruleLabel.setText(
            self.tr("密码至少 {n} 个字符，且需同时包含字母和数字（或其他符号）。").format(
                n=MIN_PASSWORD_LENGTH
            )
        )
        self.ui.ruleLabel.setStyleSheet("color: #6b7785;")
        self.ui.messageLabel.setStyleSheet(ERROR_STYLE)
        self.ui.messageLabel.hide()
        self.ok_button = self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("创建并继续"))
        self.ui.buttonBox.accepted.connect(self._create)
        self.ui.buttonBox.rejected.connect(self.reject)
        self.ui.passwordEdit.setFocus()

    def _show_message(self, text: str) -> None:
        self.ui.messageLabel.setText(text)
        self.ui.messageLabel.setVisible(bool(text))

    def _create(self) -> None:
        username = self.ui.usernameEdit.text().strip()
        display = self.ui.displayNameEdit.text().strip() or self.tr("系统管理员")
        password = self.ui.passwordEdit.text()
        if password != self.ui.confirmEdit.text():
            self._show_message(self.tr("两次输入的密码不一致，请重新输入。"))
            self.ui.confirmEdit.clear()
            self.ui.confirmEdit.setFocus()
            return
        try:
            check_password_strength(password)
        except ValidationError as exc:
            self._show_message(exc.message)
            self.ui.passwordEdit.setFocus()
            return
        self.ok_button.setEnabled(False)
        auth = self.auth
        run_op(
            self,
            lambda: auth.create_first_admin(username, password, display),
            on_success=self._created,
            on_error=self._failed,
        )

    def _created(self, info: UserInfo) -> None:
        self.ok_button.setEnabled(True)
        self.created = info
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(exc, GxqError):
            self._show_message(exc.message)
        else:
            report_error(self, exc)
