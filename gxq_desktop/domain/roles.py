"""Roles and what each may do. Checked in the service layer; the GUI only hides what is not allowed."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SECTION_HEAD = "section_head"
    INSPECTOR = "inspector"
    CLERK = "clerk"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "系统管理员",
    Role.SECTION_HEAD: "科室负责人",
    Role.INSPECTOR: "执法人员",
    Role.CLERK: "录入员",
}


class Permission(StrEnum):
    VIEW_DATA = "view_data"  # search enterprises and their records
    VIEW_PERSONAL_IDS = "view_personal_ids"  # unmasked personal ID numbers
    IMPORT_DATA = "import_data"  # 数据归集
    UNDO_IMPORT = "undo_import"
    ACCEPT_USCC_WARNING = "accept_uscc_warning"  # accept a failed check digit
    EDIT_ENTERPRISE = "edit_enterprise"
    EDIT_RECORDS = "edit_records"  # list entries, penalties … by hand
    MANAGE_ITEMS = "manage_items"  # 一单
    MANAGE_INSPECTORS = "manage_inspectors"  # 执法检查人员名录库, recusals
    MANAGE_TASKS = "manage_tasks"  # plans, tasks, rules
    EXECUTE_DRAW = "execute_draw"
    ENTER_RESULTS = "enter_results"
    REVIEW_RESULTS = "review_results"
    PUBLISH = "publish"
    EXPORT_REPORTS = "export_reports"
    MANAGE_USERS = "manage_users"
    MANAGE_SYSTEM = "manage_system"  # database connection, calendar, settings, reference data
    VIEW_AUDIT = "view_audit"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SECTION_HEAD: frozenset(
        {
            P.VIEW_DATA,
            P.VIEW_PERSONAL_IDS,
            P.IMPORT_DATA,
            P.UNDO_IMPORT,
            P.ACCEPT_USCC_WARNING,
            P.EDIT_ENTERPRISE,
            P.EDIT_RECORDS,
            P.MANAGE_ITEMS,
            P.MANAGE_INSPECTORS,
            P.MANAGE_TASKS,
            P.EXECUTE_DRAW,
            P.ENTER_RESULTS,
            P.REVIEW_RESULTS,
            P.PUBLISH,
            P.EXPORT_REPORTS,
            P.VIEW_AUDIT,
        }
    ),
    Role.INSPECTOR: frozenset({P.VIEW_DATA, P.ENTER_RESULTS, P.EXPORT_REPORTS}),
    Role.CLERK: frozenset({P.VIEW_DATA, P.IMPORT_DATA, P.EDIT_RECORDS, P.ENTER_RESULTS, P.EXPORT_REPORTS}),
}

PERMISSION_LABELS: dict[Permission, str] = {
    P.VIEW_DATA: "查询数据",
    P.VIEW_PERSONAL_IDS: "查看完整身份证号",
    P.IMPORT_DATA: "导入数据",
    P.UNDO_IMPORT: "撤销导入",
    P.ACCEPT_USCC_WARNING: "接受校验位不符的统一社会信用代码",
    P.EDIT_ENTERPRISE: "修改企业信息",
    P.EDIT_RECORDS: "维护名录记录",
    P.MANAGE_ITEMS: "维护抽查事项清单",
    P.MANAGE_INSPECTORS: "维护执法检查人员名录库",
    P.MANAGE_TASKS: "制定抽查计划和任务",
    P.EXECUTE_DRAW: "执行随机抽取",
    P.ENTER_RESULTS: "录入检查结果",
    P.REVIEW_RESULTS: "审核检查结果",
    P.PUBLISH: "公示检查结果",
    P.EXPORT_REPORTS: "导出和打印报表",
    P.MANAGE_USERS: "管理用户",
    P.MANAGE_SYSTEM: "系统设置",
    P.VIEW_AUDIT: "查看审计日志",
}


def has_permission(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
