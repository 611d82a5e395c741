"""Who is acting: every service call carries an Actor, and permissions are checked against it."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from gxq_desktop.domain.roles import PERMISSION_LABELS, ROLE_LABELS, Permission, Role, has_permission

from .errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    role: Role
    department_id: int | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise PermissionDenied(
                f"当前用户“{self.display_name}”（{self.role_label}）没有“{PERMISSION_LABELS[permission]}”的权限。"
                "如需办理，请联系科室负责人或系统管理员。"
            )


def command_line_actor() -> Actor:
    """The operating-system administrator running ``gxq-desktop`` sub-commands on the database.

    Command-line access implies access to the database file or server credentials, so it acts with
    administrator rights; its changes are attributed to the OS account in the audit log.
    """
    try:
        who = getpass.getuser()
    except Exception:
        who = "unknown"
    return Actor(user_id=None, username=f"cli:{who}", display_name=f"命令行（{who}）", role=Role.ADMIN)
