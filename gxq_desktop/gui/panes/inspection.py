"""检查录入: the inspections of all tasks, open work first; an inspector's own inspections come first
and are shown in bold. Result entry itself comes with the inspection issue."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gxq_desktop.domain.enums import InspectionStatus
from gxq_desktop.services.workflow_queries import ENTRY_STATUSES, InspectionRow, WorkflowQueries

from ..models.table import DANGER_COLOR, MUTED_COLOR, Column, PagedTableModel
from ..widgets import MessageBar, make_table_view, report_error, section_title
from .base import Pane, PaneContext

S = InspectionStatus


def _status_color(row: InspectionRow):  # type: ignore[no-untyped-def]
    if row.status == S.RETURNED:
        return DANGER_COLOR
    if row.status in (S.PUBLISHED, S.VOID):
        return MUTED_COLOR
    return None


class InspectionPane(Pane):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.service = WorkflowQueries(ctx.db, ctx.actor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)

        head = QHBoxLayout()
        self.title = section_title(self.tr("检查录入"))
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(QLabel(self.tr("状态：")))
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("全部（不含作废）"), None)
        self.status_combo.addItem(
            self.tr("待录入（待检查、检查中、已退回）"), [s.value for s in ENTRY_STATUSES]
        )
        self.status_combo.addItem(self.tr("待审核"), [S.SUBMITTED.value])
        self.status_combo.addItem(self.tr("已退回"), [S.RETURNED.value])
        self.status_combo.addItem(self.tr("待公示"), [S.APPROVED.value])
        self.status_combo.addItem(self.tr("已公示"), [S.PUBLISHED.value])
        self.status_combo.addItem(self.tr("已作废"), [S.VOID.value])
        self.status_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        head.addWidget(self.status_combo)
        self.mine_check = QCheckBox(self.tr("只看我参与的"))
        self.mine_check.toggled.connect(lambda _on: self.refresh())
        head.addWidget(self.mine_check)
        layout.addLayout(head)

        self.message = MessageBar()
        layout.addWidget(self.message)

        self.model = PagedTableModel(
            [
                Column(self.tr("任务编号"), lambda r: r.task_no, width=210, bold=lambda r: r.is_mine),
                Column(self.tr("任务名称"), lambda r: r.task_name, width=200),
                Column(self.tr("企业名称"), lambda r: r.enterprise_name, width=240, bold=lambda r: r.is_mine),
                Column(self.tr("统一社会信用代码"), lambda r: r.uscc, width=160),
                Column(self.tr("检查人员"), lambda r: r.inspectors, width=200),
                Column(self.tr("状态"), lambda r: r.status_label, width=70, foreground=_status_color),
                Column(self.tr("完成日期"), lambda r: r.completed_on),
            ],
            parent=self,
        )
        self.model.total_changed.connect(self._counted)
        self.model.load_failed.connect(lambda exc: report_error(self, exc, self.message))
        self.view = make_table_view(self.model)
        layout.addWidget(self.view, 1)

        ctx.signals.draw_executed.connect(lambda _id: self.refresh())
        ctx.signals.results_changed.connect(lambda _id: self.refresh())
        ctx.signals.result_published.connect(lambda _id: self.refresh())

    def refresh(self) -> None:
        self.message.clear_message()
        statuses = self.status_combo.currentData()
        only_mine = self.mine_check.isChecked()
        service = self.service
        self.model.set_fetcher(
            lambda offset, limit: service.inspections_page(
                offset, limit, statuses=statuses, mine_first=True, only_mine=only_mine
            )
        )
        self.model.reload()

    def _counted(self, total: int, capped: bool) -> None:
        more = self.tr("以上") if capped else ""
        self.title.setText(self.tr("检查录入　共 {n}{more} 户").format(n=f"{total:,}", more=more))
        if total == 0 and self.mine_check.isChecked():
            self.message.show_info(
                self.tr(
                    "没有您参与的检查。若您是执法人员，请确认系统管理员已把您的账户关联到执法检查人员名录。"
                )
            )
