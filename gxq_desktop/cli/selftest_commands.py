"""``gxq-desktop selftest``: end-to-end check of an installation (the GUI part runs in gxq_desktop.app)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "selftest", help="自检：建演示库、登录、打开所有页面、生成一份 PDF（打包后冒烟测试用）"
    )
    p.add_argument("--enterprises", type=int, default=200, help="自检用演示数据的市场主体数（默认 200）")
    p.set_defaults(handler=None, gui_command="selftest")
