"""The main window's panes, in navigation order.

Each entry names its module and class as ``"module:Class"`` so that a pane's module is imported only
when the user first opens it (fast start-up), and the permission a role needs to see it (any one of
several is enough). The service layer checks permissions again on every call; hiding is only comfort.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from gxq_desktop.domain.roles import Permission
from gxq_desktop.services.context import Actor


@dataclass(frozen=True)
class PaneSpec:
    key: str
    title: str  # source text; shown through QCoreApplication.translate("Panes", title)
    target: str  # "gxq_desktop.gui.panes.dashboard:DashboardPane"
    permissions: tuple[Permission, ...]  # empty: every logged-in user; else any one of them
    icon: str  # resources/icons/<icon>.svg

    def allowed(self, actor: Actor) -> bool:
        return not self.permissions or any(actor.can(p) for p in self.permissions)

    def load(self) -> type:
        module_name, _, class_name = self.target.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, class_name)  # type: ignore[no-any-return]


_P = "gxq_desktop.gui.panes"

PANES: tuple[PaneSpec, ...] = (
    PaneSpec("dashboard", "工作台", f"{_P}.dashboard:DashboardPane", (), "nav-dashboard"),
    PaneSpec("search", "企业查询", f"{_P}.search:SearchPane", (Permission.VIEW_DATA,), "nav-search"),
    PaneSpec("import", "数据归集", f"{_P}.data_import:ImportPane", (Permission.IMPORT_DATA,), "nav-import"),
    PaneSpec("draw", "随机抽查", f"{_P}.draw:DrawPane", (Permission.VIEW_DATA,), "nav-draw"),
    PaneSpec(
        "inspection",
        "检查录入",
        f"{_P}.inspection:InspectionPane",
        (Permission.ENTER_RESULTS,),
        "nav-inspection",
    ),
    PaneSpec(
        "publicity", "结果公示", f"{_P}.publicity:PublicityPane", (Permission.VIEW_DATA,), "nav-publicity"
    ),
    PaneSpec(
        "statistics", "统计分析", f"{_P}.statistics:StatisticsPane", (Permission.VIEW_DATA,), "nav-statistics"
    ),
    PaneSpec(
        "admin",
        "系统管理",
        f"{_P}.admin:AdminPane",
        (Permission.MANAGE_SYSTEM, Permission.MANAGE_USERS, Permission.VIEW_AUDIT),
        "nav-admin",
    ),
)

PANES_BY_KEY = {spec.key: spec for spec in PANES}


def visible_panes(actor: Actor) -> list[PaneSpec]:
    return [spec for spec in PANES if spec.allowed(actor)]
