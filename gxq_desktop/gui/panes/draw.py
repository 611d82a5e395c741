"""随机抽查: annual plans, their tasks (batches) and every draw run of a task with its seed.

Read-only for now; drawing, re-drawing and task editing come with the draw issue.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.domain.enums import TASK_STATUS_LABELS
from gxq_desktop.services.workflow_queries import DrawRunRow, PlanRow, TaskRow, WorkflowQueries

from ..models.table import ALIGN_CENTER, MUTED_COLOR, Column, PagedTableModel, RowTableModel
from ..widgets import MessageBar, make_table_view, report_error, section_title
from ..workers import run_op
from .base import Pane, PaneContext


class DrawPane(Pane):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.service = WorkflowQueries(ctx.db, ctx.actor)
        self.plan_filter: int | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.message = MessageBar()
        layout.addWidget(self.message)

        splitter = QSplitter(Qt.Orientation.Vertical)
        layout.addWidget(splitter, 1)

        # Plans
        plans_box = QWidget()
        pl = QVBoxLayout(plans_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(section_title(self.tr("年度抽查计划")))
        self.plans_model = RowTableModel(
            [
                Column(self.tr("年度"), lambda r: r.year, text=lambda r: str(r.year), width=60),
                Column(self.tr("计划编号"), lambda r: r.plan_no, width=220),
                Column(self.tr("计划名称"), lambda r: r.name, width=260),
                Column(self.tr("制定部门"), lambda r: r.department, width=180),
                Column(self.tr("状态"), lambda r: r.status_label, width=70),
                Column(self.tr("任务数"), lambda r: r.task_count),
            ],
            self,
        )
        self.plans_view = make_table_view(self.plans_model)
        self.plans_view.selectionModel().currentRowChanged.connect(self._plan_selected)
        pl.addWidget(self.plans_view)
        splitter.addWidget(plans_box)

        # Tasks
        tasks_box = QWidget()
        tl = QVBoxLayout(tasks_box)
        tl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.tasks_title = section_title(self.tr("抽查任务"))
        head.addWidget(self.tasks_title)
        head.addStretch(1)
        head.addWidget(QLabel(self.tr("状态：")))
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("全部"), None)
        for status, label in TASK_STATUS_LABELS.items():
            self.status_combo.addItem(label, status.value)
        self.status_combo.currentIndexChanged.connect(lambda _i: self._reload_tasks())
        head.addWidget(self.status_combo)
        self.all_tasks_button = QPushButton(self.tr("显示全部计划的任务"))
        self.all_tasks_button.clicked.connect(self._clear_plan)
        self.all_tasks_button.setEnabled(False)
        head.addWidget(self.all_tasks_button)
        tl.addLayout(head)
        self.tasks_model = PagedTableModel(
            [
                Column(self.tr("任务编号"), lambda r: r.task_no, width=220),
                Column(self.tr("任务名称"), lambda r: r.name, width=240),
                Column(self.tr("类型"), lambda r: r.task_type_label, width=90),
                Column(self.tr("发起部门"), lambda r: r.lead_department, width=170),
                Column(self.tr("状态"), lambda r: r.status_label, width=70),
                Column(self.tr("事项数"), lambda r: r.item_count, width=60),
                Column(self.tr("检查户数"), lambda r: r.inspection_count, width=70),
                Column(self.tr("开始日期"), lambda r: r.starts_on, width=90),
                Column(self.tr("截止日期"), lambda r: r.due_on, width=90),
                Column(self.tr("所属计划"), lambda r: r.plan_no),
            ],
            parent=self,
        )
        self.tasks_model.total_changed.connect(self._tasks_counted)
        self.tasks_model.load_failed.connect(lambda exc: report_error(self, exc, self.message))
        self.tasks_view = make_table_view(self.tasks_model)
        self.tasks_view.selectionModel().currentRowChanged.connect(self._task_selected)
        tl.addWidget(self.tasks_view)
        splitter.addWidget(tasks_box)

        # Draw runs
        runs_box = QWidget()
        rl = QVBoxLayout(runs_box)
        rl.setContentsMargins(0, 0, 0, 0)
        self.runs_title = section_title(self.tr("抽取记录"))
        rl.addWidget(self.runs_title)
        self.runs_model = RowTableModel(
            [
                Column(
                    self.tr("次序"),
                    lambda r: r.run_no,
                    text=lambda r: self.tr("第 {n} 次").format(n=r.run_no),
                    align=ALIGN_CENTER,
                    width=60,
                ),
                Column(self.tr("随机种子"), lambda r: r.seed, width=200),
                Column(self.tr("抽取方法"), lambda r: r.method, width=150),
                Column(self.tr("抽中户数"), lambda r: r.drawn_count, width=70),
                Column(self.tr("抽取时间"), lambda r: r.executed_at, width=130),
                Column(self.tr("执行人"), lambda r: r.executed_by, width=140),
                Column(
                    self.tr("是否有效"),
                    lambda r: r.is_current,
                    text=lambda r: self.tr("当前有效") if r.is_current else self.tr("已被重新抽取取代"),
                    foreground=lambda r: None if r.is_current else MUTED_COLOR,
                    width=110,
                ),
                Column(self.tr("重新抽取原因"), lambda r: r.redraw_reason),
            ],
            self,
        )
        self.runs_view = make_table_view(self.runs_model)
        rl.addWidget(self.runs_view)
        splitter.addWidget(runs_box)
        splitter.setSizes([110, 380, 200])

        ctx.signals.draw_executed.connect(lambda _id: self.refresh())

    # ---- loading

    def refresh(self) -> None:
        run_op(self, self.service.list_plans, on_success=self._show_plans, on_error=self._failed)
        self._reload_tasks()

    def _failed(self, exc: BaseException) -> None:
        report_error(self, exc, self.message)

    def _show_plans(self, plans: list[PlanRow]) -> None:
        self.plans_model.set_rows(plans)
        if self.plan_filter is not None:
            for i, p in enumerate(plans):
                if p.id == self.plan_filter:
                    self.plans_view.selectRow(i)

    def _reload_tasks(self) -> None:
        self.message.clear_message()
        self.runs_model.set_rows([])
        self.runs_title.setText(self.tr("抽取记录"))
        # Read the filters now, on the GUI thread; the fetch runs on a worker.
        status = self.status_combo.currentData()
        plan = self.plan_filter
        self.tasks_model.set_fetcher(
            lambda offset, limit: self.service.tasks_page(offset, limit, plan_id=plan, status=status)
        )
        self.tasks_model.reload()

    def _tasks_counted(self, total: int, capped: bool) -> None:
        plan = next((p for p in self.plans_model.rows() if p.id == self.plan_filter), None)
        scope = self.tr("（计划 {plan}）").format(plan=plan.plan_no) if plan else ""
        self.tasks_title.setText(self.tr("抽查任务{scope}　共 {n} 个").format(scope=scope, n=f"{total:,}"))

    def _plan_selected(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        plan: PlanRow | None = self.plans_model.row_at(current.row()) if current.isValid() else None
        new = plan.id if plan else None
        if new == self.plan_filter:
            return
        self.plan_filter = new
        self.all_tasks_button.setEnabled(new is not None)
        self._reload_tasks()

    def _clear_plan(self) -> None:
        self.plans_view.clearSelection()
        self.plans_view.setCurrentIndex(self.plans_model.index(-1, -1))
        self.plan_filter = None
        self.all_tasks_button.setEnabled(False)
        self._reload_tasks()

    def _task_selected(self, current, _previous) -> None:  # type: ignore[no-untyped-def]
        task: TaskRow | None = self.tasks_model.row_at(current.row()) if current.isValid() else None
        if task is None:
            self.runs_model.set_rows([])
            return
        self.runs_title.setText(self.tr("抽取记录：{task}").format(task=task.task_no))
        run_op(
            self,
            lambda: self.service.draw_runs(task.id),
            on_success=lambda runs: self._show_runs(task.id, runs),
            on_error=self._failed,
        )

    def _show_runs(self, task_id: int, runs: list[DrawRunRow]) -> None:
        current = self.tasks_model.row_at(self.tasks_view.currentIndex().row())
        if current is not None and current.id == task_id:
            self.runs_model.set_rows(runs)
            if not runs:
                self.runs_title.setText(self.tr("抽取记录：{task}（尚未抽取）").format(task=current.task_no))
