"""What every service shares: the database, the acting user, one transaction per call, audit events."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from gxq_desktop.db.engine import Database
from gxq_desktop.db.models import AuditEvent
from gxq_desktop.domain.roles import Permission

from .context import Actor
from .errors import ConflictError, DatabaseError, GxqError


def describe_db_error(exc: BaseException, db: Database) -> str:
    """A Chinese sentence for a driver error: what happened and what to do."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "database is locked" in text or "database table is locked" in text:
        return "数据库正被其他程序或工作站写入，请稍后重试。"
    if "disk i/o error" in text or "database or disk is full" in text or "no space" in text:
        return "磁盘已满或无法写入数据库文件，请释放磁盘空间或检查文件权限后重试。本次操作未保存。"
    if "readonly" in text or "read-only" in text:
        return f"数据库文件是只读的，无法保存（{db.location_label}）。请检查文件权限。"
    if "unable to open database" in text:
        return f"无法打开数据库文件（{db.location_label}），请检查路径和权限。"
    if "password authentication failed" in text:
        return "数据库用户名或密码错误，请在“系统管理 → 数据库连接”中重新输入。"
    if "does not exist" in text and "database" in text:
        return f"服务器上不存在数据库“{db.url.database}”，请检查数据库名称或请管理员创建。"
    if (
        "connection refused" in text
        or "could not connect" in text
        or "timeout" in text
        or "timed out" in text
    ):
        return f"无法连接到数据库服务器 {db.url.host}:{db.url.port or 5432}，请检查网络和服务器是否开启。"
    if "server closed the connection" in text or ("connection" in text and "lost" in text):
        return "与数据库服务器的连接已断开，本次操作未保存。请检查网络后重试。"
    return "数据库操作失败，本次操作未保存。" + (
        "" if not text else f"（{str(getattr(exc, 'orig', exc))[:200]}）"
    )


class Service:
    """Base class: ``self.db`` and ``self.actor``; ``with self.tx() as s`` is one atomic unit."""

    def __init__(self, db: Database, actor: Actor) -> None:
        self.db = db
        self.actor = actor

    def require(self, permission: Permission) -> None:
        self.actor.require(permission)

    @contextlib.contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction; on any error nothing of it is stored, and driver errors become GxqErrors."""
        try:
            with self.db.transaction(self.actor.user_id) as session:
                yield session
        except GxqError:
            raise
        except StaleDataError as exc:
            raise ConflictError(
                "这条记录已被其他用户修改，您的更改未保存。请刷新后查看最新内容再修改。"
            ) from exc
        except IntegrityError:
            raise  # services translate the constraint they know about
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseError(describe_db_error(exc, self.db)) from exc

    @contextlib.contextmanager
    def read(self, *, own_pool: bool = False) -> Iterator[Session]:
        """A read-only session (nothing is committed). ``own_pool``: on :attr:`Database.read_engine`
        (PostgreSQL: autocommit connections whose session settings the caller may change)."""
        try:
            opened = self.db.read_session if own_pool else self.db.session
            with opened(self.actor.user_id) as session:
                yield session
        except GxqError:
            raise
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseError(describe_db_error(exc, self.db)) from exc

    def audit(
        self,
        session: Session,
        action: str,
        summary: str,
        *,
        entity: Any | None = None,
        entity_type: str | None = None,
        entity_id: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if entity is not None:
            session.flush()
            entity_type = entity_type or type(entity).__name__
            entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
        session.add(
            AuditEvent(
                user_id=self.actor.user_id,
                username=self.actor.username,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                summary=summary,
                details=details,
            )
        )
