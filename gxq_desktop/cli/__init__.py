"""``gxq-desktop`` sub-commands. Each calls the same services as the GUI.

Every sub-command module has ``register(subparsers)``; they are listed in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from gxq_desktop import __version__, paths
from gxq_desktop.services.errors import GxqError

# Add a module here when it adds sub-commands (each defines register(subparsers)).
COMMAND_MODULES = [
    "gxq_desktop.cli.db_commands",
    "gxq_desktop.cli.user_commands",
    "gxq_desktop.cli.selftest_commands",
    "gxq_desktop.cli.demo_commands",
    "gxq_desktop.cli.import_commands",
    "gxq_desktop.cli.search_commands",
]

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gxq-desktop", description="高新区综合市场监管桌面端（不带子命令时启动图形界面）"
    )
    parser.add_argument("--version", action="version", version=f"GXQ Desktop {__version__}")
    parser.add_argument("--basedir", metavar="DIR", help="所有数据、设置和日志都放在此目录下")
    parser.add_argument("--db", metavar="URL", help="数据库地址（默认：设置中的数据库，或本地 SQLite 文件）")
    parser.add_argument(
        "--demo", action="store_true", help="演示模式：没有数据库时创建带演示数据的本地数据库"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def run_command(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    try:
        return handler(args)
    except GxqError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        if exc.detail:
            print(exc.detail, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    args = build_parser().parse_args(argv)
    if args.basedir:
        paths.set_basedir(args.basedir)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line only entry (no GUI): ``python -m gxq_desktop.cli``."""
    args = parse(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    return run_command(args)
