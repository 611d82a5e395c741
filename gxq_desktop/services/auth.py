"""Login, first administrator, users. Passwords are hashed with Argon2id (memory-hard)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from gxq_desktop.db.base import utcnow
from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import AuditEvent, User
from gxq_desktop.domain.roles import Permission, Role

from .base import Service
from .context import Actor
from .errors import AccountLocked, AuthError, NotFound, ValidationError

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=10)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()  # Argon2id, 64 MiB, 3 passes (argon2-cffi's RFC 9106 low-memory profile)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符。", field="password")
    if password.isdigit() or password.isalpha():
        raise ValidationError("密码需同时包含字母和数字（或其他符号）。", field="password")


def _validate_username(username: str) -> str:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise ValidationError("用户名不能为空、不能含空格，最长 64 个字符。", field="username")
    return username


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    is_active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


def _info(u: User) -> UserInfo:
    return UserInfo(
        u.id,
        u.username,
        u.display_name,
        Role(u.role),
        u.department_id,
        u.is_active,
        u.locked_until,
        u.last_login_at,
    )


def _user_event(u: User, action: str, summary: str) -> AuditEvent:
    """An audit event about a user's own account (login, lockout, first administrator)."""
    return AuditEvent(
        user_id=u.id, username=u.username, action=action, entity_type="User", entity_id=u.id, summary=summary
    )


def _actor(u: User) -> Actor:
    return Actor(u.id, u.username, u.display_name, Role(u.role), u.department_id)


class AuthService:
    """Used before anyone is logged in."""

    def __init__(self, db: Database, *, clock: type[dt.datetime] | None = None) -> None:
        self.db = db

    def needs_first_admin(self) -> bool:
        with self.db.session() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) == 0

    def create_first_admin(self, username: str, password: str, display_name: str = "系统管理员") -> UserInfo:
        """Only allowed while the database has no user at all."""
        username = _validate_username(username)
        check_password_strength(password)
        with self.db.transaction() as s:
            if (s.scalar(select(func.count()).select_from(User)) or 0) > 0:
                raise AuthError("数据库中已有用户，不能再创建首个管理员。请用管理员账户登录后添加用户。")
            user = User(
                username=username,
                display_name=display_name.strip() or username,
                password_hash=hash_password(password),
                role=Role.ADMIN.value,
                password_changed_at=utcnow(),
            )
            s.add(user)
            s.flush()
            s.add(_user_event(user, "user.create_first_admin", f"创建首个系统管理员 {username}"))
            return _info(user)

    def login(self, username: str, password: str, *, now: dt.datetime | None = None) -> Actor:
        now = now or utcnow()
        generic = "用户名或密码错误。"
        with self.db.transaction() as s:
            user = s.scalar(select(User).where(User.username == username.strip()))
            if user is None:
                verify_password(_dummy_hash(), password)  # same time as a real check: no user probing
                raise AuthError(generic)
            if not user.is_active:
                raise AuthError("该账户已停用，请联系系统管理员。")
            if user.locked_until is not None and user.locked_until > now:
                minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
                raise AccountLocked(f"密码错误次数过多，账户已锁定，请在约 {minutes} 分钟后再试。")
            if not verify_password(user.password_hash, password):
                user.failed_attempts += 1
                left = MAX_FAILED_ATTEMPTS - user.failed_attempts
                event = _user_event(user, "login.failed", "密码错误")
                s.add(event)
                if left <= 0:
                    user.locked_until = now + LOCKOUT
                    user.failed_attempts = 0
                    s.add(_user_event(user, "login.locked", "连续 5 次密码错误，锁定 10 分钟"))
                    s.commit()
                    raise AccountLocked("密码连续错误 5 次，账户已锁定 10 分钟。")
                s.commit()
                raise AuthError(f"{generic}还可尝试 {left} 次，之后账户将被锁定 10 分钟。")
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            s.add(_user_event(user, "login.success", "登录"))
            return _actor(user)


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: one Argon2 hash costs ~0.3 s of the program's start-up.
    return hash_password("not-a-real-password-0")


class UserService(Service):
    def list_users(self) -> list[UserInfo]:
        self.require(Permission.MANAGE_USERS)
        with self.read() as s:
            return [_info(u) for u in s.scalars(select(User).order_by(User.username))]

    def add_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        display_name: str = "",
        department_id: int | None = None,
    ) -> UserInfo:
        self.require(Permission.MANAGE_USERS)
        username = _validate_username(username)
        check_password_strength(password)
        try:
            role = Role(role)
        except ValueError:
            raise ValidationError(
                f"未知的角色“{role}”。可选：admin、section_head、inspector、clerk。", field="role"
            ) from None
        with self.tx() as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError(f"用户名“{username}”已存在。", field="username")
            user = User(
                username=username,
                display_name=display_name.strip() or username,
                password_hash=hash_password(password),
                role=role.value,
                department_id=department_id,
                password_changed_at=utcnow(),
            )
            s.add(user)
            self.audit(s, "user.add", f"添加用户 {username}（{role.label}）", entity=user)
            return _info(user)

    def set_active(self, user_id: int, active: bool) -> UserInfo:
        self.require(Permission.MANAGE_USERS)
        with self.tx() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound("用户不存在。")
            if user.id == self.actor.user_id and not active:
                raise ValidationError("不能停用当前登录的账户。")
            user.is_active = active
            self.audit(
                s, "user.set_active", f"{'启用' if active else '停用'}用户 {user.username}", entity=user
            )
            return _info(user)

    def reset_password(self, user_id: int, new_password: str) -> None:
        self.require(Permission.MANAGE_USERS)
        check_password_strength(new_password)
        with self.tx() as s:
            user = s.get(User, user_id)
            if user is None:
                raise NotFound("用户不存在。")
            user.password_hash = hash_password(new_password)
            user.failed_attempts = 0
            user.locked_until = None
            user.password_changed_at = utcnow()
            self.audit(s, "user.reset_password", f"重置用户 {user.username} 的密码", entity=user)

    def change_own_password(self, old_password: str, new_password: str) -> None:
        """Every role may change its own password."""
        if self.actor.user_id is None:
            raise AuthError("命令行账户没有密码。")
        check_password_strength(new_password)
        with self.tx() as s:
            user = s.get(User, self.actor.user_id)
            if user is None or not verify_password(user.password_hash, old_password):
                raise AuthError("原密码不正确。")
            user.password_hash = hash_password(new_password)
            user.password_changed_at = utcnow()
            self.audit(s, "user.change_password", "修改本人密码", entity=user)
