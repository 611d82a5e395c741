"""数据库连接: a local SQLite file or a shared PostgreSQL server.

The password goes only to the system keyring (services.connection); the INI file never holds it. If no
secure keyring exists the dialog says so, and the program asks for the password at each start.
"Saving" writes the workstation settings; the new connection is used at the next login or start.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QWidget

from gxq_desktop import config, paths
from gxq_desktop.config import DatabaseSettings, Settings
from gxq_desktop.services import connection
from gxq_desktop.services.connection import ConnectionTestResult

from ..forms.ui_db_connection_dialog import Ui_DbConnectionDialog
from ..icons import app_icon
from ..widgets import report_error
from ..workers import run_op

OK_STYLE = "QLabel { background: #e8f5e9; color: #1b5e20; border-radius: 4px; padding: 6px; }"
FAIL_STYLE = "QLabel { background: #fdecea; color: #8a1c1c; border-radius: 4px; padding: 6px; }"
BUSY_STYLE = "QLabel { color: #4a5a6c; padding: 6px; }"


class DbConnectionDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        settings_path: Path | None = None,
        explanation: str = "",
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_DbConnectionDialog()
        self.ui.setupUi(self)
        self.setWindowIcon(app_icon())
        self.settings = copy.deepcopy(settings)
        self.settings_path = settings_path
        self.saved = False
        self.last_result: ConnectionTestResult | None = None
        self.secure_keyring = connection.secure_keyring_available()

        d = self.settings.database
        self.ui.sqlitePathEdit.setText(str(d.effective_sqlite_path()))
        self.ui.hostEdit.setText(d.host)
        self.ui.portSpin.setValue(d.port)
        self.ui.databaseEdit.setText(d.database)
        self.ui.userEdit.setText(d.username)
        self.ui.postgresRadio.setChecked(d.kind == "postgresql")
        self.ui.sqliteRadio.setChecked(d.kind != "postgresql")
        stored = connection.load_password(d) if d.kind == "postgresql" else None
        if stored:
            self.ui.passwordEdit.setPlaceholderText(self.tr("已保存在系统凭据管理器中（留空则沿用）"))
        if self.secure_keyring:
            self.ui.keyringLabel.setText(self.tr("密码只保存在系统的凭据管理器中，不会写入设置文件。"))
            self.ui.keyringLabel.setStyleSheet("color: #6b7785;")
        else:
            self.ui.rememberCheck.setChecked(False)
            self.ui.rememberCheck.setEnabled(False)
            self.ui.keyringLabel.setText(
                self.tr(
                    "本机没有可用的安全密码存储（系统凭据管理器），密码不会被保存，每次启动程序时都需要输入。"
                )
            )
            self.ui.keyringLabel.setStyleSheet("color: #b26a00;")
        self.ui.resultLabel.setText(explanation)
        self.ui.resultLabel.setStyleSheet(FAIL_STYLE if explanation else "")
        self.ui.resultLabel.setVisible(bool(explanation))
        self.ui.restartLabel.setStyleSheet("color: #6b7785;")

        self.save_button = self.ui.buttonBox.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        self.ui.buttonBox.accepted.connect(self._save)
        self.ui.buttonBox.rejected.connect(self.reject)
        self.ui.sqliteRadio.toggled.connect(self._kind_changed)
        self.ui.browseButton.clicked.connect(self._browse)
        self.ui.testButton.clicked.connect(self.test)
        self._kind_changed()
        self.setMinimumWidth(560)
        self.adjustSize()  # room for the wrapped notes

    # ---- form ↔ settings

    def _kind_changed(self) -> None:
        sqlite = self.ui.sqliteRadio.isChecked()
        self.ui.sqliteGroup.setEnabled(sqlite)
        self.ui.postgresGroup.setEnabled(not sqlite)

    def form_settings(self) -> DatabaseSettings:
        d = copy.deepcopy(self.settings.database)
        if self.ui.sqliteRadio.isChecked():
            d.kind = "sqlite"
            path = self.ui.sqlitePathEdit.text().strip()
            d.sqlite_path = path
        else:
            d.kind = "postgresql"
            d.host = self.ui.hostEdit.text().strip()
            d.port = self.ui.portSpin.value()
            d.database = self.ui.databaseEdit.text().strip()
            d.username = self.ui.userEdit.text().strip()
        return d

    def _password(self, d: DatabaseSettings) -> str | None:
        typed = self.ui.passwordEdit.text()
        if typed:
            return typed
        return connection.load_password(d) if d.kind == "postgresql" else None

    def _validate(self, d: DatabaseSettings) -> str | None:
        if d.kind == "sqlite":
            return None if d.sqlite_path else self.tr("请选择本地数据库文件。")
        if not d.host:
            return self.tr("请填写服务器地址。")
        if not d.database:
            return self.tr("请填写数据库名。")
        if not d.username:
            return self.tr("请填写数据库用户。")
        return None

    def _browse(self) -> None:
        start = self.ui.sqlitePathEdit.text() or str(paths.default_sqlite_path())
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("选择本地数据库文件"),
            start,
            self.tr("SQLite 数据库 (*.sqlite3 *.sqlite *.db);;所有文件 (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            self.ui.sqlitePathEdit.setText(path)

    # ---- 测试连接

    def _show_result(self, text: str, style: str) -> None:
        self.ui.resultLabel.setStyleSheet(style)
        self.ui.resultLabel.setText(text)
        self.ui.resultLabel.show()
        if self.height() < self.sizeHint().height():
            self.resize(self.width(), self.sizeHint().height())

    def test(self) -> None:
        d = self.form_settings()
        problem = self._validate(d)
        if problem:
            self._show_result(problem, FAIL_STYLE)
            return
        password = self._password(d)
        self.ui.testButton.setEnabled(False)
        self._show_result(self.tr("正在测试连接…"), BUSY_STYLE)
        run_op(
            self,
            lambda: connection.test_connection(d, password),
            on_success=self._tested,
            on_error=self._test_failed,
        )

    def _tested(self, result: ConnectionTestResult) -> None:
        self.ui.testButton.setEnabled(True)
        self.last_result = result
        if result.ok:
            text = self.tr("连接成功。") + result.message
            if result.server_version:
                text += self.tr("（{version}）").format(version=result.server_version)
            self._show_result(text, OK_STYLE)
        else:
            self._show_result(result.message, FAIL_STYLE)

    def _test_failed(self, exc: BaseException) -> None:
        self.ui.testButton.setEnabled(True)
        self.ui.resultLabel.hide()
        report_error(self, exc)

    # ---- 保存

    def _save(self) -> None:
        d = self.form_settings()
        problem = self._validate(d)
        if problem:
            self._show_result(problem, FAIL_STYLE)
            return
        if d.kind == "sqlite" and d.sqlite_path == str(paths.default_sqlite_path()):
            d.sqlite_path = ""  # the default follows --basedir
        note = ""
        if d.kind == "postgresql":
            typed = self.ui.passwordEdit.text()
            if self.ui.rememberCheck.isChecked() and typed:
                if not connection.store_password(d, typed):
                    note = self.tr("密码未能保存到系统凭据管理器，启动时将询问密码。")
            elif not self.ui.rememberCheck.isChecked():
                connection.forget_password(d)
        self.settings.database = d
        config.save(self.settings, self.settings_path)
        self.saved = True
        self.saved_note = note
        self.accept()
