"""Login, lockout, first administrator, user management and its permissions (both databases)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import AuditEvent, User
from gxq_desktop.domain.roles import Role
from gxq_desktop.services.auth import AuthService, UserService, hash_password, verify_password
from gxq_desktop.services.context import Actor
from gxq_desktop.services.errors import AccountLocked, AuthError, PermissionDenied, ValidationError

from .conftest import make_user


def test_password_hash_is_argon2id_and_salted() -> None:
    a, b = hash_password("Secret-123"), hash_password("Secret-123")
    assert a.startswith("$argon2id$") and a != b
    assert verify_password(a, "Secret-123")
    assert not verify_password(a, "secret-123")
    assert not verify_password("not a hash", "Secret-123")


def test_first_admin_only_on_an_empty_database(db: Database) -> None:
    auth = AuthService(db)
    assert auth.needs_first_admin()
    info = auth.create_first_admin("admin", "Admin@2026", "王管理")
    assert info.role is Role.ADMIN and info.display_name == "王管理"
    assert not auth.needs_first_admin()
    with pytest.raises(AuthError, match="已有用户"):
        auth.create_first_admin("admin2", "Admin@2026")


def test_first_admin_password_rules(db: Database) -> None:
    with pytest.raises(ValidationError, match="至少需要 8 个字符"):
        AuthService(db).create_first_admin("admin", "a1")
    with pytest.raises(ValidationError, match="字母和数字"):
        AuthService(db).create_first_admin("admin", "12345678")
    assert AuthService(db).needs_first_admin()


def test_login_right_password(db: Database) -> None:
    make_user(db, Role.CLERK, "luru", "Demo@2026")
    actor = AuthService(db).login("luru", "Demo@2026")
    assert actor.username == "luru" and actor.role is Role.CLERK
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == "luru"))
        assert user is not None and user.last_login_at is not None
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id)).all()
    assert "login.success" in actions


def test_login_wrong_password_counts_down_and_locks(db: Database) -> None:
    make_user(db, Role.INSPECTOR, "zhifa", "Demo@2026")
    auth = AuthService(db)
    now = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthError, match=f"还可尝试 {left} 次") as err:
            auth.login("zhifa", "wrong", now=now)
        assert not isinstance(err.value, AccountLocked)
    with pytest.raises(AccountLocked, match="锁定 10 分钟"):
        auth.login("zhifa", "wrong", now=now)
    # Even the right password is refused while locked …
    with pytest.raises(AccountLocked, match="分钟后再试"):
        auth.login("zhifa", "Demo@2026", now=now + dt.timedelta(minutes=9))
    # … and accepted after ten minutes.
    actor = auth.login("zhifa", "Demo@2026", now=now + dt.timedelta(minutes=10, seconds=1))
    assert actor.username == "zhifa"
    with db.session() as s:
        locked = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.locked")
        )
    assert locked == 1


def test_success_resets_the_failure_count(db: Database) -> None:
    make_user(db, Role.CLERK, "a", "Demo@2026")
    auth = AuthService(db)
    for _ in range(4):
        with pytest.raises(AuthError):
            auth.login("a", "bad")
    auth.login("a", "Demo@2026")
    with pytest.raises(AuthError, match="还可尝试 4 次"):
        auth.login("a", "bad")


def test_unknown_user_and_disabled_user(db: Database, admin: Actor) -> None:
    with pytest.raises(AuthError, match="用户名或密码错误"):
        AuthService(db).login("nobody", "whatever")
    clerk = make_user(db, Role.CLERK, "clerk1", "Demo@2026")
    assert clerk.user_id is not None
    UserService(db, admin).set_active(clerk.user_id, False)
    with pytest.raises(AuthError, match="已停用"):
        AuthService(db).login("clerk1", "Demo@2026")


def test_admin_manages_users(db: Database, admin: Actor) -> None:
    svc = UserService(db, admin)
    info = svc.add_user("kezhang", "Demo@2026", Role.SECTION_HEAD, "李科长")
    assert [u.username for u in svc.list_users()] == ["admin", "kezhang"]
    with pytest.raises(ValidationError, match="已存在"):
        svc.add_user("kezhang", "Demo@2026", Role.CLERK)
    with pytest.raises(ValidationError, match="未知的角色"):
        svc.add_user("x", "Demo@2026", "boss")
    svc.reset_password(info.id, "New-pass-1")
    assert AuthService(db).login("kezhang", "New-pass-1").role is Role.SECTION_HEAD
    with pytest.raises(ValidationError, match="不能停用当前登录"):
        svc.set_active(admin.user_id or 0, False)


def test_change_own_password(db: Database) -> None:
    actor = make_user(db, Role.INSPECTOR, "z", "Demo@2026")
    svc = UserService(db, actor)
    with pytest.raises(AuthError, match="原密码不正确"):
        svc.change_own_password("wrong", "Other-pass-2")
    svc.change_own_password("Demo@2026", "Other-pass-2")
    assert AuthService(db).login("z", "Other-pass-2").username == "z"


@pytest.mark.parametrize("role", [Role.SECTION_HEAD, Role.INSPECTOR, Role.CLERK])
def test_only_admins_manage_users(db: Database, role: Role) -> None:
    actor = make_user(db, role)
    svc = UserService(db, actor)
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(User))
    calls = [
        lambda: svc.add_user("new", "Demo@2026", Role.CLERK),
        lambda: svc.set_active(actor.user_id or 0, True),
        lambda: svc.reset_password(actor.user_id or 0, "Demo@2027x"),
        svc.list_users,
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="没有“管理用户”的权限"):
            call()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == before
