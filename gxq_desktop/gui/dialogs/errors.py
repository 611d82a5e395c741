"""The two kinds of errors: a known problem gets a clear message; a bug gets the crash dialog + log."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from gxq_desktop import paths
from gxq_desktop.services.errors import GxqError

log = logging.getLogger("gxq_desktop")


def show_error(parent: QWidget | None, exc: GxqError, title: str = "无法完成操作") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, exc.message, QMessageBox.StandardButton.Ok, parent)
    if exc.detail:
        box.setDetailedText(exc.detail)
    box.exec()


def show_bug(parent: QWidget | None, exc: BaseException, tb: str) -> None:
    log.error("unexpected error: %s\n%s", exc, tb)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "程序错误",
        "程序遇到了一个意外错误，本次操作未完成。\n"
        f"错误信息已写入日志：{paths.log_dir() / 'gxq-desktop.log'}\n请把日志发给系统管理员。",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setDetailedText(tb)
    box.exec()
