"""结果公示: approved results waiting to be published (due within 20 working days of the result,
overdue ones in red) and the results already published. Publishing comes with the publicity issue."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTabWidget, QVBoxLayout, QWidget

from gxq_desktop.services.workflow_queries import PublicityRow, WorkflowQueries

from ..models.table import DANGER_COLOR, WARNING_COLOR, Column, PagedTableModel
from ..widgets import MessageBar, make_table_view, report_error
from ..workers import run_op
from .base import Pane, PaneContext

DUE_SOON_DAYS = 5


def _tr(text: str) -> str:
    return QCoreApplication.translate("PublicityPane", text)


def deadline_text(row: PublicityRow) -> str:
    if row.days_left is None:
        return "" if row.due_on else _tr("未填完成日期")
    if row.days_left < 0:
        return _tr("已超期 {n} 天").format(n=-row.days_left)
    if row.days_left == 0:
        return _tr("今天到期")
    return _tr("还剩 {n} 天").format(n=row.days_left)


def deadline_color(row: PublicityRow):  # type: ignore[no-untyped-def]
    if row.overdue:
        return DANGER_COLOR
    if row.days_left is not None and row.days_left <= DUE_SOON_DAYS:
        return WARNING_COLOR
    return None


class PublicityPane(Pane):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.service = WorkflowQueries(ctx.db, ctx.actor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.message = MessageBar()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        red = deadline_color
        self.pending_model = PagedTableModel(
            [
                Column(self.tr("任务编号"), lambda r: r.task_no, width=210),
                Column(self.tr("任务名称"), lambda r: r.task_name, width=190),
                Column(self.tr("抽查类型"), lambda r: r.task_type_label, width=80),
                Column(self.tr("企业名称"), lambda r: r.enterprise_name, width=230),
                Column(self.tr("统一社会信用代码"), lambda r: r.uscc, width=160),
                Column(self.tr("检查完成日期"), lambda r: r.completed_on, width=100),
                Column(self.tr("公示截止日期"), lambda r: r.due_on, width=100, foreground=red),
                Column(self.tr("期限"), lambda r: r.days_left, text=deadline_text, foreground=red),
            ],
            parent=self,
        )
        service = self.service
        self.pending_model.set_fetcher(lambda o, n: service.awaiting_publicity_page(o, n))
        self.pending_view = make_table_view(self.pending_model)
        self.tabs.addTab(self.pending_view, self.tr("待公示"))

        self.published_model = PagedTableModel(
            [
                Column(self.tr("任务编号"), lambda r: r.task_no, width=210),
                Column(self.tr("任务名称"), lambda r: r.task_name, width=190),
                Column(self.tr("抽查类型"), lambda r: r.task_type_label, width=80),
                Column(self.tr("企业名称"), lambda r: r.enterprise_name, width=230),
                Column(self.tr("统一社会信用代码"), lambda r: r.uscc, width=160),
                Column(self.tr("检查完成日期"), lambda r: r.completed_on, width=100),
                Column(self.tr("公示日期"), lambda r: r.published_on, width=100),
                Column(self.tr("公告编号"), lambda r: r.announcement_no),
            ],
            parent=self,
        )
        self.published_model.set_fetcher(lambda o, n: service.published_page(o, n))
        self.published_view = make_table_view(self.published_model)
        self.tabs.addTab(self.published_view, self.tr("已公示"))

        for model in (self.pending_model, self.published_model):
            model.load_failed.connect(lambda exc: report_error(self, exc, self.message))
        self.pending_model.total_changed.connect(self._pending_counted)
        self.published_model.total_changed.connect(
            lambda n, capped: self.tabs.setTabText(1, self.tr("已公示（{n}）").format(n=f"{n:,}"))
        )

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)

        ctx.signals.results_changed.connect(lambda _id: self.refresh())
        ctx.signals.result_published.connect(lambda _id: self.refresh())

    def refresh(self) -> None:
        self.message.clear_message()
        self.pending_model.reload()
        self.published_model.reload()
        run_op(self, self.service.publicity_backlog, on_success=self._show_backlog, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        report_error(self, exc, self.message)

    def _pending_counted(self, total: int, capped: bool) -> None:
        self.tabs.setTabText(0, self.tr("待公示（{n}）").format(n=f"{total:,}"))

    def _show_backlog(self, backlog: tuple[int, int]) -> None:
        _waiting, overdue = backlog
        if overdue:
            self.message.show_error(
                self.tr(
                    "有 {n} 项检查结果已超过 20 个工作日的公示期限（企业信息公示暂行条例 第六条），请尽快公示。"
                ).format(n=overdue)
            )
