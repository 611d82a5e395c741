"""One matrix for every mutating (or exporting) service entry point: a role without the permission
gets PermissionDenied before anything is written; a role with it is not refused for lack of rights.

Add a row here whenever a service gains an operation that changes regulated data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import AuditEvent, CalendarDay, User
from gxq_desktop.domain.roles import ROLE_PERMISSIONS, Permission, Role
from gxq_desktop.services.auth import UserService
from gxq_desktop.services.calendar import CalendarService
from gxq_desktop.services.context import Actor
from gxq_desktop.services.demo_data import DemoDataService
from gxq_desktop.services.errors import GxqError, PermissionDenied
from gxq_desktop.services.export import ExportService
from gxq_desktop.services.importing.service import ImportService
from gxq_desktop.services.profile import ProfileService
from gxq_desktop.services.reference_data import ReferenceDataService
from gxq_desktop.services.search import SearchQuery

from .conftest import make_user

Call = Callable[[Database, Actor, Path], Any]

OPERATIONS: list[tuple[str, Permission, Call]] = [
    (
        "user.add",
        Permission.MANAGE_USERS,
        lambda db, a, t: UserService(db, a).add_user("u9", "Demo@2026x", "clerk"),
    ),
    ("user.set_active", Permission.MANAGE_USERS, lambda db, a, t: UserService(db, a).set_active(1, True)),
    (
        "user.reset",
        Permission.MANAGE_USERS,
        lambda db, a, t: UserService(db, a).reset_password(1, "Demo@2027x"),
    ),
    (
        "calendar.set_day",
        Permission.MANAGE_SYSTEM,
        lambda db, a, t: CalendarService(db, a).set_day(dt.date(2027, 1, 1), False, "元旦"),
    ),
    ("reference.install", Permission.MANAGE_SYSTEM, lambda db, a, t: ReferenceDataService(db, a).install()),
    (
        "demo.generate",
        Permission.MANAGE_SYSTEM,
        lambda db, a, t: DemoDataService(db, a).generate(enterprises=0, seed=1),
    ),
    (
        "import.save_template",
        Permission.IMPORT_DATA,
        lambda db, a, t: ImportService(db, a).save_template(None, "enterprise", {"企业名称": "name"}),
    ),
    (
        "import.run",
        Permission.IMPORT_DATA,
        lambda db, a, t: ImportService(db, a).run(t / "missing.xlsx", "enterprise"),
    ),
    ("import.undo", Permission.UNDO_IMPORT, lambda db, a, t: ImportService(db, a).undo(12345)),
    (
        "export.search",
        Permission.EXPORT_REPORTS,
        lambda db, a, t: ExportService(db, a).export_search(SearchQuery(text="x"), t / "out.xlsx"),
    ),
    (
        "profile.print",
        Permission.EXPORT_REPORTS,
        lambda db, a, t: ProfileService(db, a).profile_for_print(1, []),
    ),
]


def _audit_and_users(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            s.scalar(select(func.count()).select_from(User)) or 0,
            s.scalar(select(func.count()).select_from(CalendarDay)) or 0,
        )


@pytest.mark.parametrize(("name", "permission", "call"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_role_matrix(db: Database, tmp_path: Path, name: str, permission: Permission, call: Call) -> None:
    actors = {role: make_user(db, role) for role in Role}
    for role, actor in actors.items():
        allowed = permission in ROLE_PERMISSIONS[role]
        before = _audit_and_users(db)
        if not allowed:
            with pytest.raises(PermissionDenied) as err:
                call(db, actor, tmp_path)
            assert actor.display_name in err.value.message
            assert _audit_and_users(db) == before, f"{name}: {role} was refused but something was written"
        else:
            try:
                call(db, actor, tmp_path)
            except PermissionDenied as exc:  # pragma: no cover - the failure message says it all
                pytest.fail(f"{name}: {role} has {permission} but was refused: {exc}")
            except GxqError:
                pass  # not found / bad input is fine here: only the rights are under test


def test_every_role_has_its_documented_rights() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert Permission.REVIEW_RESULTS in ROLE_PERMISSIONS[Role.SECTION_HEAD]
    assert Permission.PUBLISH not in ROLE_PERMISSIONS[Role.INSPECTOR]
    assert Permission.ACCEPT_USCC_WARNING not in ROLE_PERMISSIONS[Role.CLERK]
    assert Permission.UNDO_IMPORT not in ROLE_PERMISSIONS[Role.CLERK]
    assert Permission.IMPORT_DATA not in ROLE_PERMISSIONS[Role.INSPECTOR]
    assert Permission.MANAGE_USERS not in ROLE_PERMISSIONS[Role.SECTION_HEAD]
