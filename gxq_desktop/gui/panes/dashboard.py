"""工作台: the day's numbers (market entities, open work, publicity deadlines, credit lists, licences)
and, for roles that may read the audit log, the latest operations."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain.roles import Permission
from gxq_desktop.services.dashboard import LICENSE_EXPIRY_WINDOW_DAYS, DashboardService, DashboardSummary

from ..models.table import Column, RowTableModel
from ..widgets import Card, MessageBar, make_table_view, report_error, section_title
from ..workers import run_op
from .base import Pane, PaneContext


class DashboardPane(Pane):
    refresh_on_show = True  # a few indexed counts: always show the current numbers

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.summary: DashboardSummary | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(12)

        head = QHBoxLayout()
        self.greeting = section_title(
            self.tr("您好，{name}（{role}）").format(name=ctx.actor.display_name, role=ctx.actor.role_label)
        )
        head.addWidget(self.greeting)
        head.addStretch(1)
        self.date_label = QLabel()
        head.addWidget(self.date_label)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(self.refresh_button)
        layout.addLayout(head)

        self.message = MessageBar()
        layout.addWidget(self.message)

        grid = QGridLayout()
        grid.setSpacing(12)
        titles = {
            "enterprises_total": self.tr("市场主体总数"),
            "enterprises_active": self.tr("存续"),
            "tasks_running": self.tr("进行中的抽查任务"),
            "inspections_to_enter": self.tr("待录入检查"),
            "inspections_to_review": self.tr("待审核"),
            "results_to_publish": self.tr("待公示结果"),
            "abnormal_listed": self.tr("经营异常名录在列"),
            "serious_listed": self.tr("严重违法失信在列"),
            "licenses_expiring": self.tr("{n} 天内到期的许可").format(n=LICENSE_EXPIRY_WINDOW_DAYS),
        }
        self.cards: dict[str, Card] = {}
        for i, (key, title) in enumerate(titles.items()):
            card = Card(title)
            card.setObjectName("card")
            card.setProperty("cardKey", key)
            self.cards[key] = card
            grid.addWidget(card, i // 3, i % 3)
        layout.addLayout(grid)

        self.activity_title = section_title(self.tr("最近操作"))
        self.activity_model = RowTableModel(
            [
                Column(self.tr("时间"), lambda r: r.at, width=140),
                Column(self.tr("用户"), lambda r: r.username, width=110),
                Column(self.tr("操作"), lambda r: r.action_label, width=110),
                Column(self.tr("内容"), lambda r: r.summary),
            ],
            self,
        )
        self.activity_view = make_table_view(self.activity_model)
        self.activity_view.setMinimumHeight(220)
        layout.addWidget(self.activity_title)
        layout.addWidget(self.activity_view, 1)
        can_audit = ctx.actor.can(Permission.VIEW_AUDIT)
        self.activity_title.setVisible(can_audit)
        self.activity_view.setVisible(can_audit)
        if not can_audit:
            layout.addStretch(1)

        ctx.signals.data_imported.connect(lambda _id: self.refresh())
        ctx.signals.enterprises_changed.connect(self.refresh)
        ctx.signals.draw_executed.connect(lambda _id: self.refresh())
        ctx.signals.results_changed.connect(lambda _id: self.refresh())
        ctx.signals.result_published.connect(lambda _id: self.refresh())

    def refresh(self) -> None:
        service = DashboardService(self.ctx.db, self.ctx.actor)
        self.refresh_button.setEnabled(False)
        run_op(self, lambda: service.summary(), on_success=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        report_error(self, exc, self.message)

    def _show(self, s: DashboardSummary) -> None:
        self.summary = s
        self.refresh_button.setEnabled(True)
        self.message.clear_message()
        self.date_label.setText(self.tr("数据日期：{day}").format(day=s.today.isoformat()))
        c = self.cards
        c["enterprises_total"].set_value(s.enterprises_total, self.tr("已登记的企业、个体工商户、合作社等"))
        share = f"{s.enterprises_active / s.enterprises_total:.1%}" if s.enterprises_total else "—"
        c["enterprises_active"].set_value(
            s.enterprises_active, self.tr("占全部市场主体 {share}").format(share=share)
        )
        c["tasks_running"].set_value(
            s.tasks_running, self.tr("另有草稿 {n} 个").format(n=s.tasks_draft) if s.tasks_draft else ""
        )
        mine = (
            self.tr("其中我的 {n} 户").format(n=s.my_inspections_to_enter)
            if s.my_inspections_to_enter is not None
            else self.tr("待检查、检查中和已退回的")
        )
        c["inspections_to_enter"].set_value(s.inspections_to_enter, mine)
        c["inspections_to_review"].set_value(s.inspections_to_review, self.tr("已提交，等待科室负责人审核"))
        if s.results_overdue:
            c["results_to_publish"].set_value(
                s.results_to_publish,
                self.tr("其中 {n} 项已超过 20 个工作日").format(n=s.results_overdue),
                "danger",
            )
        else:
            c["results_to_publish"].set_value(s.results_to_publish, self.tr("均在 20 个工作日公示期限内"))
        c["abnormal_listed"].set_value(s.abnormal_listed, self.tr("尚未移出的市场主体"))
        c["serious_listed"].set_value(s.serious_listed, self.tr("尚未移出的市场主体"))
        c["licenses_expiring"].set_value(
            s.licenses_expiring,
            self.tr("有效期至 {day} 前").format(
                day=(s.today + dt.timedelta(days=LICENSE_EXPIRY_WINDOW_DAYS)).isoformat()
            ),
            "warning" if s.licenses_expiring else "normal",
        )
        self.activity_model.set_rows(s.recent_activity)
        if s.enterprises_total == 0:
            self.message.show_info(
                self.tr(
                    "数据库中还没有市场主体数据。请在“数据归集”中导入登记信息，或以演示模式启动生成演示数据。"
                )
            )

    def card_text(self, key: str) -> tuple[str, str]:
        """(value, note) of a card, as shown (for tests and screenshots)."""
        card = self.cards[key]
        return card.value_label.text(), card.note_label.text().strip()
