"""``gxq-desktop demo-data --enterprises N --seed S`` and ``gxq-desktop reference install``."""

from __future__ import annotations

import argparse
import sys
import time

from gxq_desktop.db import migrate
from gxq_desktop.db.engine import Database
from gxq_desktop.services.context import command_line_actor
from gxq_desktop.services.demo_data import DEMO_USERS, generate_demo_data
from gxq_desktop.services.reference_data import install_reference_data

from .common import add_db_argument, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser(
        "demo-data",
        help="生成演示数据（市场主体、部门记录、执法人员、抽查任务；空数据库时另建演示用户）",
        description="向空数据库写入可复现的演示数据。同一种子总是生成相同的数据。",
    )
    demo.add_argument(
        "--enterprises", type=int, default=143_000, metavar="N", help="市场主体数量（默认 143000）"
    )
    demo.add_argument("--seed", type=int, default=2026, metavar="S", help="随机种子（默认 2026）")
    demo.add_argument(
        "--force", action="store_true", help="数据库中已有市场主体时仍然追加演示数据（不删除已有数据）"
    )
    demo.add_argument("--quiet", action="store_true", help="不显示进度")
    add_db_argument(demo)
    demo.set_defaults(handler=_demo_data)

    ref = sub.add_parser("reference", help="参考数据：部门、法律法规库、抽查事项清单、工作日历")
    rsub = ref.add_subparsers(dest="reference_command", required=True, metavar="ACTION")
    inst = rsub.add_parser("install", help="安装或更新参考数据（可重复运行，管理员修改的日历不会被覆盖）")
    add_db_argument(inst)
    inst.set_defaults(handler=_reference_install)


def _prepare(db: Database) -> None:
    """A new database gets its tables; an older one must be upgraded explicitly (it may be shared)."""
    status = migrate.schema_status(db)
    if status.state is migrate.SchemaState.EMPTY:
        migrate.upgrade(db)
        print(f"已创建数据库结构：{db.location_label}")
    elif status.state is migrate.SchemaState.NEWER:
        raise SystemExit("错误：" + migrate.newer_message(status))
    elif status.state is migrate.SchemaState.OLDER:
        raise SystemExit("错误：数据库结构版本较旧，请先运行 gxq-desktop db upgrade。")
    elif status.state is migrate.SchemaState.FOREIGN:
        raise SystemExit("错误：该数据库中已有其他程序的表，不是 GXQ Desktop 数据库，未做任何更改。")


class _Progress:
    """One self-overwriting line on a terminal, a line every few seconds otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stdout.isatty()
        self.last = 0.0
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int, phase: str) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        if done < total and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        pct = 100 * done / total if total else 100.0
        line = f"[{pct:5.1f}%] {now - self.started:6.1f} 秒  {phase}"
        if self.tty:
            print("\r" + line.ljust(60), end="" if done < total else "\n", flush=True)
        else:
            print(line, flush=True)


def _demo_data(args: argparse.Namespace) -> int:
    if args.enterprises < 0:
        print("错误：--enterprises 不能为负数。", file=sys.stderr)
        return 2
    db = open_database(args)
    _prepare(db)
    started = time.perf_counter()
    summary = generate_demo_data(
        db,
        enterprises=args.enterprises,
        seed=args.seed,
        progress=_Progress(args.quiet),
        allow_existing=args.force,
    )
    seconds = time.perf_counter() - started
    print(f"已生成演示数据（种子 {args.seed}），用时 {seconds:.1f} 秒，{db.location_label}")
    rows = (
        ("市场主体", summary.enterprises),
        ("  其中仅有注册号的个体工商户", summary.without_uscc),
        ("非公党建组织", summary.party_organizations),
        ("经营异常名录", summary.abnormal_listings),
        ("严重违法失信名单", summary.serious_violations),
        ("行政处罚", summary.penalties),
        ("消费者投诉", summary.complaints),
        ("红黑名单、失信被执行人", summary.list_entries),
        ("行政许可", summary.licenses),
        ("年度报告", summary.annual_reports),
        ("信用承诺", summary.commitments),
        ("执法检查人员", summary.inspectors),
        ("回避声明", summary.recusals),
        ("抽查任务", summary.draw_tasks),
        ("检查记录", summary.inspections),
    )
    for label, count in rows:
        print(f"  {label}：{count:,}")
    print(f"  合计 {summary.total_rows:,} 行，{summary.total_rows / max(seconds, 0.001):,.0f} 行/秒")
    if summary.users_created:
        print("演示用户（首次登录后请修改密码）：")
        for username, password, role, _display, _dept in DEMO_USERS:
            if username in summary.users_created:
                print(f"  {username} / {password}（{role.label}）")
    else:
        print("数据库中已有用户，未创建演示用户。")
    return 0


def _reference_install(args: argparse.Namespace) -> int:
    db = open_database(args)
    _prepare(db)
    s = install_reference_data(db, command_line_actor())
    print(f"参考数据{'已更新' if s.changed else '已是最新，无变化'}：{db.location_label}")
    print(f"  部门 {s.departments} 个（新增 {s.departments_added}）")
    print(
        f"  法律法规 {s.laws} 部（新增 {s.laws_added}），条文 {s.law_articles:,} 条（变动 {s.articles_changed}）"
    )
    print(f"  抽查事项 {s.inspection_items} 项（新增 {s.items_added}，更新 {s.items_updated}）")
    print(
        f"  法律依据 {s.legal_references} 条：已对应条文 {s.references_resolved}，未能对应 {s.references_unresolved}"
    )
    print(f"  工作日历例外日 {s.calendar_days:,} 天（新增 {s.calendar_added}，更正 {s.calendar_updated}）")
    return 0
