"""``gxq-desktop user add|list|reset-password|unlock``."""

from __future__ import annotations

import argparse
import getpass
import sys

from gxq_desktop.domain.roles import ROLE_LABELS, Role
from gxq_desktop.services.auth import UserService
from gxq_desktop.services.context import command_line_actor

from .common import add_db_argument, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="用户管理")
    usub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = usub.add_parser("add", help="添加用户")
    add.add_argument("username")
    add.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="角色：" + "，".join(f"{r.value}={ROLE_LABELS[r]}" for r in Role),
    )
    add.add_argument("--name", default="", help="显示姓名")
    add.add_argument("--department-id", type=int)
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（脚本用）")
    add_db_argument(add)
    add.set_defaults(handler=_add)
    ls = usub.add_parser("list", help="列出用户")
    add_db_argument(ls)
    ls.set_defaults(handler=_list)
    rp = usub.add_parser("reset-password", help="重置密码并解锁")
    rp.add_argument("username")
    rp.add_argument("--password-stdin", action="store_true")
    add_db_argument(rp)
    rp.set_defaults(handler=_reset)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise SystemExit("两次输入的密码不一致。")
    return first


def _service(args: argparse.Namespace) -> UserService:
    from gxq_desktop.db import migrate

    db = open_database(args)
    migrate.upgrade(db) if migrate.schema_status(db).state is migrate.SchemaState.EMPTY else None
    return UserService(db, command_line_actor())


def _add(args: argparse.Namespace) -> int:
    svc = _service(args)
    info = svc.add_user(args.username, _read_password(args), args.role, args.name, args.department_id)
    print(f"已添加用户 {info.username}（{info.role.label}）")
    return 0


def _list(args: argparse.Namespace) -> int:
    for u in _service(args).list_users():
        state = "启用" if u.is_active else "停用"
        print(f"{u.id}\t{u.username}\t{u.display_name}\t{u.role.label}\t{state}")
    return 0


def _reset(args: argparse.Namespace) -> int:
    svc = _service(args)
    users = {u.username: u for u in svc.list_users()}
    if args.username not in users:
        print(f"错误：用户“{args.username}”不存在。", file=sys.stderr)
        return 2
    svc.reset_password(users[args.username].id, _read_password(args))
    print(f"已重置用户 {args.username} 的密码并解除锁定。")
    return 0
