"""登录, 创建系统管理员 and 数据库连接 dialogs, driven through their real widgets (offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from gxq_desktop import config, paths
from gxq_desktop.config import DatabaseSettings, Settings
from gxq_desktop.db.engine import Database
from gxq_desktop.domain.roles import Role
from gxq_desktop.gui.dialogs.db_connection import DbConnectionDialog
from gxq_desktop.gui.dialogs.login import FirstAdminDialog, LoginDialog
from gxq_desktop.services import connection
from gxq_desktop.services.auth import AuthService

from .conftest import MemoryKeyring, make_user

pytestmark = pytest.mark.gui


def _login(qtbot: QtBot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.ui.usernameEdit.setText(username)
    dialog.ui.passwordEdit.setText(password)
    qtbot.mouseClick(dialog.login_button, qtbot_button())
    qtbot.waitUntil(lambda: dialog.login_button.isEnabled(), timeout=10_000)


def qtbot_button():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_login_with_the_right_password_gives_the_actor(qtbot: QtBot, sqlite_db: Database) -> None:
    make_user(sqlite_db, Role.INSPECTOR, "zhifa", "Right-Pass-1")
    dialog = LoginDialog(sqlite_db, last_username="zhifa")
    qtbot.addWidget(dialog)
    assert dialog.ui.usernameEdit.text() == "zhifa"
    assert "本地" in dialog.ui.databaseLabel.text()
    _login(qtbot, dialog, "zhifa", "Right-Pass-1")
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert (
        dialog.actor is not None and dialog.actor.username == "zhifa" and dialog.actor.role is Role.INSPECTOR
    )


def test_login_wrong_password_counts_down_then_locks(qtbot: QtBot, sqlite_db: Database) -> None:
    make_user(sqlite_db, Role.CLERK, "luru", "Right-Pass-1")
    dialog = LoginDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.show()
    _login(qtbot, dialog, "luru", "wrong-1")
    assert "用户名或密码错误" in dialog.ui.messageLabel.text()
    assert "还可尝试 4 次" in dialog.ui.messageLabel.text()
    assert dialog.ui.passwordEdit.text() == ""  # cleared for the next try
    assert dialog.actor is None and dialog.result() != QDialog.DialogCode.Accepted
    for _ in range(4):
        _login(qtbot, dialog, "luru", "wrong-1")
    assert "锁定" in dialog.ui.messageLabel.text()
    _login(qtbot, dialog, "luru", "Right-Pass-1")  # locked: even the right password fails now
    assert "锁定" in dialog.ui.messageLabel.text() and dialog.actor is None


def test_login_asks_for_missing_fields(qtbot: QtBot, sqlite_db: Database) -> None:
    dialog = LoginDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.ui.messageLabel.text() == "请输入用户名。"
    dialog.ui.usernameEdit.setText("admin")
    dialog.ui.buttonBox.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.ui.messageLabel.text() == "请输入密码。"


def test_first_admin_dialog(qtbot: QtBot, sqlite_db: Database) -> None:
    dialog = FirstAdminDialog(sqlite_db)
    qtbot.addWidget(dialog)
    assert "8 个字符" in dialog.ui.ruleLabel.text()
    ui = dialog.ui
    ui.usernameEdit.setText("wang")
    ui.displayNameEdit.setText("王管理")
    ui.passwordEdit.setText("Admin@2026")
    ui.confirmEdit.setText("Admin@2027")
    dialog.ok_button.click()
    assert ui.messageLabel.text() == "两次输入的密码不一致，请重新输入。"
    ui.passwordEdit.setText("short1")
    ui.confirmEdit.setText("short1")
    dialog.ok_button.click()
    assert "至少需要 8 个字符" in ui.messageLabel.text()
    assert AuthService(sqlite_db).needs_first_admin()
    ui.passwordEdit.setText("Admin@2026")
    ui.confirmEdit.setText("Admin@2026")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    assert dialog.created is not None and dialog.created.display_name == "王管理"
    assert AuthService(sqlite_db).login("wang", "Admin@2026").role is Role.ADMIN


# --------------------------------------------------------------------------- 数据库连接


def _pg_form(dialog: DbConnectionDialog, password: str) -> None:
    ui = dialog.ui
    ui.postgresRadio.setChecked(True)
    ui.hostEdit.setText("10.0.0.5")
    ui.portSpin.setValue(5433)
    ui.databaseEdit.setText("gxq")
    ui.userEdit.setText("clerk")
    ui.passwordEdit.setText(password)


def test_connection_dialog_keeps_the_password_in_the_keyring_only(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    dialog = DbConnectionDialog(Settings())
    qtbot.addWidget(dialog)
    assert dialog.ui.sqliteRadio.isChecked() and not dialog.ui.postgresGroup.isEnabled()
    _pg_form(dialog, "S3cret-Pg-Password")
    assert dialog.ui.rememberCheck.isEnabled() and dialog.ui.rememberCheck.isChecked()
    assert dialog.ui.postgresGroup.isEnabled() and not dialog.ui.sqliteGroup.isEnabled()
    dialog.save_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.saved
    saved = config.load()
    assert saved.database == DatabaseSettings("postgresql", "", "10.0.0.5", 5433, "gxq", "clerk")
    text = paths.settings_file().read_text(encoding="utf-8")
    assert "S3cret-Pg-Password" not in text
    assert memory_keyring.store == {
        (connection.KEYRING_SERVICE, "clerk@10.0.0.5:5433/gxq"): "S3cret-Pg-Password"
    }
    assert "重新登录或重新启动" in dialog.ui.restartLabel.text()


def test_connection_dialog_without_remember_forgets_the_password(
    qtbot: QtBot, memory_keyring: MemoryKeyring
) -> None:
    d = DatabaseSettings("postgresql", "", "10.0.0.5", 5433, "gxq", "clerk")
    connection.store_password(d, "old")
    dialog = DbConnectionDialog(Settings(database=d))
    qtbot.addWidget(dialog)
    assert "已保存" in dialog.ui.passwordEdit.placeholderText()
    dialog.ui.rememberCheck.setChecked(False)
    dialog.save_button.click()
    assert memory_keyring.store == {}


def test_connection_dialog_says_when_no_secure_keyring_exists(qtbot: QtBot) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # the fixture restores the previous backend afterwards
    dialog = DbConnectionDialog(Settings())
    qtbot.addWidget(dialog)
    _pg_form(dialog, "typed")
    assert not dialog.ui.rememberCheck.isEnabled() and not dialog.ui.rememberCheck.isChecked()
    assert "每次启动" in dialog.ui.keyringLabel.text()
    dialog.save_button.click()
    assert "typed" not in paths.settings_file().read_text(encoding="utf-8")


def test_connection_dialog_tests_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = DbConnectionDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.ui.sqlitePathEdit.setText(str(tmp_path / "new.sqlite3"))
    dialog.ui.testButton.click()
    qtbot.waitUntil(lambda: dialog.last_result is not None, timeout=10_000)
    assert dialog.last_result is not None and dialog.last_result.ok
    assert dialog.ui.resultLabel.text().startswith("连接成功。")
    assert "首次启动时将创建" in dialog.ui.resultLabel.text()

    bad = tmp_path / "notes.sqlite3"
    bad.write_text("no", encoding="utf-8")
    dialog.ui.sqlitePathEdit.setText(str(bad))
    dialog.ui.testButton.click()
    qtbot.waitUntil(lambda: "不是 SQLite" in dialog.ui.resultLabel.text(), timeout=10_000)


def test_connection_dialog_validates_the_form(qtbot: QtBot) -> None:
    dialog = DbConnectionDialog(Settings())
    qtbot.addWidget(dialog)
    _pg_form(dialog, "")
    dialog.ui.hostEdit.setText("")
    dialog.save_button.click()
    assert dialog.ui.resultLabel.text() == "请填写服务器地址。" and not dialog.saved
