"""统计分析: market entities by subject category, GB/T 4754 section and registration status (with a
bar chart), and the records each department contributed (数据归集 coverage)."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gxq_desktop.services.statistics import CountRow, DepartmentRecordRow, Statistics, StatisticsService

from ..models.table import Column, RowTableModel
from ..widgets import MessageBar, make_table_view, report_error, section_title
from ..workers import run_op
from .base import Pane, PaneContext


def _share(total: int):  # type: ignore[no-untyped-def]
    return lambda r: f"{r.count / total:.1%}" if total else ""


def _count_view(model: RowTableModel) -> QTableView:
    """A short count table: the name column takes the room, numbers fit their contents."""
    view = make_table_view(model)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for i in (1, 2):
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


class StatisticsPane(Pane):
    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.stats: Statistics | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        self.title = section_title(self.tr("统计分析"))
        head.addWidget(self.title)
        head.addStretch(1)
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.clicked.connect(self.refresh)
        head.addWidget(self.refresh_button)
        layout.addLayout(head)
        self.message = MessageBar()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        # Tab 1: market entities
        entities = QWidget()
        grid = QGridLayout(entities)
        self.category_model = RowTableModel(self._count_columns(self.tr("主体类型"), 0), self)
        self.status_model = RowTableModel(self._count_columns(self.tr("登记状态"), 0), self)
        self.section_model = RowTableModel(
            self._count_columns(self.tr("行业门类（GB/T 4754-2017）"), 0), self
        )
        self.category_view = _count_view(self.category_model)
        self.status_view = _count_view(self.status_model)
        self.section_view = _count_view(self.section_model)
        grid.addWidget(section_title(self.tr("按主体类型")), 0, 0)
        grid.addWidget(self.category_view, 1, 0)
        grid.addWidget(section_title(self.tr("按登记状态")), 2, 0)
        grid.addWidget(self.status_view, 3, 0)
        grid.addWidget(section_title(self.tr("按行业门类")), 0, 1)
        grid.addWidget(self.section_view, 1, 1, 3, 1)
        self.chart = QChart()
        self.chart.setTitle(self.tr("各行业门类市场主体数量"))
        self.chart.legend().hide()
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(320)
        grid.addWidget(self.chart_view, 0, 2, 4, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 4)
        grid.setColumnStretch(2, 4)
        self.tabs.addTab(entities, self.tr("市场主体"))

        # Tab 2: records per department
        self.dept_model = RowTableModel([], self)
        self.dept_view = make_table_view(self.dept_model)
        self.tabs.addTab(self.dept_view, self.tr("各部门归集数据"))

        ctx.signals.data_imported.connect(lambda _id: self.refresh())
        ctx.signals.enterprises_changed.connect(self.refresh)

    def _count_columns(self, title: str, total: int) -> list[Column]:
        return [
            Column(title, lambda r: r.label, width=230 if "行业" in title else 120),
            Column(self.tr("数量"), lambda r: r.count, width=80),
            Column(self.tr("占比"), lambda r: r.count / total if total else 0, text=_share(total)),
        ]

    def refresh(self) -> None:
        service = StatisticsService(self.ctx.db, self.ctx.actor)
        self.refresh_button.setEnabled(False)
        run_op(
            self,
            service.overview,
            on_success=self._show,
            on_error=self._failed,
            progress_label=self.tr("正在统计…"),
        )

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        report_error(self, exc, self.message)

    def _show(self, st: Statistics) -> None:
        self.stats = st
        self.refresh_button.setEnabled(True)
        self.message.clear_message()
        total = st.enterprises_total
        self.title.setText(self.tr("统计分析　市场主体共 {n} 户").format(n=f"{total:,}"))
        for model, rows, title in (
            (self.category_model, st.by_subject_category, self.tr("主体类型")),
            (self.status_model, st.by_status, self.tr("登记状态")),
            (self.section_model, st.by_industry_section, self.tr("行业门类（GB/T 4754-2017）")),
        ):
            model.columns = self._count_columns(title, total)
            model.set_rows(rows)
        self._draw_chart(st.by_industry_section)
        dept_columns = [Column(self.tr("来源部门"), lambda r: r.department, width=280)]
        for i, label in enumerate(st.record_types):
            dept_columns.append(Column(label, lambda r, i=i: r.counts[i], width=90))
        dept_columns.append(Column(self.tr("合计"), lambda r: r.total))
        self.dept_model.columns = dept_columns
        self.dept_model.set_rows(st.records_by_department)
        for i, col in enumerate(dept_columns):
            if col.width:
                self.dept_view.horizontalHeader().resizeSection(i, col.width)
        if total == 0:
            self.message.show_info(self.tr("数据库中还没有市场主体数据。"))

    def _draw_chart(self, rows: tuple[CountRow, ...]) -> None:
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        if not rows:
            return
        top = sorted(rows, key=lambda r: r.count)[-12:]  # the largest sections, smallest at the bottom
        bar = QBarSet(self.tr("市场主体"))
        bar.setColor(QColor("#2f74c8"))
        bar.setLabelColor(QColor("#1d2b3a"))
        labels = []
        for r in top:
            bar.append(r.count)
            name = r.label if len(r.label) <= 12 else r.label[:11] + "…"
            labels.append(name)
        series = QHorizontalBarSeries()
        series.append(bar)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        self.chart.addSeries(series)
        y = QBarCategoryAxis()
        y.append(labels)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
        x = QValueAxis()
        x.setRange(0, max(r.count for r in top) * 1.12)  # room for the value labels
        x.setLabelFormat("%d")
        x.applyNiceNumbers()
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)

    def department_rows(self) -> list[DepartmentRecordRow]:
        return self.dept_model.rows()
